from django.contrib import messages
from django.core.exceptions import ValidationError


def run_service(request, service, success: str, **kwargs) -> bool:
    """Call a one-click service; report its refusal, or success, as a message."""
    try:
        service(**kwargs)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    messages.success(request, success)
    return True

"""Calling a service from a view: its refusal (a ValidationError) shown to the user, as a
message or on the form, rather than a server error."""

from django.contrib import messages
from django.core.exceptions import ValidationError


def run_service(request, service, success: str, **kwargs) -> bool:
    """Call a one-click service; report its refusal, or success, as a message."""
    try:
        service(**kwargs)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    if success:
        messages.success(request, success)
    return True


def save_with(form, service, **kwargs):
    """Call a service with a valid form's data; a refusal goes onto the form, so the
    user sees it beside what they typed and nothing is lost. Returns the result or None."""
    try:
        return service(**kwargs)
    except ValidationError as error:
        form.add_error(None, error)
        return None

"""The signed-in user's API tokens: list, create (the secret is shown once), revoke."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lmns.access import may_hold_api_tokens
from quality.api import services
from quality.api.forms import ApiTokenForm
from quality.api.models import ApiToken


def token_list(request):
    return render(
        request,
        "api/token_list.html",
        {
            "tokens": ApiToken.objects.filter(user=request.user),
            "may_create": may_hold_api_tokens(request.user),
        },
    )


# The page that shows the secret must not be kept by the browser or a proxy.
@never_cache
def token_create(request):
    if not may_hold_api_tokens(request.user):
        raise PermissionDenied
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, secret = services.api_token_create(
            user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
        )
        return render(request, "api/token_created.html", {"token": token, "secret": secret})
    return render(request, "api/token_form.html", {"form": form})


@require_POST
def token_revoke(request, pk):
    # Only the owner's tokens exist here: anyone else's answers 404.
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=pk)
    services.api_token_revoke(token=token, by=request.user)
    messages.success(request, f"Token “{token.name}” revoked. Systems using it can no longer connect.")
    return redirect("tokens:list")

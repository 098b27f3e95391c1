"""Creating and revoking API tokens."""

import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from lmns.api.models import ApiToken, token_digest

SECRET_PREFIX = "lmns_"
# Shown on the tokens page: enough to tell tokens apart, far too little to guess the rest.
VISIBLE_CHARACTERS = len(SECRET_PREFIX) + 6
# A token's "last used" is written at most this often, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def may_hold_tokens(user) -> bool:
    """Superusers may not: their reach is every provider, and a token is a long-lived secret
    kept in another system. An integration acts as a person with a provider role instead."""
    return user.is_active and not user.is_superuser


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``, and its secret: shown once, never kept."""
    if not may_hold_tokens(user):
        raise PermissionDenied
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Enter a name for the token."})
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:VISIBLE_CHARACTERS], digest=token_digest(secret)
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by) -> ApiToken:
    """Revoke a token for good; revoking it again changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now

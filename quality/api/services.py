"""Creating and revoking API tokens."""

import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from lmns.access import may_hold_api_tokens
from quality.api.models import ApiToken, token_digest

SECRET_PREFIX = "lmns_"
# Shown on the tokens page: enough to tell tokens apart, far too little to guess the rest.
VISIBLE_CHARACTERS = len(SECRET_PREFIX) + 6
# A token's "last used" is written at most this often, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# How long a new token lasts, in days, as offered on the page. A year at most: a secret kept
# in another system is replaced at least that often; 90 days unless the person chooses.
LIFETIMES = (30, 90, 180, 365)
DEFAULT_LIFETIME = 90


@transaction.atomic
def api_token_create(*, user, name: str, days: int = DEFAULT_LIFETIME) -> tuple[ApiToken, str]:
    """A new token for ``user``, lasting ``days``, and its secret: shown once, never kept."""
    if not may_hold_api_tokens(user):
        raise PermissionDenied
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Enter a name for the token."})
    if days not in LIFETIMES:
        raise ValidationError({"days": "Select how long the token lasts."})
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:VISIBLE_CHARACTERS],
        digest=token_digest(secret),
        expires_at=timezone.now() + timedelta(days=days),
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

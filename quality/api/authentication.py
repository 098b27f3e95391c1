from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from lmns.access import may_hold_api_tokens
from lmns.two_factor import services as two_factor_services
from quality.api.models import ApiToken, token_digest
from quality.api.services import api_token_touch

SET_UP_FIRST = _(
    "Your LMNS requires two-factor sign-in. Sign in to the website and set up an authenticator "
    "app; until you have, the API refuses your tokens."
)
CODE_FIRST = _("Enter your two-factor code on the website first.")
EXPIRED = "This token expired on {date}. Create a new one on your API tokens page."


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <secret>``: the request acts as the token's user.

    A revoked token, or one whose user is inactive or has become a superuser, answers 401
    with the same message as an unknown one. An expired token, or one whose user must set up
    two-factor sign-in first, answers 401 saying so: only its holder can send it, and they
    need to know to make a new one.
    """

    keyword = b"bearer"
    refused = _("Invalid or revoked token.")

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the header as 'Authorization: Bearer <token>'."))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(self.refused) from None
        tokens = ApiToken.objects.filter(revoked_at__isnull=True, digest=token_digest(secret))
        tokens = tokens.select_related("user")
        token = two_factor_services.with_set_up_owed(tokens, user_field="user_id").first()
        if token is None or not may_hold_api_tokens(token.user):
            raise exceptions.AuthenticationFailed(self.refused)
        if token.is_expired:
            raise exceptions.AuthenticationFailed(
                EXPIRED.format(date=formats.date_format(timezone.localtime(token.expires_at), "j F Y")),
                code="token_expired",
            )
        # A token made before the user's LMNS required two-factor sign-in must not outlast
        # the rule: it works again once they have set up an app (and so passed a code).
        if token.set_up_owed:
            raise exceptions.AuthenticationFailed(SET_UP_FIRST, code="two_factor_set_up_required")
        api_token_touch(token)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The session cookie, for reading the API from a signed-in browser. A session that still
    owes a two-factor code, or must set up an app first, answers 401 saying which: the
    two-factor middleware leaves /api/ to this class."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None or result[0].is_verified():
            return result
        enrolled, required = two_factor_services.owed_by(result[0])
        if enrolled:
            raise exceptions.AuthenticationFailed(CODE_FIRST, code="two_factor_code_required")
        if required:
            raise exceptions.AuthenticationFailed(SET_UP_FIRST, code="two_factor_set_up_required")
        return result

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes quality.api.authentication.BearerTokenAuthentication in the schema."""

    target_class = "quality.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token, created under your account's API tokens page.",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    """Describes quality.api.authentication.VerifiedSessionAuthentication: the session cookie."""

    target_class = "quality.api.authentication.VerifiedSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone


def token_digest(secret: str) -> str:
    """What is kept of a token: its SHA-256. The secret has 256 random bits, so a plain
    hash (no salt, no slow KDF) cannot be reversed, and lets a request find its token."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        """Neither revoked nor expired: what may still authenticate."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A secret a provider's risk system sends to act as one user, with that user's access."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What uses it, for example 'Datix export'.")
    prefix = models.CharField(
        max_length=16, editable=False, help_text="The start of the secret, shown to tell tokens apart."
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A secret kept in another system is not kept for ever: it stops working at this moment,
    # chosen when it is created, and a new one is made.
    expires_at = models.DateTimeField()

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

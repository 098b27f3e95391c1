"""Encryption at rest for emails held while the broker is down (lmns.outbox): a held
password reset email carries a working link, which must not sit readable in the database.

Fernet, with keys derived from SECRET_KEY and then each of SECRET_KEY_FALLBACKS: the first
encrypts, every one decrypts. Derived from SECRET_KEY rather than the FTSU key, because a
reset link is itself signed with SECRET_KEY (whoever holds that key can make links anyway,
so this adds no secret to guard) and because rotating SECRET_KEY with the old one kept as a
fallback then keeps held emails readable exactly as it keeps their links valid.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

__all__ = ["InvalidToken", "seal", "unseal"]

# Gives these keys a purpose of their own, apart from every other use of SECRET_KEY.
PURPOSE = "lmns.sealing.held-email"


def _fernet() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    keys = [salted_hmac(PURPOSE, "key", secret=secret, algorithm="sha256").digest() for secret in secrets]
    return MultiFernet([Fernet(base64.urlsafe_b64encode(key)) for key in keys])


def seal(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def unseal(token: str) -> str:
    """The plain text; InvalidToken if no current or fallback secret key opens it."""
    return _fernet().decrypt(token.encode()).decode()

"""Encryption at rest for FTSU raisers' contact details (Fernet: AES-128-CBC with HMAC).

The keys come from the environment (settings.FTSU_ENCRYPTION_KEYS): the first encrypts,
every one decrypts, so a key can be rotated by putting the new one first.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(text: str) -> str:
    return _fernet(tuple(settings.FTSU_ENCRYPTION_KEYS)).encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """The plain text; a token no configured key opens gives a fixed message, never an error
    page that could print the token."""
    try:
        return _fernet(tuple(settings.FTSU_ENCRYPTION_KEYS)).decrypt(token.encode()).decode()
    except InvalidToken:
        return "(cannot be read with the current FTSU_ENCRYPTION_KEY)"

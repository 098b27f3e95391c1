"""Encryption at rest for FTSU raisers' contact details (Fernet: AES-128-CBC with HMAC).

The keys come from the environment (settings.FTSU_ENCRYPTION_KEYS): the first encrypts,
every one decrypts, so a key can be rotated by putting the new one first.
"""

from datetime import datetime, time
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils import timezone


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(text: str) -> str:
    """A Fernet token carries the time it was made, in clear: stamp it with the start of the
    day instead, so that a concern raised online cannot be timed from its contact details
    (the concern keeps only its date, and so does its history)."""
    day = datetime.combine(timezone.localdate(), time.min, tzinfo=timezone.get_current_timezone())
    return (
        _fernet(tuple(settings.FTSU_ENCRYPTION_KEYS))
        .encrypt_at_time(text.encode(), int(day.timestamp()))
        .decode()
    )


def decrypt(token: str) -> str:
    """The plain text; a token no configured key opens gives a fixed message, never an error
    page that could print the token."""
    try:
        return _fernet(tuple(settings.FTSU_ENCRYPTION_KEYS)).decrypt(token.encode()).decode()
    except InvalidToken:
        return "(cannot be read with the current FTSU_ENCRYPTION_KEY)"

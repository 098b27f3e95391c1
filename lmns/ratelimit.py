"""Rate limits for the pages that need no account (speaking up to the LMNS, survey answers,
resetting a password).

The client's address is only ever held as a keyed hash, in the cache, for the length of
the window: never in the database, never beside a concern, never in a log. With Redis
(CACHE_URL) the limit holds across web processes.
"""

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache

from lmns.client import client_address


def _key(scope: str, value: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{scope}:{value}".encode(), hashlib.sha256)
    return f"rate-limit:{scope}:{digest.hexdigest()}"


def hit(scope: str, value: str, *, limit: int, window: int) -> bool:
    """Count one attempt at ``scope`` by ``value``; False once more than ``limit`` were made
    in ``window`` seconds (counted from the first)."""
    key = _key(scope, value)
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count <= limit


def hit_address(request, scope: str, *, limit: int, window: int) -> bool:
    return hit(scope, client_address(request), limit=limit, window=window)

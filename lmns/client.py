"""The client's address: one rule for everything that keys on it (sign-in lock-out through
django-axes' AXES_CLIENT_IP_CALLABLE, and the rate limits in lmns.ratelimit).

Behind PROXY_COUNT proxies that each append the address they saw to X-Forwarded-For, the
client is the PROXY_COUNT-th address from the right. Everything left of that was written by
the client itself and so is never believed: otherwise anyone could choose whose lock-out or
rate limit they count against.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    # Fewer entries than proxies: the request did not come through all of them, so none of
    # the entries can be trusted to be the client's.
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        # Only an address: sign-in logs keep it in an address column.
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote

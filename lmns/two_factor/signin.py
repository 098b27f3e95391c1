"""The half-signed-in session between a correct password and a correct code.

The session holds only who is waiting, for how long, and where they were going; it is not
authenticated (no ``_auth_user_id``) until ``finish`` calls Django's ``login``.
"""

import time

import django_otp
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model

PENDING_KEY = "two_factor_pending"


def start(request, user, *, next_url: str) -> None:
    # A new session key already for the waiting state, so that a session id planted before
    # the password was typed cannot be used to try codes for this user.
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user_id": user.pk,
        "backend": user.backend,
        # A password changed or reset meanwhile ends the wait, as it ends sessions.
        "auth_hash": user.get_session_auth_hash(),
        "started": time.time(),
        "next": next_url,
    }


def pending_user(request):
    """The user who gave a correct password in this session and still owes a code, if any."""
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return None
    user = None
    if time.time() - pending["started"] <= settings.TWO_FACTOR_PENDING_SECONDS:
        user = get_user_model().objects.filter(pk=pending["user_id"], is_active=True).first()
    if user is None or user.get_session_auth_hash() != pending["auth_hash"]:
        cancel(request)
        return None
    return user


def next_url(request) -> str:
    return request.session.get(PENDING_KEY, {}).get("next") or ""


def cancel(request) -> None:
    request.session.pop(PENDING_KEY, None)


def finish(request, user, device) -> None:
    """Sign the user in (a new session key) and mark the session as verified by ``device``."""
    backend = request.session[PENDING_KEY]["backend"]
    cancel(request)
    auth.login(request, user, backend=backend)
    django_otp.login(request, device)

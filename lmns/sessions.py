"""Idle sign-out without writing the session on every request.

A session ends SESSION_COOKIE_AGE after its last save. Saving it on every request
(SESSION_SAVE_EVERY_REQUEST) kept that exact, but cost every page a database write: on SQLite
about a tenth of a list page's time, on PostgreSQL a commit flushed to disk for each page read.
Instead a session is saved when it is used more than REFRESH_SECONDS after its last save, so an
idle session ends between SESSION_COOKIE_AGE - REFRESH_SECONDS and SESSION_COOKIE_AGE after its
last request.
"""

import time

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

REFRESH_SECONDS = 60
_SAVED_AT = "_saved_at"


def _mark_saved(session) -> None:
    session[_SAVED_AT] = int(time.time())


def on_sign_in(sender, request, user, **kwargs):
    """Signing in saves the session, so the minute starts then."""
    _mark_saved(request.session)


class IdleSessionMiddleware:
    """Keeps a session in use alive, saving it at most once every REFRESH_SECONDS.

    Sits just inside SessionMiddleware, so that a session it marks is saved on the way out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = request.session
        if session.session_key is None:
            return response  # no session to keep alive, or one just ended by signing out
        if session.modified or int(time.time()) - session.get(_SAVED_AT, 0) >= REFRESH_SECONDS:
            _mark_saved(session)
        return response


def sessions_end(*, user) -> int:
    """End every live session of ``user`` now (a leaver); returns how many ended.

    Sessions are rows of the database engine (the default SESSION_ENGINE) keyed by a random
    key, with the user's id inside the signed data, so the live ones are read and decoded.
    Sessions last SESSION_IDLE_MINUTES without use, so only those of the last half hour or
    so are live: a few hundred rows at most.
    """
    live = Session.objects.filter(expire_date__gt=timezone.now())
    theirs = [
        session.pk for session in live.iterator() if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    Session.objects.filter(pk__in=theirs).delete()
    return len(theirs)

"""Idle sign-out without writing the session on every request.

A session ends SESSION_COOKIE_AGE after its last save. Saving it on every request
(SESSION_SAVE_EVERY_REQUEST) kept that exact, but cost every page a database write: on SQLite
about a tenth of a list page's time, on PostgreSQL a commit flushed to disk for each page read.
Instead a session is saved when it is used more than REFRESH_SECONDS after its last save, so an
idle session ends between SESSION_COOKIE_AGE - REFRESH_SECONDS and SESSION_COOKIE_AGE after its
last request.
"""

import time

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

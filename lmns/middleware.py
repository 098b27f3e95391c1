"""Middleware of our own: no page kept in a browser's cache, and a change the database
refused told plainly."""

import logging

from django.db import InternalError, OperationalError
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

# Reads change nothing, so a failed one is an ordinary server error.
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


class DatabaseRefusalMiddleware:
    """Answer 503 "Your change was not saved" when the database refuses a write.

    Refusals (read-only, disk full, lost connection, lock timeout) reach Django as
    OperationalError or InternalError. Every write is one atomic service, so a refusal
    part-way leaves nothing of the change behind. Integrity and programming errors are
    bugs, not refusals, and stay 500s.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.method in READ_METHODS or not isinstance(exception, OperationalError | InternalError):
            return None
        # Answering here stops Django logging it as a server error, so log it ourselves.
        logger.error("The database refused a change: %s %s", request.method, request.path, exc_info=exception)
        response = render(request, "not_saved.html", status=503)
        response["Retry-After"] = "60"
        return response


class NoStoreMiddleware:
    """Every page the application draws says ``Cache-Control: no-store``, so that the next
    person at a shared ward or office computer cannot bring it back with the Back button or
    from the cache after sign-out. Signed in or not: the pages seen signed out (sign-in,
    password reset, speaking up, survey answers) should not be kept either, and one rule
    cannot miss a page. Static files are answered by WhiteNoise before this runs, so they
    stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A file download already marked no-store (lmns.responses) keeps its own header.
        if "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response

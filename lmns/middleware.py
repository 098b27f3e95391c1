"""A change the database refused: the user is told plainly that nothing was saved."""

import logging

from django.db import InternalError, OperationalError
from django.shortcuts import render

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

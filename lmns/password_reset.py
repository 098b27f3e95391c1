"""Asking for a password reset link, within limits.

The form needs no account, so without a limit anyone could flood a colleague's inbox with
reset emails, or the service's outgoing mail with the whole staff list. Requests are counted
per client address and per email address (lmns.ratelimit, keyed hashes in the cache); past
either limit no email is sent, and the page that follows is the same "check your email" page
as always, so it never tells whether an account exists or whether a limit was met.
"""

import logging

from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect

from lmns import ratelimit
from lmns.forms import QueuedPasswordResetForm

logger = logging.getLogger(__name__)

WINDOW = 60 * 60
# A whole trust may reach us from one address, so this is generous...
PER_ADDRESS = 20
# ...while one person needs a reset, or a retry or two, an hour at most.
PER_EMAIL = 3


def password_reset_may_send(request, email: str) -> bool:
    """Count this request; False once the client or the email address is past its limit."""
    by_address = ratelimit.hit_address(request, "password-reset", limit=PER_ADDRESS, window=WINDOW)
    email = email.strip().lower()
    return by_address and ratelimit.hit("password-reset-email", email, limit=PER_EMAIL, window=WINDOW)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm

    def form_valid(self, form):
        if password_reset_may_send(self.request, form.cleaned_data["email"]):
            return super().form_valid(form)
        # Neither the address nor the email goes in the log: only that a limit was met.
        logger.warning("Password reset requests past the limit; no email sent")
        return HttpResponseRedirect(self.get_success_url())

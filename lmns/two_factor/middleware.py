from django.shortcuts import redirect

from lmns.two_factor import services

# Pages a signed-in user who still owes a code may open: the code step, setting up an
# app (when their LMNS requires one), and signing out.
OPEN_PAGES = frozenset({"two-factor-verify", "two-factor-enrol", "logout"})


class TwoFactorMiddleware:
    """The one place that holds back a session which has not passed two-factor sign-in.

    A user with an authenticator app whose session has not given a code this time is sent
    to the code step; a user whose LMNS requires two-factor sign-in and who has no app yet
    is sent to set one up. Either way nothing else opens until then. Needs
    django_otp's OTPMiddleware before it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # API requests authenticate each call with a bearer token (made from a session that
        # passed this check), and answer 401 rather than a redirect: the API's own session
        # authentication (quality.api.authentication) refuses sessions that owe a code.
        if request.path_info.startswith("/api/"):
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.resolver_match and request.resolver_match.view_name in OPEN_PAGES:
            return None
        enrolled, required = services.owed_by(user)
        if enrolled:
            return redirect("two-factor-verify")
        if required:
            return redirect("two-factor-enrol")
        return None

import base64

import django_otp
import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from lmns.forms import SignInForm
from lmns.two_factor import services, signin
from lmns.two_factor.forms import AppCodeForm, CodeForm

THROTTLED = "You entered a wrong code a moment ago. Wait a few seconds, then enter the code again."


class SignInView(auth_views.LoginView):
    """Django's sign-in page; a user with an authenticator app goes on to the code step
    instead of being signed in."""

    authentication_form = SignInForm

    def form_valid(self, form):
        user = form.get_user()
        if not services.is_enrolled(user):
            # Someone else's unfinished sign-in in this browser ends here.
            signin.cancel(self.request)
            return super().form_valid(form)
        signin.start(self.request, user, next_url=self.get_redirect_url())
        return redirect("two-factor-verify")


@login_not_required
@never_cache
@sensitive_post_parameters("code")
def verify(request):
    """The code step of sign-in, after a correct password (or for a session that owes one)."""
    signed_in = request.user.is_authenticated
    user = request.user if signed_in else signin.pending_user(request)
    if user is None:
        return redirect("login")
    if signed_in and (request.user.is_verified() or not services.is_enrolled(user)):
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # A wrong code counts towards lock-out exactly like a wrong password, under the same
        # username and address; a correct password alone does not reset the count.
        credentials = {"username": user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            return _lock_out(request, credentials)
        try:
            device = services.code_verify(user=user, code=form.cleaned_data["code"])
        except services.CodeThrottled:
            form.add_error("code", THROTTLED)
        else:
            if device is not None:
                next_url = signin.next_url(request) or settings.LOGIN_REDIRECT_URL
                if signed_in:
                    django_otp.login(request, device)
                else:
                    signin.finish(request, user, device)
                return redirect(next_url)
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                return _lock_out(request, credentials)
            form.add_error("code", services.WRONG_CODE)
    return render(request, "registration/two_factor_verify.html", {"form": form, "signed_in": signed_in})


def _lock_out(request, credentials):
    signin.cancel(request)
    if request.user.is_authenticated:
        auth.logout(request)
    request.axes_locked_out = False  # answered here; AxesMiddleware need not answer again
    return get_lockout_response(request, None, credentials)


@never_cache
def overview(request):
    return _overview(request)


def _overview(request, **forms):
    user = request.user
    context = {
        # For the error summary and the page title: whichever form came back with errors.
        "form": forms.get("codes_form") or forms.get("off_form"),
        "enrolled": services.is_enrolled(user),
        "required": services.required_for(user),
        "codes_left": services.recovery_codes_left(user),
        "codes_form": forms.get("codes_form") or CodeForm(prefix="codes"),
        "off_form": forms.get("off_form") or CodeForm(prefix="off"),
    }
    return render(request, "registration/two_factor.html", context)


@never_cache
@sensitive_post_parameters("code")
def enrol(request):
    if services.is_enrolled(request.user):
        return redirect("two-factor")
    device = services.app_device_start(user=request.user)
    form = AppCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.app_device_confirm(device=device, code=form.cleaned_data["code"])
        if codes is not None:
            django_otp.login(request, device)
            context = {"codes": codes, "new": True}
            return render(request, "registration/two_factor_recovery_codes.html", context)
        form.add_error("code", "Enter the code the app shows now. If it has just changed, enter the new one.")
    qr = segno.make(device.config_url, error="m")
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr_data_uri": qr.svg_data_uri(scale=5, border=2),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "required": services.required_for(request.user),
    }
    return render(request, "registration/two_factor_enrol.html", context)


@require_POST
@never_cache
@sensitive_post_parameters("codes-code")
def recovery_codes_replace(request):
    form = CodeForm(request.POST, prefix="codes")
    if form.is_valid() and _code_accepted(request, form):
        codes = services.recovery_codes_replace(user=request.user)
        return render(request, "registration/two_factor_recovery_codes.html", {"codes": codes, "new": False})
    return _overview(request, codes_form=form)


@require_POST
@sensitive_post_parameters("off-code")
def turn_off(request):
    form = CodeForm(request.POST, prefix="off")
    if form.is_valid():
        try:
            services.two_factor_turn_off(user=request.user, code=form.cleaned_data["code"])
        except services.CodeThrottled:
            form.add_error("code", THROTTLED)
        except ValidationError as error:
            form.add_error("code" if error.code == "wrong_code" else None, error)
        else:
            request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
            messages.success(request, "Two-factor sign-in is off. You now sign in with your password alone.")
            return redirect("two-factor")
    return _overview(request, off_form=form)


def _code_accepted(request, form) -> bool:
    try:
        device = services.code_verify(user=request.user, code=form.cleaned_data["code"])
    except services.CodeThrottled:
        form.add_error("code", THROTTLED)
        return False
    if device is None:
        form.add_error("code", services.WRONG_CODE)
    return device is not None

"""Speaking up to the LMNS with no account: raise a concern, then read replies and answer
with the case reference and passphrase.

These pages keep nothing that could identify the person: no account (even when someone
is signed in), no address, no time of day. Rate limits hold a keyed hash of the address
in the cache for the window only (lmns.ratelimit). Nothing here logs, and what people
type is left out of error reports (``sensitive_post_parameters``).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from lmns import ratelimit
from workforce import crypto, services
from workforce.forms import CaseAnswerForm, CaseOpenForm, SpeakUpForm
from workforce.models import FtsuConcern

# A form post larger than this is refused before it is read: the whole form, filled in
# to its limits, is well under it.
MAX_POST_BYTES = 32 * 1024
SUBMIT_LIMIT, SUBMIT_WINDOW = 5, 60 * 60  # concerns per address per hour
OPEN_LIMIT, OPEN_WINDOW = 10, 15 * 60  # attempts to open a case, per address and per reference
CASE_SESSION_SECONDS = 30 * 60  # how long an opened case stays open for answering
CASE_SALT = "workforce.speak-up.case"
SENT_COOKIE, SENT_SALT = "speak_up_sent", "workforce.speak-up.sent"
SENT_SECONDS = 10 * 60  # from sending to the page that shows the reference and passphrase

TOO_BIG = "Your concern is too long to send. Shorten it to 5,000 characters or fewer and send it again."
TOO_MANY = "Too many attempts from your connection. Wait an hour and try again, or speak to a guardian."
TOO_MANY_OPEN = "Too many attempts. Wait 15 minutes and try again."
CASE_EXPIRED = "Your case was closed to keep it private. Enter your case reference and passphrase again."


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


def _refused(form, message: str):
    """An empty form carrying one error, for a post refused before its fields are read."""
    form.cleaned_data = {}
    form.errors  # noqa: B018 -- an unbound form's errors start empty, so add_error can add to them
    form.add_error(None, message)
    return form


def _too_big(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_POST_BYTES
    except ValueError:
        return True


@login_not_required
@never_cache
@sensitive_post_parameters("summary", "contact")
@require_http_methods(["GET", "POST"])
def speak_up(request):
    if request.method == "POST" and _too_big(request):
        form = _refused(SpeakUpForm(), TOO_BIG)
        return _private(render(request, "workforce/speak_up.html", {"form": form}, status=413))
    form = SpeakUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not ratelimit.hit_address(request, "speak-up", limit=SUBMIT_LIMIT, window=SUBMIT_WINDOW):
            form.add_error(None, TOO_MANY)
            return _private(render(request, "workforce/speak_up.html", {"form": form}, status=429))
        try:
            concern, passphrase = services.speak_up_submit(**form.service_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _sent_redirect(request, concern.reference, passphrase)
    return _private(render(request, "workforce/speak_up.html", {"form": form}))


def _sent_redirect(request, reference: str, passphrase: str):
    """Post, redirect, get: refreshing the page that shows the reference and passphrase must
    not send the concern again. They cross the redirect in a short-lived cookie for that page
    alone, encrypted, so that the server keeps nothing that ties them to whoever sent it."""
    response = redirect("workforce:speak-up-sent")
    response.set_cookie(
        SENT_COOKIE,
        crypto.encrypt(signing.dumps({"reference": reference, "passphrase": passphrase}, salt=SENT_SALT)),
        max_age=SENT_SECONDS,
        path=reverse("workforce:speak-up-sent"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )
    return _private(response)


@login_not_required
@never_cache
@require_GET
def speak_up_sent(request):
    """The reference and passphrase, shown once: the cookie that carried them is spent here."""
    try:
        sent = signing.loads(
            crypto.decrypt(request.COOKIES[SENT_COOKIE]), salt=SENT_SALT, max_age=SENT_SECONDS
        )
    except (KeyError, ValueError, signing.BadSignature):
        sent = None
    response = _private(render(request, "workforce/speak_up_done.html", {"sent": sent}))
    response.delete_cookie(SENT_COOKIE, path=reverse("workforce:speak-up-sent"), samesite="Strict")
    return response


@login_not_required
@never_cache
@sensitive_post_parameters("reference", "passphrase", "body", "case")
@require_http_methods(["GET", "POST"])
def speak_up_case(request):
    """GET: the form for reference and passphrase. POST: open the case, or answer on it."""
    if request.method == "POST" and _too_big(request):
        form = _refused(CaseOpenForm(), TOO_BIG)
        return _private(render(request, "workforce/speak_up_case.html", {"form": form}, status=413))
    if request.method == "POST" and "case" in request.POST:
        return _answer(request)
    form = CaseOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reference = services.normalise_code(form.cleaned_data["reference"], prefix="FTSU")
        # Limited per reference too, whether or not it exists, so that guessing one case's
        # passphrase from many addresses is as slow, and the limit says nothing about existence.
        if not (
            ratelimit.hit_address(request, "case-open", limit=OPEN_LIMIT, window=OPEN_WINDOW)
            and ratelimit.hit("case-reference", reference, limit=OPEN_LIMIT, window=OPEN_WINDOW)
        ):
            form.add_error(None, TOO_MANY_OPEN)
            return _private(render(request, "workforce/speak_up_case.html", {"form": form}, status=429))
        try:
            concern = services.speak_up_open(**form.cleaned_data)
        except ValidationError as error:
            form.add_error("passphrase", error)
        else:
            return _case_page(request, concern)
    return _private(render(request, "workforce/speak_up_case.html", {"form": form}))


def _answer(request):
    try:
        pk = signing.loads(request.POST["case"], salt=CASE_SALT, max_age=CASE_SESSION_SECONDS)
        concern = FtsuConcern.objects.exclude(passphrase_hash="").get(pk=pk)
    except (signing.BadSignature, FtsuConcern.DoesNotExist):
        form = _refused(CaseOpenForm(), CASE_EXPIRED)
        return _private(render(request, "workforce/speak_up_case.html", {"form": form}, status=400))
    answer_form = CaseAnswerForm(request.POST)
    sent = False
    if answer_form.is_valid():
        try:
            services.speak_up_answer(concern=concern, body=answer_form.cleaned_data["body"])
        except ValidationError as error:
            answer_form.add_error(None, error)
        else:
            sent = True
    return _case_page(request, concern, answer_form=None if sent else answer_form, sent=sent)


def _case_page(request, concern, *, answer_form=None, sent=False):
    token = signing.dumps(concern.pk, salt=CASE_SALT)
    return _private(
        render(
            request,
            "workforce/speak_up_case.html",
            {
                "concern": concern,
                # The raiser's view: the conversation only, never the guardians' notes.
                "conversation": concern.messages.all(),
                "form": answer_form or CaseAnswerForm(initial={"case": token}),
                "sent": sent,
            },
        )
    )

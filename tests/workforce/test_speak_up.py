"""Speaking up to the LMNS with no account: the case reference and passphrase, replies,
rate limits, and refusing bad posts without saving anything or keeping who sent them."""

import logging
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from lmns.models import Role
from workforce import services
from workforce.models import FtsuConcern, FtsuMessage, FtsuNote, RaisedAs
from workforce.views import speak_up

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.77"
BROWSER = "SpeakUpTestBrowser/1.0 (unique-agent-string)"
SUMMARY = "Agency staff on nights are not shown how to use the obstetric theatre call bell."


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def _form(world, **overrides):
    data = {
        "organisation": f"p:{world.a1.pk}",
        "raised_as": "anonymous",
        "contact": "",
        "professional_group": "nurses_midwives",
        "categories": ["patient_safety", "worker_safety"],
        "detriment_reported": "no",
        "summary": SUMMARY,
        "website": "",
    }
    return {**data, **overrides}


def _raise(client, world, **overrides):
    return client.post(
        reverse("workforce:speak-up"),
        _form(world, **overrides),
        REMOTE_ADDR=ADDRESS,
        HTTP_USER_AGENT=BROWSER,
        follow=True,
    )


def _shown(response):
    body = response.content.decode()
    reference = re.search(r'id="case-reference">([^<]+)<', body).group(1)
    passphrase = re.search(r'id="case-passphrase">([^<]+)<', body).group(1)
    return reference, passphrase


def _open(client, reference, passphrase, address=ADDRESS):
    return client.post(
        reverse("workforce:speak-up-case"),
        {"reference": reference, "passphrase": passphrase},
        REMOTE_ADDR=address,
    )


def test_anonymous_concern_with_no_account_keeps_no_identity(client, world, caplog):
    caplog.set_level(logging.DEBUG)
    response = _raise(client, world)
    assert response.status_code == 200
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    reference, passphrase = _shown(response)
    concern = FtsuConcern.objects.get(reference=reference)
    assert (concern.raised_as, concern.route, concern.received_by) == ("anonymous", "online", "lmns")
    assert (concern.provider, concern.lmns, concern.contact_encrypted) == (world.a1, world.lmns_a, "")
    assert concern.recorded_by is None and concern.handler is None
    assert passphrase not in concern.passphrase_hash
    stored = " ".join(
        str(value) for value in FtsuConcern.objects.filter(pk=concern.pk).values().get().values()
    )
    for identifier in (ADDRESS, BROWSER, "unique-agent-string"):
        assert identifier not in stored
        assert identifier not in caplog.text
    assert SUMMARY not in caplog.text


def test_refreshing_the_sent_page_sends_nothing_again_and_shows_the_passphrase_once(client, world):
    posted = client.post(reverse("workforce:speak-up"), _form(world), REMOTE_ADDR=ADDRESS)
    sent_url = reverse("workforce:speak-up-sent")
    # Post, redirect, get: the browser's refresh repeats the GET, not the post.
    assert (posted.status_code, posted["Location"]) == (302, sent_url)
    cookie = posted.cookies[speak_up.SENT_COOKIE]
    assert (cookie["path"], cookie["httponly"], cookie["samesite"]) == (sent_url, True, "Strict")
    assert 0 < int(cookie["max-age"]) <= 600
    shown = client.get(sent_url)
    reference, passphrase = _shown(shown)
    # The cookie holds them encrypted, not readable in transit logs or by scripts.
    assert passphrase not in cookie.value and reference not in cookie.value
    assert {"private", "no-store"} <= {part.strip() for part in shown["Cache-Control"].split(",")}
    refreshed = client.get(sent_url).content.decode()
    assert passphrase not in refreshed and "cannot be shown again" in refreshed
    assert "has not been sent twice" in refreshed
    assert FtsuConcern.objects.filter(route="online").count() == 1


def test_a_forged_or_stale_sent_cookie_shows_nothing(client, world):
    client.cookies[speak_up.SENT_COOKIE] = "forged"
    assert "cannot be shown again" in client.get(reverse("workforce:speak-up-sent")).content.decode()
    client.post(reverse("workforce:speak-up"), _form(world), REMOTE_ADDR=ADDRESS)
    # The browser would have dropped it by then; the page does not trust it to.
    with time_machine.travel(timezone.now() + timedelta(seconds=speak_up.SENT_SECONDS + 5)):
        page = client.get(reverse("workforce:speak-up-sent")).content.decode()
    assert "cannot be shown again" in page and 'id="case-passphrase"' not in page


def test_the_sign_in_page_links_to_speaking_up(client):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("workforce:speak-up")}"' in page


def test_signed_in_staff_speaking_up_are_not_recorded(client, world):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    client.force_login(officer)
    _raise(client, world)
    concern = FtsuConcern.objects.get(route="online")
    assert concern.recorded_by is None and concern.handler is None


def test_raiser_reads_the_leads_reply_and_answers_anonymously(client, world):
    reference, passphrase = _shown(_raise(client, world))
    concern = FtsuConcern.objects.get(reference=reference)
    lead = world.personas[f"lmns:{Role.LMNS_FTSU_LEAD}"]
    staff = client_for(lead)
    staff.post(
        reverse("workforce:concern-reply", kwargs={"pk": concern.pk}), {"body": "Thank you. Which unit?"}
    )
    staff.post(
        reverse("workforce:concern-note", kwargs={"pk": concern.pk}), {"body": "Private: ask the matron."}
    )
    concern.refresh_from_db()
    assert (concern.status, concern.handler) == ("in_progress", lead)

    # The raiser types the passphrase in lower case and without hyphens: still theirs.
    page = _open(client, reference.lower(), passphrase.replace("-", " ").lower())
    body = page.content.decode()
    assert page.status_code == 200
    assert "Thank you. Which unit?" in body and SUMMARY in body
    assert "Private: ask the matron." not in body
    token = re.search(r'name="case" value="([^"]+)"', body).group(1)
    answered = client.post(reverse("workforce:speak-up-case"), {"case": token, "body": "The Birch unit."})
    assert "Your answer has been sent." in answered.content.decode()
    answer = FtsuMessage.objects.get(concern=concern, from_raiser=True)
    assert (answer.body, answer.sent_by) == ("The Birch unit.", None)
    assert "The Birch unit." in staff.get(concern.get_absolute_url()).content.decode()


def client_for(user):
    from django.test import Client

    other = Client()
    other.force_login(user)
    return other


def test_wrong_passphrase_and_unknown_case_give_the_same_answer(client, world):
    reference, passphrase = _shown(_raise(client, world))
    wrong_passphrase = _open(client, reference, "AAAAA-BBBBB-CCCCC-DDDDD")
    unknown_case = _open(client, "FTSU-ZZZZ-ZZZZ", passphrase)
    assert wrong_passphrase.status_code == unknown_case.status_code == 200
    assert _without_tokens(wrong_passphrase, reference) == _without_tokens(unknown_case, "FTSU-ZZZZ-ZZZZ")
    assert services.WRONG_CASE in wrong_passphrase.content.decode()
    # A guardian-recorded concern has no passphrase: its reference opens nothing either.
    recorded = world.record("concern", world.a1)
    assert services.WRONG_CASE in _open(client, recorded.reference, passphrase).content.decode()


def _without_tokens(response, reference):
    """The page, less what differs on every response (the CSRF token) and the typed reference."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return body.replace(f'value="{reference}"', "")


def test_guessing_passphrases_is_rate_limited_per_address_and_per_case(client, world):
    reference, passphrase = _shown(_raise(client, world))
    for attempt in range(speak_up.OPEN_LIMIT):
        assert _open(client, reference, f"WRONG-{attempt}").status_code == 200
    assert _open(client, reference, passphrase).status_code == 429
    # From another address, the same case is still limited (many addresses, one case).
    limited = _open(client, reference, passphrase, address="198.51.100.1")
    assert limited.status_code == 429
    assert "Too many attempts" in limited.content.decode()


def test_speaking_up_is_rate_limited(client, world):
    for _ in range(speak_up.SUBMIT_LIMIT):
        assert _raise(client, world).status_code == 200
    refused = _raise(client, world)
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert FtsuConcern.objects.filter(route="online").count() == speak_up.SUBMIT_LIMIT


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"categories": []}, "Select at least one thing your concern is about"),
        ({"summary": "<script>alert(1)</script>"}, "Write in plain text, without HTML tags"),
        ({"summary": "Look: <img src=x onerror=alert(1)>"}, "Write in plain text, without HTML tags"),
        ({"summary": "<svg/onload=alert(1)>"}, "Write in plain text, without HTML tags"),
        ({"contact": "<b>Jo</b>", "raised_as": "confidential"}, "Write in plain text, without HTML tags"),
        ({"website": "https://spam.example"}, "looks as if a program filled it in"),
        ({"summary": "x" * 5001}, "Ensure this value has at most 5000 characters"),
        ({"raised_as": "confidential"}, "Enter how we can contact you, or choose anonymously."),
        ({"contact": "Jo, 07700 900123"}, "To stay anonymous, leave your contact details empty."),
    ],
)
def test_bad_posts_are_refused_clearly_and_save_nothing(client, world, overrides, message):
    response = _raise(client, world, **overrides)
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert message in body
    assert "<script>alert(1)</script>" not in body
    assert not FtsuConcern.objects.filter(route="online").exists()


@pytest.mark.parametrize(
    "summary",
    [
        "Cover fell to x<y midwives on nights, where y is the Birthrate Plus figure.",
        "Staffing was <half the establishment on three nights running.",
        "Waits were <4 hours, then > 6 hours by the weekend.",
        "We were told that <5 staff is normal, and >10 women waited.",
    ],
)
def test_a_less_than_sign_in_plain_words_is_accepted(client, world, summary):
    response = _raise(client, world, summary=summary)
    assert response.status_code == 200
    assert FtsuConcern.objects.get(route="online").summary == summary


def test_what_people_type_is_kept_out_of_error_reports(client, world):
    raised = client.post(reverse("workforce:speak-up"), _form(world), REMOTE_ADDR=ADDRESS)
    assert set(raised.wsgi_request.sensitive_post_parameters) >= {"summary", "contact"}
    opened = _open(client, "FTSU-ZZZZ-ZZZZ", "AAAAA-BBBBB")
    assert set(opened.wsgi_request.sensitive_post_parameters) >= {"passphrase", "body"}


def test_an_unknown_case_is_checked_against_a_hash_made_at_import(world, monkeypatch):
    """The dummy hash exists before the first request, so that request costs a full check too."""
    assert services._DUMMY_HASH
    made = []
    monkeypatch.setattr(services, "make_password", lambda *args, **kwargs: made.append(args) or "x")
    checked = []
    real_check = services.check_password
    monkeypatch.setattr(
        services, "check_password", lambda raw, encoded: checked.append(encoded) or real_check(raw, encoded)
    )
    with pytest.raises(services.ValidationError):
        services.speak_up_open(reference="FTSU-ZZZZ-ZZZZ", passphrase="AAAAA")
    assert checked == [services._DUMMY_HASH] and not made


def test_an_oversized_post_is_refused_before_it_is_read(client, world):
    response = _raise(client, world, summary="x" * (speak_up.MAX_POST_BYTES + 1))
    assert response.status_code == 413
    assert "too long to send" in response.content.decode()
    assert not FtsuConcern.objects.filter(route="online").exists()


def test_confidential_contact_is_encrypted_and_anonymous_never_holds_one(client, world):
    reference, _ = _shown(_raise(client, world, raised_as="confidential", contact="Jo, 07700 900123"))
    concern = FtsuConcern.objects.get(reference=reference)
    assert concern.contact_encrypted and "07700" not in concern.contact_encrypted
    from workforce import crypto

    assert crypto.decrypt(concern.contact_encrypted) == "Jo, 07700 900123"
    # Made anonymous later by the lead handling it, the details are erased, and the database
    # refuses to keep any.
    lead = world.personas[f"lmns:{Role.LMNS_FTSU_LEAD}"]
    services.concern_take(concern=concern, by=lead)
    services.concern_update(concern=concern, by=lead, categories=["bullying"], raised_as=RaisedAs.ANONYMOUS)
    concern.refresh_from_db()
    assert concern.contact_encrypted == ""
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        FtsuConcern.objects.filter(pk=concern.pk).update(contact_encrypted="gAAAAsomething")


def test_an_expired_or_forged_case_token_opens_nothing(client, world):
    _raise(client, world)
    response = client.post(reverse("workforce:speak-up-case"), {"case": "1:forged", "body": "Hello"})
    assert response.status_code == 400
    assert "Enter your case reference and passphrase again" in response.content.decode()
    assert not FtsuMessage.objects.exists()
    assert not FtsuNote.objects.exists()

"""Anonymous means unlinkable (issue 18, item 1): a member of staff who is signed in and
speaks up through the public form, answers on their case page, or answers the health survey
is linked to their account nowhere: no row, history row, log record or email names them."""

import logging
import re
from importlib import import_module
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from simple_history.models import HistoricalRecords

from incidents.improvement import services as improvement_services
from incidents.improvement.models import SurveyResponse
from incidents.improvement.selectors import statements_of
from lmns.history import unattributed
from lmns.models import Role
from tests.factories import make_user
from tests.incidents.improvement.factories import make_round
from workforce import services
from workforce.models import FtsuConcern, RaisedAs

pytestmark = pytest.mark.django_db

SUMMARY = "The second theatre's call bell has not worked for a month."


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def raiser(world):
    return make_user(
        "quentin.raiser",
        role=Role.PROVIDER_CONTRIBUTOR,
        provider=world.a1,
        first_name="Quentin",
        last_name="Whistlewood",
        email="q.whistlewood@example.invalid",
    )


@pytest.fixture
def lead(world):
    return world.personas[f"lmns:{Role.LMNS_FTSU_LEAD}"]


def _names(user) -> list[str]:
    return [user.username, user.first_name, user.last_name, user.get_full_name(), user.email]


def _links_to(user) -> dict:
    """How many rows of every model, history models included, point at ``user``, by key or
    by username (the sign-in log keeps names), and when the account last signed in."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    counts = {"last_login": user_model.objects.get(pk=user.pk).last_login}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is user_model:
                match = {field.name: user}
            elif field.name == "username" and model is not user_model:
                match = {field.name: user.username}
            else:
                continue
            counts[(model._meta.label, field.name)] = model._base_manager.filter(**match).count()
    return counts


def _assert_unlinked(user, *, before, caplog, mailoutbox):
    assert _links_to(user) == before
    for record in caplog.records:
        text = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        assert not any(name in text for name in _names(user)), text
        assert user.pk not in (record.args if isinstance(record.args, tuple) else ())
    for message in mailoutbox:
        assert user.email not in [*message.to, *message.cc, *message.bcc]
        text = f"{message.subject} {message.body} {message.extra_headers}"
        assert not any(name in text for name in _names(user)), text


def _speak_up(client, world, raised_as):
    data = {
        "organisation": f"p:{world.a1.pk}",
        "raised_as": raised_as,
        "contact": "" if raised_as == RaisedAs.ANONYMOUS else "Ask for Q on extension 4471",
        "professional_group": "nurses_midwives",
        "categories": ["patient_safety"],
        "detriment_reported": "no",
        "summary": SUMMARY,
        "website": "",
    }
    response = client.post(reverse("workforce:speak-up"), data, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    reference = re.search(r'id="case-reference">([^<]+)<', body).group(1)
    passphrase = re.search(r'id="case-passphrase">([^<]+)<', body).group(1)
    return FtsuConcern.objects.get(reference=reference), passphrase


@pytest.mark.parametrize("raised_as", RaisedAs.values)
def test_signed_in_staff_speaking_up_are_linked_to_no_account(
    client, world, raiser, lead, raised_as, caplog, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(raiser)
    before = _links_to(raiser)
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        concern, _passphrase = _speak_up(client, world, raised_as)

    client.force_login(lead)
    page = client.get(reverse("workforce:concern-history", kwargs={"pk": concern.pk})).content.decode()
    assert "Created" in page
    assert not any(name in page for name in _names(raiser)), "the History page names the raiser"

    assert mailoutbox, "the FTSU lead is told a concern arrived"
    _assert_unlinked(raiser, before=before, caplog=caplog, mailoutbox=mailoutbox)
    assert list(concern.history.values_list("history_type", "history_user")) == [("+", None)]


def test_signed_in_staff_answering_on_their_case_page_are_linked_to_no_account(
    client, world, raiser, lead, caplog, mailoutbox, django_capture_on_commit_callbacks
):
    concern, passphrase = _speak_up(client, world, RaisedAs.ANONYMOUS)
    client.force_login(lead)
    client.post(reverse("workforce:concern-reply", kwargs={"pk": concern.pk}), {"body": "Which theatre?"})
    client.force_login(raiser)
    opened = client.post(
        reverse("workforce:speak-up-case"), {"reference": concern.reference, "passphrase": passphrase}
    )
    token = re.search(r'name="case" value="([^"]+)"', opened.content.decode()).group(1)
    before = _links_to(raiser)
    mailoutbox.clear()
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        answered = client.post(reverse("workforce:speak-up-case"), {"case": token, "body": "Theatre two."})

    assert "Your answer has been sent." in answered.content.decode()
    assert mailoutbox, "the handler is told an answer arrived"
    _assert_unlinked(raiser, before=before, caplog=caplog, mailoutbox=mailoutbox)
    assert not concern.history.filter(history_user=raiser).exists()


def test_signed_in_staff_answering_the_survey_are_linked_to_no_account(
    client, world, raiser, caplog, mailoutbox, django_capture_on_commit_callbacks
):
    round_ = make_round(world.lmns_a, by=world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    with django_capture_on_commit_callbacks(execute=True):
        improvement_services.survey_invite(round_=round_, emails=[raiser.email], by=round_.opened_by)
    link = urlsplit(re.search(r"http\S+token=\S+", mailoutbox[0].body).group(0))
    token = link.query.split("token=")[1]
    client.force_login(raiser)
    before = _links_to(raiser)
    mailoutbox.clear()
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    answers = {f"s_{statement['key']}": "2" for statement in statements_of(round_.definition)}
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"{link.path}?{link.query}", {"token": token, **answers})

    assert "Thank you" in done.content.decode() and SurveyResponse.objects.filter(round=round_).exists()
    _assert_unlinked(raiser, before=before, caplog=caplog, mailoutbox=mailoutbox)


def test_the_data_migration_unlinks_raisers_already_kept_and_nothing_else(world, raiser, lead):
    guardian = world.personas[f"provider:{Role.PROVIDER_FTSU_GUARDIAN}"]
    spoken, _passphrase = services.speak_up_submit(
        lmns=world.lmns_a,
        provider=world.a1,
        raised_as=RaisedAs.CONFIDENTIAL,
        professional_group="not_known",
        categories=["bullying"],
        detriment_reported=False,
        summary=SUMMARY,
        contact="Q, extension 4471",
    )
    services.concern_reply(concern=spoken, by=lead, body="Thank you.")
    recorded = services.concern_record(
        by=guardian,
        provider=world.a1,
        route="online",
        received_on=spoken.received_on,
        raised_as=RaisedAs.ANONYMOUS,
        professional_group="not_known",
        categories=["bullying"],
        detriment_reported=False,
        summary="Raised through the trust's own form, recorded by its guardian.",
    )
    # Received by the LMNS through an online form, like the public one, but recorded by the lead.
    by_lead = services.concern_record(
        by=lead,
        provider=None,
        lmns=world.lmns_a,
        route="online",
        received_on=spoken.received_on,
        raised_as=RaisedAs.ANONYMOUS,
        professional_group="not_known",
        categories=["bullying"],
        detriment_reported=False,
        summary="Forwarded to the LMNS from the trust's own form.",
    )
    # What the unfixed code kept: the signed-in raiser as the author of the public concern.
    spoken.history.filter(history_type="+").update(history_user=raiser)
    spoken.history.filter(history_type="~").update(history_user=lead)
    recorded.history.update(history_user=guardian)
    by_lead.history.update(history_user=lead)

    migration = import_module("workforce.migrations.0003_unlink_public_concern_raisers")
    migration.unlink_public_raisers(apps, schema_editor=None)

    assert sorted(spoken.history.values_list("history_type", "history_user")) == [("+", None), ("~", lead.pk)]
    assert list(recorded.history.values_list("history_user", flat=True)) == [guardian.pk]
    assert list(by_lead.history.values_list("history_user", flat=True)) == [lead.pk]


def test_changes_made_unattributed_keep_no_user_and_the_request_is_restored(rf, world, raiser):
    request = rf.post("/")
    request.user = raiser
    HistoricalRecords.context.request = request  # as HistoryRequestMiddleware does
    try:
        with unattributed():
            world.a1.save()
        world.a2.save()
    finally:
        del HistoricalRecords.context.request
    assert world.a1.history.order_by("history_id").last().history_user is None
    assert world.a2.history.order_by("history_id").last().history_user == raiser

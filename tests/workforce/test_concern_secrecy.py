"""Who can read a Freedom to Speak Up concern's summary, and who a confidential raiser is.

The specification, written independently of the code: a concern's summary is read by
the FTSU guardians of its provider and the LMNS FTSU lead of its LMNS (not the
deployment's superuser); a confidential raiser's contact details only by the guardian
handling the concern. These tests look for the world's secret texts (summary, actions,
feedback, outcome, guardians' notes, messages with the raiser) in every page of the workforce
app (each concern's History page included), the provider quality view and the pre-visit
pack, every export, every admin page and every email, for every role.
"""

import io

import openpyxl
import pytest
from django.contrib import admin
from django.core import mail
from django.db import connection
from django.urls import URLPattern, get_resolver, reverse

from lmns.models import Role
from tests.test_access_matrix import OBJECT_KWARGS, PERSONAS
from workforce.models import ConcernStatus, FtsuConcern, FtsuMessage, FtsuNote
from workforce.services import concern_take

pytestmark = pytest.mark.django_db

GUARDIAN = f"provider:{Role.PROVIDER_FTSU_GUARDIAN}"
FTSU_LEAD = f"lmns:{Role.LMNS_FTSU_LEAD}"


# The world's concern of each provider, for concern pages the access matrix does not list.
CONCERN_KWARGS = {
    "workforce:concern-hand-over": lambda world, provider: {"pk": world.record("concern", provider).pk}
}
# Pages outside the workforce app that show speaking-up counts.
COUNT_PAGES = {
    "lmns:quality-provider": lambda world, provider: {"ods_code": provider.ods_code},
    "assurance:visit-pack": lambda world, provider: {"pk": world.record("visit", provider).pk},
    "assurance:visit-pack-workbook": lambda world, provider: {"pk": world.record("visit", provider).pk},
}
# Every text of a concern that only its readers may see, by what it is.
SECRETS = ("summary", "actions", "feedback", "outcome", "note", "message")


def _workforce_urls(world):
    """Every GET-able workforce page, pointed at each provider's records, and the pages
    elsewhere that count concerns."""
    patterns = next(
        entry for entry in get_resolver().url_patterns if getattr(entry, "namespace", None) == "workforce"
    ).url_patterns
    kwargs_of = {**OBJECT_KWARGS, **CONCERN_KWARGS}
    for entry in patterns:
        assert isinstance(entry, URLPattern)
        name = f"workforce:{entry.name}"
        if name in kwargs_of:
            for provider in world.providers:
                yield name, reverse(name, kwargs=kwargs_of[name](world, provider))
        else:
            yield name, reverse(name)
    for name, kwargs in COUNT_PAGES.items():
        for provider in world.providers:
            yield name, reverse(name, kwargs=kwargs(world, provider))


def _add_secrets(world):
    """Give each world concern every kind of secret text: closed, with an outcome, a note
    and a message, as if raised online."""
    for provider in world.providers:
        concern = world.record("concern", provider)
        code = provider.ods_code
        # Saved, not updated, so that the secrets are in the concern's history too.
        concern = FtsuConcern.objects.get(pk=concern.pk)
        concern.actions_taken = f"Secret actions of {code}"
        concern.feedback_given = f"Secret feedback of {code}"
        concern.status = ConcernStatus.CLOSED
        concern.closed_on = concern.received_on
        concern.outcome = f"Secret outcome of {code}"
        concern.passphrase_hash = "not-a-real-hash"  # so the page shows the conversation
        concern.save()
        FtsuNote.objects.create(concern=concern, body=f"Secret note of {code}", created_by=concern.handler)
        FtsuMessage.objects.create(
            concern=concern, from_raiser=True, body=f"Secret message of {code}", sent_on=concern.received_on
        )


def _text(response) -> str:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    return data.decode("utf-8", errors="replace")


def _readable_summaries(world, persona):
    if persona == GUARDIAN:
        return {world.a1}
    if persona == FTSU_LEAD:
        return {world.a1, world.a2}
    return set()


def _handled_contacts(world, persona):
    return {world.a1} if persona == GUARDIAN else set()


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_guardians_and_the_ftsu_lead_read_summaries_and_only_the_handler_the_raiser(
    client, world, persona
):
    _add_secrets(world)
    if persona != "anonymous":
        client.force_login(world.personas[persona])
    seen = {kind: set() for kind in SECRETS}
    seen_contacts = set()
    visited = set()
    for name, url in _workforce_urls(world):
        response = client.get(url)
        if response.status_code != 200:
            continue
        visited.add(name)
        body = _text(response)
        for provider in world.providers:
            for kind in SECRETS:
                if f"Secret {kind} of {provider.ods_code}" in body:
                    seen[kind].add(provider)
            if f"Secret contact of {provider.ods_code}" in body:
                seen_contacts.add(provider)
                assert name == "workforce:concern-detail", f"{persona} sees a raiser on {name}"
    for kind in SECRETS:
        assert seen[kind] == _readable_summaries(world, persona), kind
    assert seen_contacts == _handled_contacts(world, persona)
    if persona in {GUARDIAN, FTSU_LEAD, f"lmns:{Role.LMNS_OFFICER}"}:
        # The pages that count concerns were read, so the search above covered them.
        assert set(COUNT_PAGES) <= visited, persona


def test_contact_details_are_encrypted_at_rest(world):
    concern = world.record("concern", world.a1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM workforce_ftsuconcern WHERE id = %s", [concern.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert "Secret summary of AA1" in row  # the query reads the right row
    assert "Secret contact" not in row
    assert concern.contact_encrypted.startswith("gAAAA")  # a Fernet token


def test_handing_over_a_concern_moves_the_contact_details_and_is_noted(client, world):
    guardian, lead = world.personas[GUARDIAN], world.personas[FTSU_LEAD]
    concern = world.record("concern", world.a1)
    url = concern.get_absolute_url()
    client.force_login(lead)
    assert "Secret contact of AA1" not in client.get(url).content.decode()
    client.post(reverse("workforce:concern-take", kwargs={"pk": concern.pk}))  # refused: handled
    assert "Secret contact of AA1" not in client.get(url).content.decode()
    client.force_login(guardian)
    client.post(reverse("workforce:concern-hand-over", kwargs={"pk": concern.pk}), {"to": lead.pk})
    assert "Secret contact of AA1" not in client.get(url).content.decode()
    client.force_login(lead)
    body = client.get(url).content.decode()
    assert "Secret contact of AA1" in body
    assert "Handed over to" in body


def test_a_concern_raised_with_the_lmns_is_not_shown_to_the_providers_guardian(client, world):
    from tests.factories import make_concern

    concern = make_concern(world.a1, received_by="lmns", summary="Raised with the LMNS about AA1")
    client.force_login(world.personas[GUARDIAN])
    assert client.get(concern.get_absolute_url()).status_code == 404
    assert "Raised with the LMNS about AA1" not in client.get(reverse("workforce:ftsu")).content.decode()
    client.force_login(world.personas[FTSU_LEAD])
    assert "Raised with the LMNS about AA1" in client.get(concern.get_absolute_url()).content.decode()


def test_other_roles_get_not_found_never_forbidden(client, world):
    concern = world.record("concern", world.a1)
    for persona in [
        "lmns:lmns_officer",
        "lmns:lmns_safety_lead",
        "provider:provider_lead",
        "lmns:board_viewer",
    ]:
        client.force_login(world.personas[persona])
        assert client.get(concern.get_absolute_url()).status_code == 404, persona


def test_concerns_are_not_in_the_admin_at_all(client, world):
    for model in (FtsuConcern, FtsuConcern.history.model, FtsuMessage, FtsuNote):
        assert not admin.site.is_registered(model)
    for persona in ("superuser", f"lmns:{Role.LMNS_SAFETY_LEAD}"):
        client.force_login(world.personas[persona])
        index = client.get(reverse("admin:index"))
        assert index.status_code == 200
        body = index.content.decode()
        assert "concern" not in body.lower()
        for model_admin in admin.site._registry.values():
            opts = model_admin.model._meta
            response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
            text = response.content.decode()
            assert "Secret summary" not in text and "Secret contact" not in text, opts.label


def test_every_concern_email_holds_nothing_from_the_concern(
    client, world, django_capture_on_commit_callbacks
):
    lead = world.personas[FTSU_LEAD]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("workforce:speak-up"),
            {
                "organisation": f"p:{world.a1.pk}",
                "raised_as": "confidential",
                "contact": "Jo Bloggs, 07700 900123",
                "professional_group": "nurses_midwives",
                "categories": ["patient_safety"],
                "detriment_reported": "no",
                "summary": "The birth pool thermometer has been broken for weeks.",
            },
        )
    assert response.status_code == 302  # to the page that shows the reference once
    concern = FtsuConcern.objects.get(route="online")
    client.force_login(lead)
    concern_take(concern=concern, by=lead)
    with django_capture_on_commit_callbacks(execute=True):
        from workforce import services

        services.speak_up_answer(concern=concern, body="It is still broken today.")
    assert len(mail.outbox) == 2
    assert [message.to for message in mail.outbox] == [[lead.email], [lead.email]]
    for message in mail.outbox:
        text = message.subject + message.body
        for secret in ("birth pool", "Jo Bloggs", "07700", "still broken", concern.reference):
            assert secret not in text
        assert concern.get_absolute_url() in message.body

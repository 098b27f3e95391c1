"""Who handles a concern: taking one over, handing one over, and what only the handler may do.

The handler is the one person shown a confidential raiser's contact details, so nobody may
make themselves the handler while the handler can still read the concern: it is handed over.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lmns.models import Membership, Role
from tests.factories import make_concern, make_user
from workforce import crypto, services
from workforce.models import FtsuConcern, FtsuNote

pytestmark = pytest.mark.django_db

GUARDIAN = f"provider:{Role.PROVIDER_FTSU_GUARDIAN}"
FTSU_LEAD = f"lmns:{Role.LMNS_FTSU_LEAD}"
CONTACT = "Secret contact of AA1"


def _url(name, concern):
    return reverse(f"workforce:{name}", kwargs={"pk": concern.pk})


def _messages(response) -> str:
    return " ".join(str(message) for message in response.wsgi_request._messages)


def test_a_concern_whose_handler_can_read_it_cannot_be_taken_over(client, world):
    guardian, lead = world.personas[GUARDIAN], world.personas[FTSU_LEAD]
    concern = world.record("concern", world.a1)
    client.force_login(lead)
    page = client.get(concern.get_absolute_url()).content.decode()
    assert "Handle this concern" not in page
    assert f"{guardian.username} is handling this concern. To handle it yourself, ask them" in page
    response = client.post(_url("concern-take", concern), follow=True)
    assert f"{guardian.username} is handling this concern; ask them to hand it over." in _messages(response)
    concern.refresh_from_db()
    assert concern.handler == guardian
    assert not FtsuNote.objects.filter(concern=concern).exists()
    assert CONTACT not in response.content.decode()
    with pytest.raises(ValidationError, match="ask them to hand it over"):
        services.concern_take(concern=concern, by=lead)


@pytest.mark.parametrize("gone", ["left", "lost_the_role"])
def test_a_concern_whose_handler_can_no_longer_read_it_can_be_taken_over(client, world, gone):
    guardian, lead = world.personas[GUARDIAN], world.personas[FTSU_LEAD]
    concern = world.record("concern", world.a1)
    if gone == "left":
        guardian.is_active = False
        guardian.save()
    else:
        Membership.objects.filter(user=guardian).update(role=Role.PROVIDER_CONTRIBUTOR)
    client.force_login(lead)
    assert "Handle this concern" in client.get(concern.get_absolute_url()).content.decode()
    client.post(_url("concern-take", concern))
    concern.refresh_from_db()
    assert concern.handler == lead
    body = client.get(concern.get_absolute_url()).content.decode()
    assert CONTACT in body and f"Took over handling from {guardian.username}." in body


def test_a_concern_nobody_handles_can_be_taken(world):
    lead = world.personas[FTSU_LEAD]
    concern = make_concern(world.a1, contact="Jo", handler=None)
    services.concern_take(concern=concern, by=lead)
    concern.refresh_from_db()
    assert concern.handler == lead


def test_the_handler_hands_a_concern_over_to_someone_who_can_read_it(client, world):
    guardian, lead = world.personas[GUARDIAN], world.personas[FTSU_LEAD]
    other_guardian = make_user("a1-second-guardian", role=Role.PROVIDER_FTSU_GUARDIAN, provider=world.a1)
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    concern = world.record("concern", world.a1)
    client.force_login(guardian)
    page = client.get(concern.get_absolute_url())
    people = set(page.context["hand_over_form"].fields["to"].queryset)
    # The LMNS lead and the provider's other guardian; not the handler, an officer or B1's guardian.
    assert people == {lead, other_guardian}
    assert "Hand this concern over to" in page.content.decode()

    refused = client.post(_url("concern-hand-over", concern), {"to": officer.pk}, follow=True)
    assert "Choose a guardian or the LMNS Freedom to Speak Up lead" in _messages(refused)
    concern.refresh_from_db()
    assert concern.handler == guardian

    client.post(_url("concern-hand-over", concern), {"to": lead.pk})
    concern.refresh_from_db()
    assert concern.handler == lead
    assert FtsuNote.objects.get(concern=concern).body == f"Handed over to {lead.username}."
    assert CONTACT not in client.get(concern.get_absolute_url()).content.decode()
    client.force_login(lead)
    assert CONTACT in client.get(concern.get_absolute_url()).content.decode()


def test_only_the_handler_hands_over_and_only_to_a_reader(world):
    guardian, lead = world.personas[GUARDIAN], world.personas[FTSU_LEAD]
    concern = world.record("concern", world.a1)
    with pytest.raises(ValidationError, match="Only the guardian handling this concern can hand it over"):
        services.concern_hand_over(concern=concern, by=lead, to=lead)
    b1_guardian = FtsuConcern.objects.get(pk=world.record("concern", world.b1).pk).handler
    with pytest.raises(ValidationError, match="cannot read this concern"):
        services.concern_hand_over(concern=concern, by=guardian, to=b1_guardian)
    # Raised with the LMNS: the provider's guardian cannot read it, so cannot be handed it.
    lmns_concern = make_concern(world.a1, received_by="lmns", handler=lead, contact="Jo")
    with pytest.raises(ValidationError, match="cannot read this concern"):
        services.concern_hand_over(concern=lmns_concern, by=lead, to=guardian)
    assert (concern.handler, FtsuConcern.objects.get(pk=lmns_concern.pk).handler) == (guardian, lead)


def test_someone_other_than_the_handler_cannot_erase_the_contact_details(client, world):
    lead = world.personas[FTSU_LEAD]
    concern = world.record("concern", world.a1)
    client.force_login(lead)
    response = client.post(
        _url("concern-edit", concern),
        {
            "route": concern.route,
            "received_on": concern.received_on.isoformat(),
            "raised_as": "anonymous",
            "professional_group": concern.professional_group_id,
            "categories": ["patient_safety"],
            "detriment_reported": "no",
            "summary": "Changed by someone not handling it",
            "status": "received",
        },
    )
    assert response.status_code == 200
    assert "Only the guardian handling this concern can change how it was raised" in response.content.decode()
    concern.refresh_from_db()
    assert (concern.raised_as, crypto.decrypt(concern.contact_encrypted)) == ("confidential", CONTACT)
    assert concern.summary == "Secret summary of AA1"
    with pytest.raises(ValidationError, match="can erase the person's contact details"):
        services.concern_update(concern=concern, by=lead, categories=["patient_safety"], raised_as="open")
    # The handler may.
    services.concern_update(
        concern=concern, by=world.personas[GUARDIAN], categories=["patient_safety"], raised_as="anonymous"
    )
    concern.refresh_from_db()
    assert (concern.raised_as, concern.contact_encrypted) == ("anonymous", "")


def test_every_concern_page_is_private_and_never_stored(client, world):
    guardian = world.personas[GUARDIAN]
    concern = world.record("concern", world.a1)
    client.force_login(guardian)
    responses = {
        "detail": client.get(concern.get_absolute_url()),
        "edit": client.get(_url("concern-edit", concern)),
        "reply": client.post(_url("concern-reply", concern), {"body": "Hello"}),
        "note": client.post(_url("concern-note", concern), {"body": "A note"}),
        "take": client.post(_url("concern-take", concern)),
        "hand-over": client.post(_url("concern-hand-over", concern), {"to": ""}),
        "list": client.get(reverse("workforce:ftsu")),
        "create": client.get(reverse("workforce:concern-create")),
        "ftsu-return": client.get(reverse("workforce:ftsu-return")),
        "ftsu-return-xlsx": client.get(reverse("workforce:ftsu-return-xlsx")),
    }
    for name, response in responses.items():
        parts = {part.strip() for part in response.get("Cache-Control", "").split(",")}
        assert {"private", "no-store"} <= parts, name


def test_what_is_written_about_a_concern_is_kept_out_of_error_reports(client, world):
    concern = world.record("concern", world.a1)
    client.force_login(world.personas[GUARDIAN])
    for url in (_url("concern-edit", concern), _url("concern-note", concern), _url("concern-reply", concern)):
        response = client.post(url, {"summary": "x", "body": "x"})
        assert {"summary", "contact", "body"} <= set(response.wsgi_request.sensitive_post_parameters), url


def test_the_reply_hint_says_the_raiser_sees_the_role_not_the_name(client, world):
    lead = world.personas[FTSU_LEAD]
    response = client.post(
        reverse("workforce:speak-up"),
        {
            "organisation": f"p:{world.a1.pk}",
            "raised_as": "anonymous",
            "professional_group": "not_known",
            "categories": ["patient_safety"],
            "detriment_reported": "no",
            "summary": "Nobody checks the resuscitaire.",
        },
    )
    assert response.status_code == 302  # to the page that shows the reference once
    concern = FtsuConcern.objects.get(route="online")
    client.force_login(lead)
    page = client.get(concern.get_absolute_url()).content.decode()
    assert "They see your name" not in page
    assert 'signed "Freedom to Speak Up lead", never your name' in page
    services.concern_reply(concern=concern, by=lead, body="Thank you for telling us.")
    # What the raiser sees: the role, never the name.
    from django.template.loader import render_to_string

    raiser_page = render_to_string(
        "workforce/speak_up_case.html", {"concern": concern, "conversation": concern.messages.all()}
    )
    assert "Freedom to Speak Up lead" in raiser_page and lead.username not in raiser_page

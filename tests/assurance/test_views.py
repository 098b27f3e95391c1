import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from assurance.models import Evidence, EvidenceLink, RequirementAssessment, Status, Verification
from assurance.services import assessment_start, evidence_add
from lmns.models import Role
from tests.factories import follow_version, make_framework, make_provider, make_user

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n% CTG fresh-eyes audit, March 2026\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
BLANK_ITEM = {
    "not_applicable_reason": "",
    "commentary": "",
    "action_plan": "",
    "action_owner": "",
    "action_due_on": "",
}


@pytest.fixture
def olivia(world):
    """An LMNS officer of LMNS A: verifies A1 and A2."""
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


@pytest.fixture
def charlie(world):
    """A provider lead at B1, in the other LMNS."""
    return make_user("charlie", role=Role.PROVIDER_LEAD, provider=world.b1)


def _items(world, provider):
    assessment = world.record("assessment", provider)
    return {item.requirement.code: item for item in assessment.items.select_related("requirement")}


def _url(name, obj):
    return reverse(f"assurance:{name}", kwargs={"pk": obj.pk})


def _stored_files():
    return sorted(path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())


def _rag_classes(html, provider):
    """The RAG class of each cell in the provider's row of the matrix."""
    row = next(row for row in html.split("<tr") if provider.name in row).split("</tr>")[0]
    return re.findall(r"app-rag app-rag--(\w+)", row)


def _set(item, **fields):
    RequirementAssessment.objects.filter(pk=item.pk).update(**fields)


# --- the two-key workflow, end to end ---------------------------------------------------------


def test_lead_assesses_and_submits_and_the_lmns_verifies(client, world, alice, olivia):
    items = _items(world, world.a1)
    client.force_login(alice)
    for code, item in items.items():
        response = client.post(
            _url("item-edit", item), {**BLANK_ITEM, "status": Status.MET, "commentary": f"{code} audited."}
        )
        assert response.status_code == 302
        assert response["Location"] == item.get_absolute_url()

    response = client.post(
        _url("evidence-add", items["A1.2"]),
        {
            "description": "CTG fresh-eyes audit",
            "file": SimpleUploadedFile("ctg-audit.pdf", PDF_BYTES, content_type="application/pdf"),
            "url": "",
            "effective_from": "2026-03-01",
            "expires_on": "",
            "items": [items["A1.2"].pk, items["A2.1"].pk],
        },
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(description="CTG fresh-eyes audit")
    assert (evidence.provider, evidence.added_by, evidence.content_type) == (
        world.a1,
        alice,
        "application/pdf",
    )
    assert set(evidence.items.all()) == {items["A1.2"], items["A2.1"]}

    response = client.post(_url("assessment-submit", world.record("assessment", world.a1)), follow=True)
    assert "Assessed requirements submitted to the LMNS for verification." in response.content.decode()
    submitted = RequirementAssessment.objects.filter(pk__in=[item.pk for item in items.values()])
    assert set(submitted.values_list("verification", flat=True)) == {Verification.AWAITING}

    client.force_login(olivia)
    decisions = {
        "A1.1": {"decision": "challenge", "comment": "Attach the March audit."},
        "A1.2": {"decision": "accept", "comment": ""},
        "A2.1": {"decision": "accept", "comment": ""},
    }
    for code, data in decisions.items():
        assert client.post(_url("item-verify", items[code]), data).status_code == 302
    challenged = RequirementAssessment.objects.get(pk=items["A1.1"].pk)
    assert (challenged.verification, challenged.challenge_comment, challenged.verified_by) == (
        Verification.CHALLENGED,
        "Attach the March audit.",
        olivia,
    )

    client.force_login(alice)
    page = client.get(world.record("assessment", world.a1).get_absolute_url()).content.decode()
    assert "Challenged by the LMNS" in page
    assert "Accepted by the LMNS" in page
    assert "Awaiting LMNS verification" in page
    assert "Attach the March audit." in client.get(items["A1.1"].get_absolute_url()).content.decode()

    client.force_login(olivia)
    matrix_url = reverse("assurance:matrix", kwargs={"slug": world.framework.slug})
    # A1: one challenged, so red. A2: all met, one still awaiting verification, so amber.
    assert _rag_classes(client.get(matrix_url).content.decode(), world.a1) == ["red", "amber"]
    assert _rag_classes(client.get(matrix_url).content.decode(), world.a2) == ["grey", "grey"]
    client.post(_url("item-verify", items["A2.2"]), {"decision": "accept"})
    assert _rag_classes(client.get(matrix_url).content.decode(), world.a1) == ["red", "green"]


def test_changing_an_accepted_position_withdraws_it_but_saving_it_unchanged_does_not(client, world, alice):
    item = _items(world, world.a1)["A1.1"]
    _set(item, status=Status.MET, commentary="Audited.", verification=Verification.ACCEPTED)
    client.force_login(alice)
    client.post(_url("item-edit", item), {**BLANK_ITEM, "status": Status.MET, "commentary": "Audited."})
    item.refresh_from_db()
    assert item.verification == Verification.ACCEPTED
    client.post(_url("item-edit", item), {**BLANK_ITEM, "status": Status.MET, "commentary": "Re-audited."})
    item.refresh_from_db()
    assert item.verification == Verification.NOT_SUBMITTED


def test_an_invalid_position_shows_the_error_and_changes_nothing(client, world, alice):
    item = _items(world, world.a1)["A1.1"]
    client.force_login(alice)
    response = client.post(_url("item-edit", item), {**BLANK_ITEM, "status": Status.NOT_APPLICABLE})
    assert response.status_code == 200
    body = response.content.decode()
    assert "nhsuk-error-summary" in body
    assert "Say why this requirement does not apply." in body
    item.refresh_from_db()
    assert item.status == Status.NOT_STARTED


def test_the_submit_page_lists_what_it_will_send_and_what_stays_before_confirming(client, world, alice):
    items = _items(world, world.a1)
    _set(items["A1.1"], status=Status.MET)
    _set(
        items["A1.2"],
        status=Status.MET,
        verification=Verification.CHALLENGED,
        challenge_comment="Attach the March audit.",
    )
    assessment = world.record("assessment", world.a1)
    client.force_login(alice)
    page = client.get(_url("assessment-submit", assessment)).content.decode()
    to_send, stays = page.split("Staying with you")
    assert "A1.1" in to_send and "A1.2" not in to_send
    assert "A1.2" in stays and "Attach the March audit." in stays
    assert "Confirm and submit 1 requirement" in page
    # Looking is not submitting.
    assert not RequirementAssessment.objects.filter(verification=Verification.AWAITING).exists()

    client.post(_url("assessment-submit", assessment))
    states = dict(
        RequirementAssessment.objects.filter(assessment=assessment).values_list(
            "requirement__code", "verification"
        )
    )
    assert (states["A1.1"], states["A1.2"]) == (Verification.AWAITING, Verification.CHALLENGED)


def _has_key(page, key):
    """Whether a summary list on the page has a row whose key is ``key`` (the design system's
    summary list writes its own whitespace around the text)."""
    return re.search(rf"<dt class=\"nhsuk-summary-list__key\">\s*{re.escape(key)}\s*</dt>", page) is not None


def test_the_item_page_keeps_the_challenge_and_says_verified_only_once_accepted(client, world, alice, olivia):
    item = _items(world, world.a1)["A1.1"]
    _set(item, status=Status.MET, verification=Verification.AWAITING)
    client.force_login(olivia)
    client.post(_url("item-verify", item), {"decision": "challenge", "comment": "Attach the March audit."})
    page = client.get(item.get_absolute_url()).content.decode()
    assert _has_key(page, "Challenged") and not _has_key(page, "Verified")
    assert "Attach the March audit." in page

    client.force_login(alice)
    client.post(_url("item-edit", item), {**BLANK_ITEM, "status": Status.MET, "commentary": "Attached."})
    client.post(_url("assessment-submit", world.record("assessment", world.a1)))
    item.refresh_from_db()
    assert item.verification == Verification.AWAITING
    page = client.get(item.get_absolute_url()).content.decode()
    assert not _has_key(page, "Verified") and not _has_key(page, "Challenged")
    assert "Attach the March audit." in page  # the challenge stays visible beside the answer

    client.force_login(olivia)
    client.post(_url("item-verify", item), {"decision": "accept"})
    page = client.get(item.get_absolute_url()).content.decode()
    assert _has_key(page, "Verified")
    assert "Attach the March audit." in page


def test_submitting_with_nothing_assessed_is_refused_clearly(client, world, alice):
    client.force_login(alice)
    response = client.post(_url("assessment-submit", world.record("assessment", world.a1)), follow=True)
    assert "There is nothing new to submit: give requirements a status first" in response.content.decode()
    assert not RequirementAssessment.objects.filter(verification=Verification.AWAITING).exists()


def test_a_challenge_without_a_comment_is_refused(client, world, olivia):
    item = _items(world, world.a1)["A1.1"]
    _set(item, status=Status.MET, verification=Verification.AWAITING)
    client.force_login(olivia)
    response = client.post(_url("item-verify", item), {"decision": "challenge", "comment": " "}, follow=True)
    assert "Say what the provider needs to address." in response.content.decode()
    item.refresh_from_db()
    assert item.verification == Verification.AWAITING


# --- evidence ---------------------------------------------------------------------------------


def _evidence_data(item, **extra):
    return {
        "description": "CTG audit",
        "url": "",
        "effective_from": "2026-03-01",
        "expires_on": "",
        "items": [item.pk],
        **extra,
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"file": SimpleUploadedFile("audit.pdf", PNG_BYTES)},
            "The file's content is a PNG image, but its name does not end in .png.",
        ),
        ({"file": SimpleUploadedFile("audit.pdf", b"")}, "The submitted file is empty."),
        ({}, "Upload a file or give a link (one of the two)."),
    ],
    ids=["png-named-pdf", "empty", "neither"],
)
def test_bad_evidence_shows_the_error_on_the_file_field_and_saves_nothing(
    client, world, alice, data, message
):
    item = _items(world, world.a1)["A1.1"]
    evidence_before, files_before = Evidence.objects.count(), _stored_files()
    client.force_login(alice)
    response = client.post(_url("evidence-add", item), _evidence_data(item, **data))
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    summary = body.split('class="nhsuk-error-summary"')[1].split("</div>")[0]
    # Escaped in the summary: Django writes an apostrophe as &#x27;, the design system's macro as &#39;.
    assert escape(message) in summary.replace("&#39;", "&#x27;")
    assert '<a href="#id_file">' in summary
    file_error = body.split('id="id_file_error"')[1].split("</span>\n")[0]
    assert escape(message) in file_error
    assert Evidence.objects.count() == evidence_before
    assert _stored_files() == files_before


def test_a_good_file_sent_with_another_error_is_asked_for_again_at_its_field(client, world, alice):
    item = _items(world, world.a1)["A1.1"]
    client.force_login(alice)
    evidence_before = Evidence.objects.count()
    data = _evidence_data(item, file=SimpleUploadedFile("audit.pdf", b"%PDF-1.4 audit"), effective_from="")
    body = client.post(_url("evidence-add", item), data).content.decode()
    file_error = body.split('id="id_file_error"')[1].split("</span>\n")[0]
    assert "Choose audit.pdf again: files are not kept when the page shows an error" in file_error
    assert "Enter effective from" in body
    assert "the day an audit was completed" in body
    assert Evidence.objects.count() == evidence_before


def test_a_link_can_be_evidence(client, world, alice):
    item = _items(world, world.a1)["A1.1"]
    client.force_login(alice)
    response = client.post(_url("evidence-add", item), _evidence_data(item, url="https://example.org/policy"))
    assert response.status_code == 302
    assert item.evidence.get(description="CTG audit").url == "https://example.org/policy"


def test_evidence_add_offers_only_the_providers_own_requirements(client, world, alice):
    item = _items(world, world.a1)["A1.1"]
    theirs = _items(world, world.a2)["A1.1"]
    client.force_login(alice)
    response = client.post(
        _url("evidence-add", item),
        _evidence_data(item, file=SimpleUploadedFile("audit.pdf", PDF_BYTES), items=[theirs.pk]),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Evidence.objects.filter(description="CTG audit").exists()


def test_evidence_downloads_as_an_attachment_for_its_provider(client, world, alice, olivia):
    evidence = world.record("evidence", world.a1)
    for user in (alice, olivia):
        client.force_login(user)
        response = client.get(_url("evidence-download", evidence))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert 'filename="audit.pdf"' in response["Content-Disposition"]
        assert response["Content-Type"] == evidence.content_type == "application/pdf"
        assert b"".join(response.streaming_content) == b"%PDF-1.4 test audit"


def test_evidence_of_another_provider_or_a_link_is_not_found(client, world, charlie):
    client.force_login(charlie)
    assert client.get(_url("evidence-download", world.record("evidence", world.a1))).status_code == 404
    link = evidence_add(
        provider=world.b1,
        by=charlie,
        description="Policy on the intranet",
        effective_from=date(2026, 1, 1),
        url="https://example.org/policy",
    )
    assert client.get(_url("evidence-download", link)).status_code == 404
    assert client.get(_url("evidence-download", world.record("evidence", world.b1))).status_code == 200


def test_carried_forward_evidence_is_reviewed_on_the_requirement_page(client, world, alice):
    new = follow_version(make_framework(), world.framework)
    assessment = assessment_start(provider=world.a1, framework=new, by=alice)
    link = EvidenceLink.objects.get(item__assessment=assessment)
    client.force_login(alice)
    assert "Carried forward: to review" in client.get(link.item.get_absolute_url()).content.decode()
    client.post(_url("evidence-review", link), {"keep": "yes"})
    link.refresh_from_db()
    assert link.to_review is False


# --- who may do what --------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(client, world):
    item = _items(world, world.a1)["A1.1"]
    for url in (
        reverse("assurance:item-list"),
        reverse("assurance:matrix", kwargs={"slug": world.framework.slug}),
        _url("item-edit", item),
        _url("evidence-download", world.record("evidence", world.a1)),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_each_key_belongs_to_its_own_role(client, world, alice, bob, olivia):
    """Contributors assess but cannot submit; leads submit but cannot verify; the LMNS cannot assess."""
    items = _items(world, world.a1)
    assessment = world.record("assessment", world.a1)
    _set(items["A1.1"], status=Status.MET, verification=Verification.AWAITING)
    _set(items["A1.2"], status=Status.MET)
    viewer = world.personas[f"provider:{Role.BOARD_VIEWER}"]
    met = {**BLANK_ITEM, "status": Status.MET}
    refused = [
        (bob, _url("assessment-submit", assessment), {}),
        (bob, _url("item-verify", items["A1.1"]), {"decision": "accept"}),
        (alice, _url("item-verify", items["A1.1"]), {"decision": "accept"}),
        (olivia, _url("item-edit", items["A2.1"]), met),
        (olivia, _url("evidence-add", items["A2.1"]), _evidence_data(items["A2.1"], url="https://x.org")),
        (viewer, _url("item-edit", items["A2.1"]), met),
    ]
    for user, url, data in refused:
        client.force_login(user)
        assert client.post(url, data).status_code == 403, (user.username, url)
    assert RequirementAssessment.objects.get(pk=items["A1.1"].pk).verification == Verification.AWAITING
    assert RequirementAssessment.objects.get(pk=items["A1.2"].pk).verification == Verification.NOT_SUBMITTED
    assert RequirementAssessment.objects.get(pk=items["A2.1"].pk).status == Status.NOT_STARTED

    client.force_login(bob)
    assert client.post(_url("item-edit", items["A2.1"]), met).status_code == 302


def test_another_providers_assessment_is_not_found(client, world, charlie):
    items = _items(world, world.a1)
    _set(items["A1.1"], status=Status.MET, verification=Verification.AWAITING)
    client.force_login(charlie)
    for url, data in [
        (world.record("assessment", world.a1).get_absolute_url(), None),
        (items["A1.1"].get_absolute_url(), None),
        (_url("item-edit", items["A1.2"]), {**BLANK_ITEM, "status": Status.MET}),
        (_url("item-verify", items["A1.1"]), {"decision": "accept"}),
        (_url("assessment-submit", world.record("assessment", world.a1)), {}),
        (_url("evidence-add", items["A1.2"]), _evidence_data(items["A1.2"], url="https://x.org")),
    ]:
        response = client.post(url, data) if data is not None else client.get(url)
        assert response.status_code == 404, url
    assert RequirementAssessment.objects.get(pk=items["A1.2"].pk).status == Status.NOT_STARTED


# --- the requirement list and its filters -----------------------------------------------------


def _listed(client, **params):
    response = client.get(reverse("assurance:item-list"), params)
    assert response.status_code == 200
    return {(item.assessment.provider, item.requirement.code) for item in response.context["page"]}


def test_item_list_shows_visible_providers_only_also_in_the_dropdown(client, world, alice, olivia):
    client.force_login(olivia)
    response = client.get(reverse("assurance:item-list"))
    assert list(response.context["filter"].form.fields["provider"].queryset) == [world.a1, world.a2]
    assert world.b1.name not in response.content.decode()
    assert {provider for provider, _ in _listed(client)} == {world.a1, world.a2}

    client.force_login(alice)
    response = client.get(reverse("assurance:item-list"))
    assert list(response.context["filter"].form.fields["provider"].queryset) == [world.a1]
    assert world.a2.name not in response.content.decode()
    # Asking for another provider's rows shows none of them.
    assert {provider for provider, _ in _listed(client, provider=world.b1.pk)} <= {world.a1}


def test_item_list_filters(client, world, olivia):
    items = _items(world, world.a1)
    yesterday = timezone.localdate() - timedelta(days=1)
    _set(items["A1.1"], status=Status.MET, verification=Verification.ACCEPTED)
    _set(
        items["A1.2"], status=Status.NOT_MET, action_due_on=yesterday, action_plan="Plan", action_owner="DoM"
    )
    _set(items["A2.1"], status=Status.MET, action_due_on=yesterday)  # met: the plan no longer matters
    other = assessment_start(provider=world.a1, framework=make_framework(), by=olivia)
    client.force_login(olivia)

    a1 = {(world.a1, code) for code in ("A1.1", "A1.2", "A2.1", "A2.2")}
    assert _listed(client, provider=world.a1.pk, framework=world.framework.pk) == a1
    assert _listed(client, framework=other.framework.pk) == a1
    assert {p for p, _ in _listed(client, provider=world.a2.pk)} == {world.a2}
    assert _listed(client, status=Status.NOT_MET) == {(world.a1, "A1.2")}
    assert _listed(client, verification=Verification.ACCEPTED) == {(world.a1, "A1.1")}
    assert _listed(client, overdue="true") == {(world.a1, "A1.2")}
    assert _listed(client, overdue="false", provider=world.a1.pk, framework=world.framework.pk) == a1 - {
        (world.a1, "A1.2")
    }


# --- pages keep a fixed number of queries -----------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_item_list_keeps_a_fixed_number_of_queries(client, world, olivia, django_assert_max_num_queries):
    client.force_login(olivia)
    url = reverse("assurance:item-list")
    _set(_items(world, world.a1)["A1.1"], status=Status.NOT_MET, action_due_on=date(2020, 1, 1))
    baseline = _queries(client, url)
    for provider in (world.a1, world.a2):
        assessment = assessment_start(
            provider=provider, framework=make_framework(actions=2, requirements=3), by=olivia
        )
        assessment.items.update(status=Status.PARTIALLY_MET, action_due_on=date(2020, 1, 1))
    with django_assert_max_num_queries(baseline):
        response = client.get(url)
    assert len(response.context["page"]) == 8 + 12


def test_the_submit_page_keeps_a_fixed_number_of_queries(client, world, alice, django_assert_max_num_queries):
    assessment = world.record("assessment", world.a1)
    client.force_login(alice)
    url = _url("assessment-submit", assessment)
    _set(_items(world, world.a1)["A1.1"], status=Status.MET)
    baseline = _queries(client, url)
    assessment.items.update(status=Status.MET)
    assessment.items.filter(requirement__code="A2.1").update(
        verification=Verification.CHALLENGED, challenge_comment="Attach the audit."
    )
    with django_assert_max_num_queries(baseline):
        response = client.get(url)
    assert len(response.context["to_send"]) == assessment.items.count() - 1


def test_matrix_keeps_a_fixed_number_of_queries(client, world, olivia, django_assert_max_num_queries):
    client.force_login(olivia)
    url = reverse("assurance:matrix", kwargs={"slug": world.framework.slug})
    baseline = _queries(client, url)
    for n in range(5):
        provider = make_provider(world.lmns_a, f"Extra Trust {n}", f"EX{n}")
        assessment_start(provider=provider, framework=world.framework, by=olivia).items.update(
            status=Status.MET
        )
    with django_assert_max_num_queries(baseline):
        response = client.get(url)
    assert len(response.context["rows"]) == 7


def test_building_a_workbook_for_a_garbled_lmns_is_not_found(client, world, olivia):
    client.force_login(olivia)
    url = reverse("assurance:workbook-start", kwargs={"slug": world.framework.slug})
    assert client.post(url, {"lmns": "abc"}).status_code == 404
    assert client.post(url, {"lmns": world.lmns_b.pk}).status_code == 404

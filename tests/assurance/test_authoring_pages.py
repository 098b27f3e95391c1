"""What the framework-authoring journey in a browser found missing or unclear on its pages, each
fixed and held here: the assessment of a new version says what changed and what came forward, a
changed threshold shows in the difference, retiring asks first, a kept source document is never
"Not recorded", and two versions of a framework are told apart by their links."""

import io
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from assurance import authoring, selectors, services
from assurance.exports import board_workbook_for_provider
from assurance.models import Requirement
from lmns.models import Role
from tests.assurance.test_authoring import PDF, draft_year8, requirement
from tests.assurance.test_exports import saved
from tests.factories import make_framework, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead_a(world):
    return world.personas[f"lmns:{Role.LMNS_SAFETY_LEAD}"]


@pytest.fixture
def second_lead_a(world):
    return make_user("second-safety-lead", role=Role.LMNS_SAFETY_LEAD, lmns=world.lmns_a)


@pytest.fixture
def year7(world):
    return make_framework(slug="mis-y7", actions=1, requirements=3)


@pytest.fixture
def provider_lead(world):
    return world.personas[f"provider:{Role.PROVIDER_LEAD}"]


@pytest.fixture
def year8(world, lead_a, second_lead_a, year7, provider_lead):
    """Year 7 assessed by A1 with evidence on A1.1 and A1.2; Year 8 changes A1.1's wording and A1.2's
    threshold, retires A1.3 and adds A1.4, and is published."""
    old = services.assessment_start(provider=world.a1, framework=year7, by=provider_lead)
    services.evidence_add(
        provider=world.a1,
        by=provider_lead,
        description="Audit",
        effective_from="2026-01-01",
        url="https://intranet.example.invalid/audit",
        items=old.items.filter(requirement__code__in=["A1.1", "A1.2", "A1.3"]),
    )
    draft = draft_year8(year7, lead_a, world.lmns_a)
    action = draft.actions.get()
    authoring.requirement_save(
        action=action, requirement=requirement(draft, "A1.1"), by=lead_a, text="Do thing 1.1 twice"
    )
    authoring.requirement_save(
        action=action, requirement=requirement(draft, "A1.2"), by=lead_a, threshold="95%"
    )
    authoring.requirement_retire(requirement=requirement(draft, "A1.3"), by=lead_a)
    authoring.requirement_save(action=action, by=lead_a, code="A1.4", title="New", text="Report it")
    authoring.framework_prepare(framework=draft, by=lead_a)
    return authoring.framework_publish(framework=draft, by=second_lead_a)


# The "New" tag, with the whitespace the design system's tag macro writes around its text.
NEW_TAG = re.compile(r'<strong class="nhsuk-tag[^"]*">\s*New\s*</strong>')


def test_the_assessment_of_a_new_version_marks_each_change_and_counts_what_came_forward(
    client, world, year8, provider_lead, django_assert_max_num_queries
):
    assessment = services.assessment_start(provider=world.a1, framework=year8, by=provider_lead)
    client.force_login(provider_lead)

    # Two queries more than a first version's page: the requirements with what they replace, and
    # the previous version's retired ones.
    with django_assert_max_num_queries(16):
        page = client.get(assessment.get_absolute_url()).content.decode()

    assert "Year 8 follows <a href=" in page
    assert "1 new, 2 changed and 1 retired requirement." in page
    assert "2 pieces of evidence were carried forward from 1, marked to review" in page
    rows = {code: page.split(f">{code}</a>")[1].split("</td>")[0] for code in ["A1.1", "A1.2", "A1.4"]}
    assert "Changed<span" in rows["A1.1"] and "Changed<span" in rows["A1.2"]
    assert NEW_TAG.search(rows["A1.4"])


def test_the_assessment_of_a_first_version_says_nothing_of_changes(client, world, year7, provider_lead):
    assessment = services.assessment_start(provider=world.a1, framework=year7, by=provider_lead)
    client.force_login(provider_lead)

    page = client.get(assessment.get_absolute_url()).content.decode()

    assert "follows" not in page and "Changed<span" not in page and not NEW_TAG.search(page)


def test_a_changed_threshold_shows_in_the_difference(year8):
    changes = selectors.framework_changes(framework=year8)

    change = changes[requirement(year8, "A1.2").pk]

    assert change.kind == "changed"
    assert ("added", "Threshold: 95%.") in change.difference


def test_retiring_asks_first_and_retires_only_once_confirmed(client, world, lead_a, year7):
    draft = draft_year8(year7, lead_a, world.lmns_a)
    doomed = requirement(draft, "A1.3")
    url = reverse("assurance:requirement-change", kwargs={"pk": doomed.pk})
    client.force_login(lead_a)

    page = client.post(url, {"step": "retire"}).content.decode()

    assert "Retire A1.3?" in page
    assert "evidence for it is not carried forward into this version" in page
    assert 'name="confirm" value="yes"' in page
    assert Requirement.objects.filter(pk=doomed.pk).exists()

    response = client.post(url, {"step": "retire", "confirm": "yes"})

    assert response.status_code == 302 and response.url == draft.get_absolute_url()
    assert not Requirement.objects.filter(pk=doomed.pk).exists()


def test_retiring_an_action_says_how_many_requirements_go_with_it(client, world, lead_a, year7):
    draft = draft_year8(year7, lead_a, world.lmns_a)
    action = draft.actions.get()
    url = reverse("assurance:framework-action-change", kwargs={"pk": action.pk})
    client.force_login(lead_a)

    page = client.post(url, {"step": "retire"}).content.decode()

    assert "The action and its 3 requirements are removed from this draft." in page
    assert draft.actions.filter(pk=action.pk).exists()


def test_a_kept_source_document_without_a_title_is_not_called_not_recorded(
    client,
    world,
    lead_a,
    second_lead_a,
    year7,
    provider_lead,
):
    draft = draft_year8(year7, lead_a, world.lmns_a)
    authoring.framework_attach_source(
        framework=draft, by=lead_a, file=SimpleUploadedFile("guidance.pdf", PDF)
    )
    client.force_login(lead_a)

    page = client.get(draft.get_absolute_url()).content.decode()

    assert "Not recorded" not in page and "Download the kept copy (guidance.pdf)" in page
    authoring.framework_prepare(framework=draft, by=lead_a)
    year8 = authoring.framework_publish(framework=draft, by=second_lead_a)
    assessment = services.assessment_start(provider=world.a1, framework=year8, by=provider_lead)
    workbook = board_workbook_for_provider(assessment=assessment, generated_by=provider_lead)
    cover = load_workbook(io.BytesIO(saved(workbook)))["Cover"]
    lines = {row[0]: row[1] for row in cover.iter_rows(values_only=True) if row and row[0]}
    assert lines["Source document"] == "copy kept in the product as guidance.pdf"


def test_each_version_of_a_framework_is_linked_by_its_name_and_version(client, world, lead_a, year7):
    draft_year8(year7, lead_a, world.lmns_a)
    client.force_login(lead_a)

    page = client.get(reverse("assurance:index")).content.decode()

    assert f'{year7.name}<span class="nhsuk-u-visually-hidden"> 1</span></a>' in page
    assert 'MIS<span class="nhsuk-u-visually-hidden"> Year 8</span></a>' in page


def test_a_copied_deadline_is_changed_a_new_one_added_and_one_removed_through_the_pages(
    client, world, lead_a, year7
):
    year7.deadlines.create(name="Board declaration", due_on="2026-03-03")
    draft = draft_year8(year7, lead_a, world.lmns_a)
    copied = draft.deadlines.get()
    client.force_login(lead_a)
    page = client.get(draft.get_absolute_url()).content.decode()
    edit_url = reverse("assurance:framework-deadline-edit", kwargs={"pk": copied.pk})
    assert f'href="{edit_url}">Change<span class="nhsuk-u-visually-hidden"> Board declaration</span>' in page

    response = client.post(edit_url, {"name": "Board declaration", "due_on": "2027-03-02"})
    assert response.status_code == 302 and response.url == draft.get_absolute_url()
    response = client.post(
        reverse("assurance:framework-deadline-add", kwargs={"slug": draft.slug}),
        {"name": "Safety champions' report", "due_on": "2027-01-15"},
    )
    assert response.status_code == 302

    assert list(draft.deadlines.values_list("name", "due_on")) == [
        ("Safety champions' report", date(2027, 1, 15)),
        ("Board declaration", date(2027, 3, 2)),
    ]
    assert year7.deadlines.get().due_on == date(2026, 3, 3)

    client.post(edit_url, {"remove": "yes"})
    assert list(draft.deadlines.values_list("name", flat=True)) == ["Safety champions' report"]


def test_a_deadline_named_twice_is_refused_beside_what_was_typed(client, world, lead_a, year7):
    year7.deadlines.create(name="Board declaration", due_on="2026-03-03")
    draft = draft_year8(year7, lead_a, world.lmns_a)
    client.force_login(lead_a)

    response = client.post(
        reverse("assurance:framework-deadline-add", kwargs={"slug": draft.slug}),
        {"name": "Board declaration", "due_on": "2027-03-02"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "This framework already has a deadline called Board declaration." in page
    for part, typed in (("day", "2"), ("month", "3"), ("year", "2027")):
        assert f'name="due_on_{part}" type="text" value="{typed}" inputmode="numeric"' in page
    assert draft.deadlines.count() == 1


def test_a_published_frameworks_deadlines_are_not_changed(client, world, lead_a, year7):
    deadline = year7.deadlines.create(name="Board declaration", due_on="2026-03-03")
    local = draft_year8(year7, lead_a, world.lmns_a)
    client.force_login(lead_a)

    # Year 7 is deployment-wide: a safety lead does not author it at all.
    response = client.post(
        reverse("assurance:framework-deadline-edit", kwargs={"pk": deadline.pk}), {"remove": "yes"}
    )
    assert response.status_code == 403

    authoring.framework_prepare(framework=local, by=lead_a)
    local_deadline = local.deadlines.get()
    response = client.post(
        reverse("assurance:framework-deadline-edit", kwargs={"pk": local_deadline.pk}),
        {"name": "Board declaration", "due_on": "2027-03-02"},
    )
    assert "awaiting approval, so it cannot be edited" in response.content.decode()
    local_deadline.refresh_from_db()
    assert local_deadline.due_on == date(2026, 3, 3) and year7.deadlines.get().pk == deadline.pk


def test_a_new_version_does_not_take_last_years_account_of_how_it_was_checked(
    world, lead_a, second_lead_a, year7
):
    year7.source_note = "Checked line by line against the Year 7 guidance by the LMNS on 1 May 2025."
    year7.save()

    year8 = draft_year8(year7, lead_a, world.lmns_a)
    revision = authoring.framework_copy(
        source=year7, by=lead_a, name="MIS", version="Year 7, revised", lmns=world.lmns_a, revision=True
    )

    assert year8.source_note == (
        f"Copied from {year7}: its wording, thresholds, period and deadlines are that version's until "
        "each is checked against this version's published guidance."
    )
    assert revision.source_note == year7.source_note


def test_a_requirements_threshold_and_guidance_sit_on_their_own_lines_with_no_empty_ones_between(
    client, world, lead_a, year7
):
    draft = draft_year8(year7, lead_a, world.lmns_a)
    authoring.requirement_save(
        action=draft.actions.get(),
        requirement=requirement(draft, "A1.1"),
        by=lead_a,
        threshold="95%",
        evidence_guidance="The audit",
    )
    client.force_login(lead_a)

    page = client.get(draft.get_absolute_url()).content.decode()

    assert '<span class="nhsuk-body-s nhsuk-u-margin-bottom-1">Threshold: 95%</span>' in page
    assert '<span class="nhsuk-body-s nhsuk-u-margin-bottom-1">Evidence: The audit</span>' in page
    # nhsuk-body-s is display: block, so a <br> before it is an empty line.
    assert '<br><span class="nhsuk-body-s' not in page

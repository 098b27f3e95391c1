"""Frameworks authored in the product: new versions, drafts, two-key publishing, year on year."""

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assurance import authoring, selectors, services
from assurance.frameworks import FrameworkFileError, load_all, load_framework_file
from assurance.models import EvidenceLink, Framework, FrameworkStatus, Requirement, Status
from lmns.models import Role
from tests.factories import make_framework, make_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def lead_a(world):
    return world.personas[f"lmns:{Role.LMNS_SAFETY_LEAD}"]


@pytest.fixture
def second_lead_a(world):
    return make_user("second-safety-lead", role=Role.LMNS_SAFETY_LEAD, lmns=world.lmns_a)


@pytest.fixture
def lead_b(world):
    return make_user("beta-safety-lead", role=Role.LMNS_SAFETY_LEAD, lmns=world.lmns_b)


@pytest.fixture
def year7(world):
    """A published year with three requirements under one action, assessed by A1 with evidence."""
    framework = make_framework(slug="mis-y7", actions=1, requirements=3)
    return framework


def draft_year8(year7, lead, lmns):
    return authoring.framework_copy(source=year7, by=lead, name="MIS", version="Year 8", lmns=lmns)


def requirement(framework, code):
    return Requirement.objects.get(action__framework=framework, code=code)


# --- Copying a version ---------------------------------------------------------------------------


def test_a_new_version_is_a_draft_whose_requirements_replace_the_ones_copied(world, lead_a, year7):
    year8 = draft_year8(year7, lead_a, world.lmns_a)

    assert year8.status == FrameworkStatus.DRAFT
    assert (year8.lmns, year8.previous) == (world.lmns_a, year7)
    copied = Requirement.objects.filter(action__framework=year8).order_by("code")
    assert [r.replaces.code for r in copied] == ["A1.1", "A1.2", "A1.3"]
    assert [r.replaces.action.framework for r in copied] == [year7] * 3
    # Copied wording is not checked against the new year's guidance until someone does it.
    assert not any(r.wording_checked for r in copied)


def test_a_safety_lead_cannot_author_a_deployment_wide_framework(world, lead_a, year7):
    with pytest.raises(PermissionDenied):
        authoring.framework_copy(source=year7, by=lead_a, name="MIS", version="Year 8", lmns=None)
    with pytest.raises(PermissionDenied):
        authoring.framework_copy(source=year7, by=lead_a, name="MIS", version="Year 8", lmns=world.lmns_b)


def test_year_on_year_changes_new_changed_unchanged_and_retired(world, lead_a, year7):
    year8 = draft_year8(year7, lead_a, world.lmns_a)
    action = year8.actions.get()
    authoring.requirement_save(
        action=action,
        requirement=requirement(year8, "A1.1"),
        by=lead_a,
        text="Do thing 1.1 within five working days",
    )
    authoring.requirement_retire(requirement=requirement(year8, "A1.2"), by=lead_a)
    added = authoring.requirement_save(action=action, by=lead_a, code="A1.4", title="New", text="Report it")

    changes = selectors.framework_changes(framework=year8)

    retired = changes.pop(None)
    kinds = {change.requirement.code: change.kind for change in changes.values()}
    assert kinds == {"A1.1": "changed", "A1.3": "unchanged", "A1.4": "new"}
    assert [change.requirement.code for change in retired] == ["A1.2"]
    assert changes[added.pk].replaces is None
    difference = changes[requirement(year8, "A1.1").pk].difference
    assert ("added", "within five working days") in difference
    assert ("same", "Requirement 1.1. Do thing 1.1") in difference


def test_word_difference_marks_removed_and_added_words():
    assert selectors.word_difference("report within 7 days", "report within 5 working days") == [
        ("same", "report within"),
        ("removed", "7"),
        ("added", "5 working"),
        ("same", "days"),
    ]


# --- Two keys ------------------------------------------------------------------------------------


def test_publishing_takes_two_different_people(world, lead_a, second_lead_a, year7):
    year8 = draft_year8(year7, lead_a, world.lmns_a)
    authoring.framework_prepare(framework=year8, by=lead_a)

    with pytest.raises(ValidationError, match="different person"):
        authoring.framework_publish(framework=year8, by=lead_a)
    authoring.framework_publish(framework=year8, by=second_lead_a)

    year8.refresh_from_db()
    assert year8.status == FrameworkStatus.PUBLISHED
    assert (year8.prepared_by, year8.approved_by) == (lead_a, second_lead_a)
    assert year8.history.count() >= 3  # created, prepared, published: each kept


def test_nobody_outside_the_lmns_or_below_safety_lead_approves(world, lead_a, lead_b, year7):
    year8 = draft_year8(year7, lead_a, world.lmns_a)
    authoring.framework_prepare(framework=year8, by=lead_a)
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    provider_lead = world.personas[f"provider:{Role.PROVIDER_LEAD}"]

    for person in (lead_b, officer, provider_lead):
        with pytest.raises(PermissionDenied):
            authoring.framework_publish(framework=year8, by=person)
    year8.refresh_from_db()
    assert year8.status == FrameworkStatus.AWAITING_APPROVAL


def test_the_deployment_administrator_approves_a_local_draft(world, lead_a, year7):
    year8 = draft_year8(year7, lead_a, world.lmns_a)
    authoring.framework_prepare(framework=year8, by=lead_a)

    authoring.framework_publish(framework=year8, by=world.personas["superuser"])

    assert Framework.objects.get(pk=year8.pk).status == FrameworkStatus.PUBLISHED


def test_an_empty_action_cannot_be_prepared(world, lead_a, year7):
    year8 = draft_year8(year7, lead_a, world.lmns_a)
    authoring.action_save(framework=year8, by=lead_a, code="A9", title="Nothing yet")

    with pytest.raises(ValidationError, match="A9 has none"):
        authoring.framework_prepare(framework=year8, by=lead_a)


# --- Published and closed frameworks ---------------------------------------------------------------


def test_only_a_published_framework_is_assessed(world, lead_a, second_lead_a, year7):
    year8 = draft_year8(year7, lead_a, world.lmns_a)
    provider_lead = world.personas[f"provider:{Role.PROVIDER_LEAD}"]

    with pytest.raises(ValidationError, match="only a published framework"):
        services.assessment_start(provider=world.a1, framework=year8, by=provider_lead)
    authoring.framework_prepare(framework=year8, by=lead_a)
    year8 = authoring.framework_publish(framework=year8, by=second_lead_a)
    assert services.assessment_start(provider=world.a1, framework=year8, by=provider_lead).items.count() == 3
    with pytest.raises(ValidationError, match="another LMNS"):
        services.assessment_start(provider=world.b1, framework=year8, by=world.personas["superuser"])


def test_a_published_framework_is_never_edited_in_place(world, lead_a, year7):
    with pytest.raises(ValidationError, match="corrected by starting a revision"):
        authoring.requirement_save(
            action=year7.actions.get(),
            requirement=requirement(year7, "A1.1"),
            by=world.personas["superuser"],
            text="x",
        )
    assert requirement(year7, "A1.1").text == "Do thing 1.1"


def test_a_revision_closes_the_framework_it_corrects_and_keeps_its_wording(world, lead_a, second_lead_a):
    local = make_framework(slug="local-audit", actions=1, requirements=1)
    Framework.objects.filter(pk=local.pk).update(lmns=world.lmns_a)
    local.refresh_from_db()
    provider_lead = world.personas[f"provider:{Role.PROVIDER_LEAD}"]
    answered = services.assessment_start(provider=world.a1, framework=local, by=provider_lead)

    revision = authoring.framework_copy(
        source=local,
        by=lead_a,
        name=local.name,
        version="1, revised",
        lmns=world.lmns_a,
        change_note="Typo",
        revision=True,
    )
    authoring.requirement_save(
        action=revision.actions.get(),
        requirement=requirement(revision, "A1.1"),
        by=lead_a,
        text="Do thing 1.1 well",
    )
    authoring.framework_prepare(framework=revision, by=lead_a)
    authoring.framework_publish(framework=revision, by=second_lead_a)

    local.refresh_from_db()
    assert local.status == FrameworkStatus.CLOSED
    assert answered.items.get().requirement.text == "Do thing 1.1"
    assert revision.previous is None and revision.revises == local
    item = answered.items.get()
    with pytest.raises(ValidationError, match="closed"):
        services.item_update(item=item, by=provider_lead, status=Status.MET)


def test_evidence_is_carried_forward_along_the_mapping_even_when_codes_change(
    world, lead_a, second_lead_a, year7
):
    provider_lead = world.personas[f"provider:{Role.PROVIDER_LEAD}"]
    old = services.assessment_start(provider=world.a1, framework=year7, by=provider_lead)
    old_item = old.items.get(requirement__code="A1.2")
    evidence = services.evidence_add(
        provider=world.a1,
        by=provider_lead,
        description="Audit",
        effective_from="2026-01-01",
        file=SimpleUploadedFile("audit.pdf", PDF),
        items=[old_item],
    )
    year8 = draft_year8(year7, lead_a, world.lmns_a)
    authoring.requirement_save(
        action=year8.actions.get(), requirement=requirement(year8, "A1.2"), by=lead_a, code="B7"
    )
    authoring.framework_prepare(framework=year8, by=lead_a)
    year8 = authoring.framework_publish(framework=year8, by=second_lead_a)

    new = services.assessment_start(provider=world.a1, framework=year8, by=provider_lead)

    link = EvidenceLink.objects.get(evidence=evidence, item__assessment=new)
    assert link.item.requirement.code == "B7" and link.to_review


# --- Scope -------------------------------------------------------------------------------------------


def test_drafts_and_local_frameworks_are_seen_only_where_they_belong(world, lead_a, lead_b, year7):
    year8 = draft_year8(year7, lead_a, world.lmns_a)

    def sees(user):
        return Framework.objects.visible_to(user).filter(pk=year8.pk).exists()

    assert sees(lead_a) and sees(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    assert not sees(world.personas[f"provider:{Role.PROVIDER_LEAD}"])  # a draft
    assert not sees(world.personas[f"lmns:{Role.BOARD_VIEWER}"])
    assert not sees(lead_b)  # another LMNS's local framework
    Framework.objects.filter(pk=year8.pk).update(status=FrameworkStatus.PUBLISHED)
    assert sees(world.personas[f"provider:{Role.PROVIDER_LEAD}"])
    assert not sees(lead_b)


def test_framework_pages_answer_404_to_another_lmns_and_403_to_non_authors(
    client, world, lead_a, lead_b, year7
):
    year8 = draft_year8(year7, lead_a, world.lmns_a)
    edit = reverse("assurance:framework-edit", kwargs={"slug": year8.slug})
    detail = reverse("assurance:framework-detail", kwargs={"slug": year8.slug})

    client.force_login(lead_b)
    assert client.get(detail).status_code == 404
    assert client.get(edit).status_code == 404
    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    assert client.get(detail).status_code == 200
    assert client.get(edit).status_code == 403
    client.force_login(lead_a)
    page = client.get(detail).content.decode()
    assert "Wording not checked" in page and "Not yet in force" in page


# --- The journey through the pages -------------------------------------------------------------------


def test_copy_edit_retire_add_attach_and_publish_through_the_pages(
    client, world, lead_a, second_lead_a, year7
):
    client.force_login(lead_a)
    response = client.post(
        reverse("assurance:framework-copy", kwargs={"slug": year7.slug}),
        {"name": "MIS", "version": "Year 8", "lmns": world.lmns_a.pk, "change_note": "Year 8 guidance"},
    )
    year8 = Framework.objects.get(version="Year 8")
    assert response.status_code == 302 and response.url == year8.get_absolute_url()

    changed = requirement(year8, "A1.1")
    response = client.post(
        reverse("assurance:requirement-edit", kwargs={"pk": changed.pk}),
        {
            "code": "A1.1",
            "title": changed.title,
            "text": "Do thing 1.1 every quarter",
            "threshold": "95%",
            "wording_checked": "on",
            "replaces": changed.replaces_id,
        },
    )
    assert response.status_code == 302
    client.post(
        reverse("assurance:requirement-change", kwargs={"pk": requirement(year8, "A1.3").pk}),
        {"step": "retire", "confirm": "yes"},
    )
    client.post(
        reverse("assurance:requirement-add", kwargs={"pk": year8.actions.get().pk}),
        {"code": "A1.9", "title": "Added", "text": "A new duty", "replaces": ""},
    )
    response = client.post(
        reverse("assurance:framework-source", kwargs={"slug": year8.slug}),
        {"source_document": SimpleUploadedFile("guidance.pdf", PDF)},
    )
    assert response.status_code == 302
    client.post(reverse("assurance:framework-transition", kwargs={"slug": year8.slug}), {"step": "prepare"})
    client.post(reverse("assurance:framework-transition", kwargs={"slug": year8.slug}), {"step": "publish"})
    assert Framework.objects.get(pk=year8.pk).status == FrameworkStatus.AWAITING_APPROVAL

    client.force_login(second_lead_a)
    client.post(reverse("assurance:framework-transition", kwargs={"slug": year8.slug}), {"step": "publish"})

    year8.refresh_from_db()
    assert year8.status == FrameworkStatus.PUBLISHED
    assert requirement(year8, "A1.1").wording_checked and requirement(year8, "A1.1").threshold == "95%"
    assert sorted(Requirement.objects.filter(action__framework=year8).values_list("code", flat=True)) == [
        "A1.1",
        "A1.2",
        "A1.9",
    ]
    download = client.get(reverse("assurance:framework-source-download", kwargs={"slug": year8.slug}))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    page = client.get(year8.get_absolute_url()).content.decode()
    assert "Retired requirements (1)" in page and "every quarter" in page


def test_a_refused_edit_keeps_what_was_typed(client, world, lead_a, year7):
    year8 = draft_year8(year7, lead_a, world.lmns_a)
    client.force_login(lead_a)

    response = client.post(
        reverse("assurance:requirement-add", kwargs={"pk": year8.actions.get().pk}),
        {"code": "A1.1", "title": "Duplicate", "text": "Typed text kept", "replaces": ""},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Another requirement of this framework is coded A1.1" in page and "Typed text kept" in page


# --- The shipped files and the loader ------------------------------------------------------------------


def test_shipped_years_7_and_8_are_unchecked_drafts_and_year_6_is_closed():
    load_all()
    statuses = dict(Framework.objects.values_list("slug", "status"))

    assert statuses == {
        "cnst-mis-year-6": "closed",
        "cnst-mis-year-7": "draft",
        "cnst-mis-year-8": "draft",
        "ockenden-interim-2020": "published",
        "ockenden-final-2022": "published",
    }
    year8 = Framework.objects.get(slug="cnst-mis-year-8")
    assert year8.previous.slug == "cnst-mis-year-7" and year8.previous.previous.slug == "cnst-mis-year-6"
    drafts = Requirement.objects.filter(action__framework__slug__in=["cnst-mis-year-7", "cnst-mis-year-8"])
    assert drafts.count() == 68 and not drafts.filter(wording_checked=True).exists()
    assert not drafts.filter(replaces__isnull=True).exists()
    assert "NOT CHECKED" in year8.source_note
    assert not drafts.filter(text__contains="8 December 2023").exists()


DRAFT = """\
slug: demo
name: Demo framework
publisher: Test publisher
version: "1"
period_start: null
period_end: null
source_note: For tests.
previous: null
status: {status}
deadlines: []
actions:
  - code: A1
    title: First action
    requirements:
      - code: A1.1
        title: First requirement
        text: {text}
"""


def write(directory: Path, status="draft", text="Do it.") -> Path:
    path = directory / "demo.yaml"
    path.write_text(DRAFT.format(status=status, text=text), encoding="utf-8")
    return path


def test_a_file_never_edits_a_published_framework_nor_takes_it_back(tmp_path):
    load_framework_file(write(tmp_path, status="published"))

    with pytest.raises(FrameworkFileError, match="never edited in place"):
        load_framework_file(write(tmp_path, status="published", text="Do it differently."))
    with pytest.raises(FrameworkFileError, match="back from published"):
        load_framework_file(write(tmp_path, status="draft"))
    framework = load_framework_file(write(tmp_path, status="closed"))

    assert framework.status == FrameworkStatus.CLOSED and framework.closed_at
    assert Requirement.objects.get().text == "Do it."


def test_a_file_replacing_an_unknown_requirement_is_refused(tmp_path):
    load_framework_file(write(tmp_path, status="published"))
    later = (
        DRAFT.format(status="draft", text="Do it.")
        .replace("slug: demo", "slug: later")
        .replace("previous: null", "previous: demo")
        .replace("        text: Do it.\n", "        text: Do it.\n        replaces: A9.9\n")
    )
    path = tmp_path / "later.yaml"
    path.write_text(later, encoding="utf-8")

    with pytest.raises(FrameworkFileError, match=r"replaces 'A9\.9', which is not a requirement"):
        load_framework_file(path)


def test_a_provider_sees_on_each_requirement_what_changed_since_last_year(
    client, world, lead_a, second_lead_a, year7
):
    year8 = draft_year8(year7, lead_a, world.lmns_a)
    action = year8.actions.get()
    authoring.requirement_save(
        action=action, requirement=requirement(year8, "A1.1"), by=lead_a, text="Do thing 1.1 twice"
    )
    authoring.requirement_save(action=action, by=lead_a, code="A1.4", title="New", text="Report it")
    authoring.framework_prepare(framework=year8, by=lead_a)
    year8 = authoring.framework_publish(framework=year8, by=second_lead_a)
    provider_lead = world.personas[f"provider:{Role.PROVIDER_LEAD}"]
    assessment = services.assessment_start(provider=world.a1, framework=year8, by=provider_lead)
    client.force_login(provider_lead)

    def page(code):
        item = assessment.items.get(requirement__code=code)
        return client.get(reverse("assurance:item-detail", kwargs={"pk": item.pk})).content.decode()

    changed, new, unchanged = page("A1.1"), page("A1.4"), page("A1.2")
    assert "Changed<span" in changed and "What changed from A1.1" in changed
    assert "added: </span>twice" in changed
    assert "This requirement is new in Year 8." in new
    assert "What changed" not in unchanged and "new in Year 8" not in unchanged
    assert "Wording not checked against the source" in unchanged

import io
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assurance.models import (
    Assessment,
    Evidence,
    EvidenceLink,
    Requirement,
    RequirementAssessment,
    Status,
    Verification,
)
from assurance.selectors import assessment_positions, item_challenges
from assurance.services import (
    assessment_start,
    assessment_submit,
    evidence_add,
    evidence_link,
    evidence_review,
    item_update,
    item_verify,
)
from lmns import uploads
from tests.factories import follow_version, make_framework, make_provider, make_user

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n% audit of fresh-eyes CTG reviews\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


@pytest.fixture
def user():
    return make_user()


@pytest.fixture
def provider():
    return make_provider()


@pytest.fixture
def framework():
    return make_framework()


@pytest.fixture
def assessment(provider, framework, user):
    return assessment_start(provider=provider, framework=framework, by=user)


def _item(assessment, code):
    return assessment.items.get(requirement__code=code)


def _set(item, **fields):
    """Put an item straight into a state, bypassing the services under test."""
    RequirementAssessment.objects.filter(pk=item.pk).update(**fields)
    item.refresh_from_db()
    return item


def _link(provider, user, items=(), **extra):
    return evidence_add(
        provider=provider,
        by=user,
        description="Fresh-eyes audit",
        effective_from=date(2026, 1, 1),
        url="https://example.org/audit",
        items=items,
        **extra,
    )


def _stored_files():
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- assessment_start -------------------------------------------------------------------------


def test_assessment_start_creates_one_not_started_item_per_requirement(assessment, framework):
    items = assessment.items.all()
    assert sorted(item.requirement.code for item in items) == ["A1.1", "A1.2", "A2.1", "A2.2"]
    assert {(item.status, item.verification) for item in items} == {
        (Status.NOT_STARTED, Verification.NOT_SUBMITTED)
    }
    assert {item.requirement.action.framework for item in items} == {framework}


def test_assessment_start_is_idempotent(assessment, provider, framework, user):
    _set(_item(assessment, "A1.1"), status=Status.MET)
    again = assessment_start(provider=provider, framework=framework, by=user)
    assert again == assessment
    assert Assessment.objects.filter(provider=provider, framework=framework).count() == 1
    assert again.items.count() == 4
    assert _item(again, "A1.1").status == Status.MET


def test_assessment_start_adds_items_for_requirements_added_later(assessment, provider, framework, user):
    before = set(assessment.items.values_list("pk", flat=True))
    action = framework.actions.get(code="A2")
    Requirement.objects.create(action=action, code="A2.3", title="New", text="Added in an update", order=3)
    assessment_start(provider=provider, framework=framework, by=user)
    assert assessment.items.count() == 5
    assert before < set(assessment.items.values_list("pk", flat=True))
    assert _item(assessment, "A2.3").status == Status.NOT_STARTED


def test_each_provider_has_its_own_assessment(assessment, framework, user):
    other = assessment_start(provider=make_provider(), framework=framework, by=user)
    assert other != assessment
    assert RequirementAssessment.objects.count() == 8


# --- carrying evidence forward to a new version of a framework --------------------------------


@pytest.fixture
def versions(provider, user):
    """An old framework with evidence for ``provider`` and for another provider, and its successor."""
    old = make_framework()
    new = follow_version(make_framework(), old)
    other = make_provider()
    old_mine = assessment_start(provider=provider, framework=old, by=user)
    old_theirs = assessment_start(provider=other, framework=old, by=user)
    mine = _link(provider, user, items=[_item(old_mine, "A1.2"), _item(old_mine, "A2.1")])
    theirs = _link(other, user, items=[_item(old_theirs, "A1.1")])
    return {"old": old, "new": new, "other": other, "mine": mine, "theirs": theirs}


def test_new_version_carries_evidence_to_matching_requirements_to_review(versions, provider, user):
    carrier = make_user()
    new = assessment_start(provider=provider, framework=versions["new"], by=carrier)
    links = EvidenceLink.objects.filter(item__assessment=new)
    assert {(link.evidence, link.item.requirement.code) for link in links} == {
        (versions["mine"], "A1.2"),
        (versions["mine"], "A2.1"),
    }
    assert {(link.to_review, link.linked_by) for link in links} == {(True, carrier)}
    # The old links stay as they were.
    assert not EvidenceLink.objects.filter(
        item__assessment__framework=versions["old"], to_review=True
    ).exists()


def test_carried_forward_evidence_stays_with_its_own_provider(versions, user):
    theirs = assessment_start(provider=versions["other"], framework=versions["new"], by=user)
    links = EvidenceLink.objects.filter(item__assessment=theirs)
    assert [(link.evidence, link.item.requirement.code) for link in links] == [(versions["theirs"], "A1.1")]


def test_carrying_forward_follows_what_each_requirement_replaces(versions, provider, user):
    # The new version's A2 replaces nothing of the old one: its requirements are new.
    Requirement.objects.filter(action__framework=versions["new"], action__code="A2").update(replaces=None)
    new = assessment_start(provider=provider, framework=versions["new"], by=user)
    codes = EvidenceLink.objects.filter(item__assessment=new).values_list(
        "item__requirement__code", flat=True
    )
    assert list(codes) == ["A1.2"]


def test_carried_forward_evidence_is_not_support_until_reviewed(versions, provider, user):
    new = assessment_start(provider=provider, framework=versions["new"], by=user)
    item = _item(new, "A1.2")

    def counts():
        positions = assessment_positions(assessment=new)
        row = next(i for p in positions for i in p.items if i.pk == item.pk)
        return row.evidence_count, row.to_review_count

    assert counts() == (0, 1)
    evidence_review(link=item.evidence_links.get(), by=user, keep=True)
    assert counts() == (1, 0)
    assert item.evidence_links.get().to_review is False


def test_reviewing_carried_forward_evidence_away_removes_only_that_link(versions, provider, user):
    new = assessment_start(provider=provider, framework=versions["new"], by=user)
    item = _item(new, "A1.2")
    evidence_review(link=item.evidence_links.get(), by=user, keep=False)
    assert not item.evidence_links.exists()
    assert _item(new, "A2.1").evidence_links.filter(to_review=True).count() == 1
    assert versions["mine"].links.filter(item__assessment__framework=versions["old"]).count() == 2
    # Starting again does not bring the removed link back.
    assessment_start(provider=provider, framework=versions["new"], by=user)
    assert not item.evidence_links.exists()


def test_linking_carried_forward_evidence_again_confirms_it(versions, provider, user):
    new = assessment_start(provider=provider, framework=versions["new"], by=user)
    item = _item(new, "A1.2")
    evidence_link(evidence=versions["mine"], items=[item], by=user)
    assert item.evidence_links.get().to_review is False


# --- item_update ------------------------------------------------------------------------------


def test_item_update_records_the_position_and_who_changed_it(assessment, user):
    item = item_update(
        item=_item(assessment, "A1.1"), by=user, status=Status.MET, commentary="Audited monthly."
    )
    item.refresh_from_db()
    assert (item.status, item.commentary, item.updated_by) == (Status.MET, "Audited monthly.", user)


@pytest.mark.parametrize("reason", ["", "   "])
def test_not_applicable_needs_a_reason(assessment, user, reason):
    item = _item(assessment, "A1.1")
    with pytest.raises(ValidationError) as error:
        item_update(item=item, by=user, status=Status.NOT_APPLICABLE, not_applicable_reason=reason)
    assert set(error.value.message_dict) == {"not_applicable_reason"}
    item.refresh_from_db()
    assert item.status == Status.NOT_STARTED


@pytest.mark.parametrize("status", [Status.NOT_MET, Status.PARTIALLY_MET])
def test_not_met_needs_a_plan_an_owner_and_a_due_date(assessment, user, status):
    item = _item(assessment, "A1.1")
    with pytest.raises(ValidationError) as error:
        item_update(item=item, by=user, status=status, action_plan=" ")
    assert set(error.value.message_dict) == {"action_plan", "action_owner", "action_due_on"}
    item.refresh_from_db()
    assert item.status == Status.NOT_STARTED

    item_update(
        item=item,
        by=user,
        status=status,
        action_plan="Recruit two more fetal-monitoring midwives.",
        action_owner="Director of Midwifery",
        action_due_on=date(2026, 9, 30),
    )
    item.refresh_from_db()
    assert (item.status, item.action_due_on) == (status, date(2026, 9, 30))


def test_the_not_applicable_reason_is_cleared_when_the_status_moves_away(assessment, user):
    item = item_update(
        item=_item(assessment, "A1.1"),
        by=user,
        status=Status.NOT_APPLICABLE,
        not_applicable_reason="No freestanding unit.",
    )
    item_update(item=item, by=user, status=Status.MET)
    item.refresh_from_db()
    assert (item.status, item.not_applicable_reason) == (Status.MET, "")


@pytest.mark.parametrize("field", ["verification", "verified_by", "assessment", "nonsense"])
def test_item_update_refuses_fields_it_does_not_own(assessment, user, field):
    with pytest.raises(ValueError, match=field):
        item_update(item=_item(assessment, "A1.1"), by=user, **{field: None})


@pytest.mark.parametrize(
    "verification", [Verification.AWAITING, Verification.ACCEPTED, Verification.CHALLENGED]
)
def test_a_change_withdraws_a_submitted_or_verified_position(assessment, user, verification):
    officer = make_user()
    item = _set(
        _item(assessment, "A1.1"),
        status=Status.MET,
        verification=verification,
        verified_by=officer,
        verified_at=timezone.now(),
    )
    item_update(item=item, by=user, commentary="Updated audit figures.")
    item.refresh_from_db()
    assert (item.verification, item.verified_by, item.verified_at) == (Verification.NOT_SUBMITTED, None, None)


def test_saving_identical_values_keeps_the_verification(assessment, user):
    officer = make_user()
    item = _set(
        _item(assessment, "A1.1"),
        status=Status.NOT_MET,
        action_plan="Plan",
        action_owner="Head of Midwifery",
        action_due_on=date(2026, 6, 1),
        verification=Verification.ACCEPTED,
        verified_by=officer,
        verified_at=timezone.now(),
    )
    item_update(
        item=item,
        by=user,
        status=Status.NOT_MET,
        not_applicable_reason="",
        commentary="",
        action_plan="Plan",
        action_owner="Head of Midwifery",
        action_due_on=date(2026, 6, 1),
    )
    item.refresh_from_db()
    assert (item.verification, item.verified_by) == (Verification.ACCEPTED, officer)


def test_a_stray_not_applicable_reason_that_is_discarded_keeps_the_verification(assessment, user):
    officer = make_user()
    item = _set(
        _item(assessment, "A1.1"),
        status=Status.MET,
        verification=Verification.ACCEPTED,
        verified_by=officer,
        verified_at=timezone.now(),
    )
    item_update(item=item, by=user, status=Status.MET, not_applicable_reason="typed by mistake")
    item.refresh_from_db()
    assert item.not_applicable_reason == ""
    assert item.verification == Verification.ACCEPTED


# --- assessment_submit ------------------------------------------------------------------------


def test_submit_sends_assessed_items_for_verification(assessment, user):
    a, b = (
        _set(_item(assessment, "A1.1"), status=Status.MET),
        _set(_item(assessment, "A1.2"), status=Status.NOT_MET),
    )
    assert assessment_submit(items=[a, b], by=user) == 2
    for item in (a, b):
        item.refresh_from_db()
        assert (item.verification, item.submitted_by) == (Verification.AWAITING, user)
        assert item.submitted_at is not None


def test_an_unchanged_challenged_requirement_is_not_sent_back_and_keeps_its_comment(assessment, user):
    officer = make_user()
    challenged = _set(_item(assessment, "A1.1"), status=Status.MET, verification=Verification.AWAITING)
    item_verify(item=challenged, by=officer, accept=False, comment="Where is the audit?")
    new = _set(_item(assessment, "A1.2"), status=Status.MET)
    assert assessment_submit(items=[challenged, new], by=user) == 1
    challenged.refresh_from_db()
    assert (challenged.verification, challenged.challenge_comment) == (
        Verification.CHALLENGED,
        "Where is the audit?",
    )
    with pytest.raises(ValidationError, match="change a requirement the LMNS challenged"):
        assessment_submit(items=[challenged], by=user)


def test_a_challenged_requirement_goes_back_once_answered_and_its_challenge_stays_in_history(
    assessment, user
):
    officer = make_user()
    item = _set(_item(assessment, "A1.1"), status=Status.MET, verification=Verification.AWAITING)
    item_verify(item=item, by=officer, accept=False, comment="Where is the audit?")
    item_update(item=item, by=user, status=Status.MET, commentary="The March audit is attached.")
    assert assessment_submit(items=[item], by=user) == 1
    item.refresh_from_db()
    assert item.verification == Verification.AWAITING
    assert (item.verified_by, item.verified_at) == (None, None)
    item_verify(item=item, by=officer, accept=True)
    [challenge] = item_challenges(item=item)
    assert (challenge.by, challenge.comment) == (officer, "Where is the audit?")


def test_submit_leaves_not_started_items_with_the_provider(assessment, user):
    met = _set(_item(assessment, "A1.1"), status=Status.MET)
    untouched = _item(assessment, "A1.2")
    assert assessment_submit(items=[met, untouched], by=user) == 1
    met.refresh_from_db()
    untouched.refresh_from_db()
    assert met.verification == Verification.AWAITING
    assert untouched.verification == Verification.NOT_SUBMITTED


def test_submit_with_nothing_assessed_is_refused(assessment, user):
    with pytest.raises(ValidationError, match="give requirements a status first"):
        assessment_submit(items=list(assessment.items.all()), by=user)


def test_submit_skips_items_already_awaiting_or_accepted(assessment, user):
    earlier = timezone.now() - timedelta(days=3)
    awaiting = _set(
        _item(assessment, "A1.1"), status=Status.MET, verification=Verification.AWAITING, submitted_at=earlier
    )
    accepted = _set(_item(assessment, "A1.2"), status=Status.MET, verification=Verification.ACCEPTED)
    new = _set(_item(assessment, "A2.1"), status=Status.MET)
    assert assessment_submit(items=[awaiting, accepted, new], by=user) == 1
    awaiting.refresh_from_db()
    accepted.refresh_from_db()
    assert (awaiting.verification, awaiting.submitted_at) == (Verification.AWAITING, earlier)
    assert accepted.verification == Verification.ACCEPTED


def test_submit_with_nothing_new_is_refused(assessment, user):
    awaiting = _set(_item(assessment, "A1.1"), status=Status.MET, verification=Verification.AWAITING)
    with pytest.raises(ValidationError, match="nothing new to submit"):
        assessment_submit(items=[awaiting], by=user)
    with pytest.raises(ValidationError, match="nothing new to submit"):
        assessment_submit(items=[], by=user)


# --- item_verify ------------------------------------------------------------------------------


@pytest.fixture
def awaiting(assessment):
    return _set(_item(assessment, "A1.1"), status=Status.MET, verification=Verification.AWAITING)


@pytest.mark.parametrize(
    "verification", [Verification.NOT_SUBMITTED, Verification.ACCEPTED, Verification.CHALLENGED]
)
@pytest.mark.parametrize("accept", [True, False])
def test_only_an_item_awaiting_verification_can_be_verified(awaiting, verification, accept):
    _set(awaiting, verification=verification)
    with pytest.raises(ValidationError, match="awaiting verification"):
        item_verify(item=awaiting, by=make_user(), accept=accept, comment="Not enough evidence.")
    awaiting.refresh_from_db()
    assert awaiting.verification == verification


@pytest.mark.parametrize("comment", ["", "  \n "])
def test_a_challenge_needs_a_comment(awaiting, comment):
    with pytest.raises(ValidationError) as error:
        item_verify(item=awaiting, by=make_user(), accept=False, comment=comment)
    assert set(error.value.message_dict) == {"comment"}
    awaiting.refresh_from_db()
    assert awaiting.verification == Verification.AWAITING


def test_a_challenge_records_the_comment_who_and_when(awaiting):
    officer = make_user()
    before = timezone.now()
    item_verify(item=awaiting, by=officer, accept=False, comment="  Attach the March audit.  ")
    awaiting.refresh_from_db()
    assert (awaiting.verification, awaiting.challenge_comment, awaiting.verified_by) == (
        Verification.CHALLENGED,
        "Attach the March audit.",
        officer,
    )
    assert awaiting.verified_at >= before


def test_accepting_records_who_and_when_and_clears_any_comment(awaiting):
    _set(awaiting, challenge_comment="An old challenge")
    officer = make_user()
    item_verify(item=awaiting, by=officer, accept=True, comment="ignored")
    awaiting.refresh_from_db()
    assert (awaiting.verification, awaiting.challenge_comment, awaiting.verified_by) == (
        Verification.ACCEPTED,
        "",
        officer,
    )
    assert awaiting.verified_at is not None


# --- evidence_add -----------------------------------------------------------------------------


def _add_file(provider, user, name, data, items=()):
    return evidence_add(
        provider=provider,
        by=user,
        description="Fresh-eyes audit",
        effective_from=date(2026, 1, 1),
        file=SimpleUploadedFile(name, data),
        items=items,
    )


def test_a_file_is_stored_under_an_opaque_name_with_its_sniffed_type(provider, user, assessment):
    item = _item(assessment, "A1.1")
    evidence = _add_file(provider, user, "CTG audit.pdf", PDF_BYTES, items=[item])
    evidence.refresh_from_db()
    assert (evidence.original_name, evidence.content_type, evidence.size) == (
        "CTG audit.pdf",
        "application/pdf",
        len(PDF_BYTES),
    )
    assert evidence.token and evidence.token in evidence.file.name
    assert "CTG" not in evidence.file.name
    assert evidence.file.name.startswith(f"evidence/{provider.pk}/")
    assert [path.read_bytes() for path in _stored_files()] == [PDF_BYTES]
    link = evidence.links.get()
    assert (link.item, link.to_review, link.linked_by) == (item, False, user)


def test_a_link_is_stored_without_a_file(provider, user):
    evidence = _link(provider, user)
    assert (evidence.url, evidence.is_file, evidence.content_type) == ("https://example.org/audit", False, "")
    assert _stored_files() == []


def test_a_docx_is_accepted_by_its_content(provider, user):
    evidence = _add_file(
        provider, user, "policy.docx", _zip("[Content_Types].xml", "_rels/.rels", "word/document.xml")
    )
    assert evidence.content_type == DOCX


@pytest.mark.parametrize(
    ("file", "url"),
    [(None, ""), (SimpleUploadedFile("audit.pdf", PDF_BYTES), "https://example.org/audit")],
    ids=["neither", "both"],
)
def test_evidence_is_a_file_or_a_link(provider, user, file, url):
    with pytest.raises(ValidationError) as error:
        evidence_add(
            provider=provider,
            by=user,
            description="Audit",
            effective_from=date(2026, 1, 1),
            file=file,
            url=url,
        )
    assert set(error.value.message_dict) == {"file"}
    assert not Evidence.objects.exists()
    assert _stored_files() == []


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("audit.pdf", PNG_BYTES, "content is a PNG image, but its name does not end in .png"),
        ("setup.exe", EXE_BYTES, "content is not one of those"),
        ("setup.pdf", EXE_BYTES, "content is not one of those"),
        (
            "macro.docx",
            _zip("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"),
            "not one of those",
        ),
        ("empty.pdf", b"", "The file is empty."),
    ],
    ids=["png-named-pdf", "exe", "exe-named-pdf", "macro-docx", "empty"],
)
def test_a_refused_file_saves_nothing(provider, user, assessment, name, data, message):
    with pytest.raises(ValidationError) as error:
        _add_file(provider, user, name, data, items=[_item(assessment, "A1.1")])
    assert message in error.value.message_dict["file"][0]
    assert not Evidence.objects.exists()
    assert not EvidenceLink.objects.exists()
    assert _stored_files() == []


def test_a_file_over_the_limit_is_refused(provider, user, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_EVIDENCE_BYTES", 16)
    with pytest.raises(ValidationError, match="must be smaller than"):
        _add_file(provider, user, "audit.pdf", PDF_BYTES)
    assert not Evidence.objects.exists()
    assert _stored_files() == []


def test_an_expiry_before_the_effective_date_is_refused(provider, user):
    with pytest.raises(ValidationError, match="expiry date must be after"):
        _link(provider, user, expires_on=date(2025, 12, 31))
    assert not Evidence.objects.exists()


def test_evidence_add_refuses_another_providers_items(provider, user, framework):
    theirs = assessment_start(provider=make_provider(), framework=framework, by=user)
    with pytest.raises(ValidationError, match="its own provider"):
        _add_file(provider, user, "audit.pdf", PDF_BYTES, items=[_item(theirs, "A1.1")])
    assert not Evidence.objects.exists()


def test_evidence_refused_for_another_providers_items_leaves_no_file(provider, user, framework):
    theirs = assessment_start(provider=make_provider(), framework=framework, by=user)
    with pytest.raises(ValidationError):
        _add_file(provider, user, "audit.pdf", PDF_BYTES, items=[_item(theirs, "A1.1")])
    assert _stored_files() == []


def test_an_unreadable_office_file_is_refused_not_a_crash(provider, user):
    data = bytearray(_zip("[Content_Types].xml", "word/document.xml"))
    entry = data.find(b"PK\x01\x02")
    data[entry + 6 : entry + 8] = (100).to_bytes(2, "little")  # "needs zip version 10.0"
    with pytest.raises(ValidationError, match="not one of those"):
        _add_file(provider, user, "policy.docx", bytes(data))
    assert not Evidence.objects.exists()


# --- evidence_link ----------------------------------------------------------------------------


def test_evidence_link_refuses_another_providers_items(provider, user, framework, assessment):
    evidence = _link(provider, user)
    theirs = assessment_start(provider=make_provider(), framework=framework, by=user)
    with pytest.raises(ValidationError, match="its own provider"):
        evidence_link(evidence=evidence, items=[_item(assessment, "A1.1"), _item(theirs, "A1.1")], by=user)
    assert not EvidenceLink.objects.exists()


def test_one_piece_of_evidence_supports_requirements_in_two_frameworks(provider, user, assessment):
    other = assessment_start(provider=provider, framework=make_framework(), by=user)
    evidence = _add_file(provider, user, "audit.pdf", PDF_BYTES, items=[_item(assessment, "A1.1")])
    evidence_link(evidence=evidence, items=[_item(other, "A2.2")], by=user)
    evidence_link(evidence=evidence, items=[_item(other, "A2.2")], by=user)  # twice is still once
    assert {(item.assessment, item.requirement.code) for item in evidence.items.all()} == {
        (assessment, "A1.1"),
        (other, "A2.2"),
    }
    assert EvidenceLink.objects.filter(evidence=evidence).count() == 2


def test_only_carried_forward_evidence_is_reviewed_away(world):
    link = world.record("link", world.a1)
    assert not link.to_review
    with pytest.raises(ValidationError, match="Only evidence carried forward"):
        evidence_review(link=link, by=world.personas["provider:provider_lead"], keep=False)
    assert type(link).objects.filter(pk=link.pk).exists()

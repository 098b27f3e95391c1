"""'Learning shared' has one definition, by the SSIG meeting it was shared at, on every page that
shows it: the quality view and the pre-visit pack give the same number for the same data."""

import io
from datetime import date, datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from incidents.models import Learning, LearningStatus, SsigSubmission
from tests.factories import make_learning, make_meeting, make_visit

pytestmark = pytest.mark.django_db

OCTOBER = "2026-10"
LABEL = "Learning shared at the SSIG"


@pytest.fixture
def shared(trust, today):
    """Learning written well over a year ago and shared at October's SSIG; learning written in
    October, still awaiting its meeting; and another provider's, shared the same day."""
    meeting = make_meeting(trust.lmns, meeting_on=date(2026, 10, 14), submission_deadline=date(2026, 10, 7))
    meeting.held_at = timezone.make_aware(datetime.combine(date(2026, 10, 14), time(14)))
    meeting.save()
    later = make_meeting(trust.lmns, meeting_on=date(2026, 12, 9), submission_deadline=date(2026, 12, 2))
    old = make_learning(trust.provider, status=LearningStatus.SHARED)
    Learning.objects.filter(pk=old.pk).update(created_at=timezone.make_aware(datetime(2025, 6, 2, 9)))
    waiting = make_learning(trust.provider, status=LearningStatus.SUBMITTED)
    Learning.objects.filter(pk=waiting.pk).update(created_at=timezone.make_aware(datetime(2026, 10, 20, 9)))
    sibling = make_learning(trust.sibling, status=LearningStatus.SHARED)
    for learning, at in [(old, meeting), (waiting, later), (sibling, meeting)]:
        SsigSubmission.objects.create(meeting=at, learning=learning, submitted_by=trust.lead)
    return old


def test_one_definition_counts_by_the_meeting(trust, shared):
    counted = Learning.objects.filter(provider=trust.provider).shared_between(
        date(2026, 10, 1), date(2026, 11, 1)
    )
    assert list(counted) == [shared]


def test_the_quality_view_and_the_pre_visit_pack_show_the_same_number(client, trust, shared):
    client.force_login(trust.officer)
    view = client.get(reverse("lmns:quality-provider", kwargs={"ods_code": "QQA"}), {"month": OCTOBER})
    row = next(row for domain in view.context["view"].domains for row in domain.rows if row.label == LABEL)

    visit = make_visit(trust.provider, created_by=trust.officer, visit_on=date(2026, 12, 1))
    pack = client.get(reverse("assurance:visit-pack", kwargs={"pk": visit.pk})).context["pack"]
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("assurance:visit-pack-workbook", kwargs={"pk": visit.pk})).content)
    )
    summary = dict(row for row in workbook["Summary"].iter_rows(values_only=True) if len(row) == 2 and row[0])

    assert row.value == "1"
    assert pack.learning_shared == 1
    assert summary["Learning shared across the LMNS"] == 1

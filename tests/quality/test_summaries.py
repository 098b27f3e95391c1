"""Each app's quality summary against hand-built data, in a fixed number of queries."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assurance import quality as assurance_quality
from assurance.models import Deadline, Framework, Status, Verification
from assurance.services import assessment_start
from assurance.visits.models import FindingKind, VisitStatus
from incidents import quality as incidents_quality
from incidents.models import IncidentStatus, LearningStatus, ResponseType, SsigSubmission
from lmns.access import SYSTEM
from tests.factories import (
    make_action,
    make_concern,
    make_finding,
    make_framework,
    make_incident,
    make_learning,
    make_meeting,
    make_recommendation,
    make_visit,
    make_workforce_return,
)
from workforce import quality as workforce_quality
from workforce.models import WorkforceReturn
from workforce.training.models import StaffGroup, TrainingFigure

pytestmark = pytest.mark.django_db

OCTOBER = (date(2026, 10, 1), date(2026, 11, 1))


def _incidents(provider, copies=1):
    """October: 2 low, 1 moderate (MNSI), 1 fatal (PMRT); and one in September and one in
    November, which October's figures leave out."""
    for _ in range(copies):
        make_incident(provider, occurred_on=date(2026, 10, 3), reported_on=date(2026, 10, 4))
        make_incident(provider, occurred_on=date(2026, 10, 31), reported_on=date(2026, 11, 2))
        make_incident(
            provider,
            occurred_on=date(2026, 10, 10),
            reported_on=date(2026, 10, 10),
            physical_harm="moderate",
            mnsi_referred_on=date(2026, 10, 12),
            response_type=ResponseType.PSII,
            status=IncidentStatus.UNDER_REVIEW,
        )
        make_incident(
            provider,
            occurred_on=date(2026, 10, 20),
            reported_on=date(2026, 10, 20),
            physical_harm="fatal",
            pmrt_referred_on=date(2026, 10, 21),
            response_type=ResponseType.PSII,
            status=IncidentStatus.CLOSED,
        )
        make_incident(provider, occurred_on=date(2026, 9, 30), reported_on=date(2026, 10, 1))
        make_incident(provider, occurred_on=date(2026, 11, 1), reported_on=date(2026, 11, 1))


def test_incident_summary_counts_the_period(trust, today):
    _incidents(trust.provider)
    _incidents(trust.sibling)  # another provider's incidents never count
    owner = trust.lead
    make_action(trust.provider, owner=owner, due_on=today - timedelta(days=1))
    make_action(trust.provider, owner=owner, due_on=today - timedelta(days=1), status="completed")
    make_action(trust.provider, owner=owner, due_on=today + timedelta(days=1))
    meeting = make_meeting(trust.lmns, meeting_on=date(2026, 10, 15))
    meeting.held_at = timezone.make_aware(timezone.datetime(2026, 10, 15, 12))
    meeting.save()
    shared = make_learning(trust.provider, status=LearningStatus.SHARED)
    SsigSubmission.objects.create(meeting=meeting, learning=shared, submitted_by=owner)
    make_learning(trust.provider, status=LearningStatus.SHARED)  # shared at no meeting in October

    summaries = incidents_quality.incident_summaries(
        user=SYSTEM, providers=[trust.provider, trust.sibling], start=OCTOBER[0], end=OCTOBER[1], today=today
    )

    summary = summaries[trust.provider.pk]
    assert summary.reported == 4
    assert {item.label: item.count for item in summary.by_harm} == {
        "No physical harm": 0,
        "Low physical harm": 2,
        "Moderate physical harm": 1,
        "Severe physical harm": 0,
        "Fatal": 1,
    }
    assert summary.moderate_or_worse == 2
    assert (summary.mnsi_referrals, summary.pmrt_referrals) == (1, 1)
    assert summary.psiis_open == 1
    assert summary.learning_shared == 1
    assert summary.actions_overdue == 1
    assert summary.reported_url == (
        f"/incidents/list/?provider={trust.provider.pk}&occurred_from=2026-10-01&occurred_to=2026-10-31"
    )
    assert summary.actions_url == f"/incidents/actions/?provider={trust.provider.pk}&overdue=true"
    # Counted in the same queries, the sibling's figures are its own.
    sibling = summaries[trust.sibling.pk]
    assert (sibling.reported, sibling.psiis_open, sibling.learning_shared, sibling.actions_overdue) == (
        4,
        1,
        0,
        0,
    )


def test_incident_links_show_the_records_counted(client, trust, today):
    _incidents(trust.provider)
    summary = incidents_quality.incident_summaries(
        user=SYSTEM, providers=[trust.provider], start=OCTOBER[0], end=OCTOBER[1], today=today
    )[trust.provider.pk]
    client.force_login(trust.lead)
    for url, count in [
        (summary.reported_url, summary.reported),
        (summary.mnsi_url, summary.mnsi_referrals),
        *((item.url, item.count) for item in summary.by_harm),
    ]:
        page = client.get(url)
        assert page.status_code == 200
        assert len(page.context["page"].object_list) == count, url


def test_incident_summary_queries_do_not_grow(trust, today, django_assert_max_num_queries):
    _incidents(trust.provider, copies=5)
    _incidents(trust.sibling, copies=2)
    providers = [trust.provider, trust.sibling, trust.elsewhere]
    with django_assert_max_num_queries(4):
        incidents_quality.incident_summaries(
            user=SYSTEM, providers=providers, start=OCTOBER[0], end=OCTOBER[1], today=today
        )
    with django_assert_max_num_queries(1):
        by_month = incidents_quality.reported_by_month(
            user=SYSTEM, providers=providers, start=date(2026, 9, 1), end=date(2026, 12, 1)
        )
    assert by_month[trust.provider.pk] == {date(2026, 9, 1): 5, date(2026, 10, 1): 20, date(2026, 11, 1): 5}
    assert by_month[trust.sibling.pk] == {date(2026, 9, 1): 2, date(2026, 10, 1): 8, date(2026, 11, 1): 2}
    assert not by_month[trust.elsewhere.pk]


def test_months_before_the_first_recorded_incident_have_no_figure(trust):
    """Zeros before go-live would pull the mean down and show every real month as special cause."""
    make_incident(trust.provider, occurred_on=date(2026, 9, 14))
    months = [date(2026, month, 1) for month in (7, 8, 9, 10)]
    series = incidents_quality.reported_series(
        user=SYSTEM, providers=[trust.provider, trust.sibling], months=months, end=date(2026, 11, 1)
    )
    assert series[trust.provider.pk] == [None, None, 1, 0]
    assert series[trust.sibling.pk] == [None, None, None, None]  # none recorded yet


def _assess(provider, framework, by):
    """Action A1: both requirements met and accepted. A2: one met awaiting, one not met with
    an overdue action plan."""
    items = {
        item.requirement.code: item
        for item in assessment_start(provider=provider, framework=framework, by=by).items.select_related(
            "requirement"
        )
    }
    for code in ("A1.1", "A1.2"):
        items[code].status, items[code].verification = Status.MET, Verification.ACCEPTED
    items["A2.1"].status, items["A2.1"].verification = Status.MET, Verification.AWAITING
    items["A2.2"].status = Status.NOT_MET
    items["A2.2"].action_due_on = date(2026, 11, 1)
    for item in items.values():
        item.save()


def test_compliance_summary(trust, today, django_assert_max_num_queries):
    framework = make_framework()
    Deadline.objects.create(framework=framework, name="Board declaration", due_on=date(2027, 3, 3))
    Deadline.objects.create(framework=framework, name="Evidence to the LMNS", due_on=date(2027, 1, 15))
    Deadline.objects.create(framework=framework, name="Last year", due_on=date(2026, 3, 3))
    _assess(trust.provider, framework, trust.lead)
    assessment_start(provider=trust.sibling, framework=framework, by=trust.lead)
    _assess(trust.provider, make_framework(), trust.lead)  # a second framework costs no query

    with django_assert_max_num_queries(4):
        summaries = assurance_quality.compliance_summaries(
            user=SYSTEM, providers=[trust.provider, trust.sibling], today=today
        )

    positions = summaries[trust.provider.pk]
    assert [(p.framework, p.met) for p in summaries[trust.sibling.pk]] == [(framework, 0)]
    position = next(p for p in positions if p.framework == framework)
    assert (position.actions, position.met, position.verified, position.outstanding) == (2, 1, 1, 1)
    assert position.plans_overdue == 1
    assert position.next_deadline.name == "Evidence to the LMNS"
    assert position.url == f"/assurance/assessments/{framework.assessments.get(provider=trust.provider).pk}/"


def test_a_framework_version_replaced_by_a_newer_one_is_not_rated(trust, today):
    """What is outstanding in a replaced version can never be cleared; it would stay red for good."""
    old = make_framework()
    _assess(trust.provider, old, trust.lead)
    new = make_framework()
    Framework.objects.filter(pk=new.pk).update(previous=old)
    _assess(trust.provider, new, trust.lead)
    positions = assurance_quality.compliance_summaries(user=SYSTEM, providers=[trust.provider], today=today)
    assert [p.framework for p in positions[trust.provider.pk]] == [new]


def test_visit_summary(trust, today, django_assert_max_num_queries):
    officer = trust.officer
    march = make_visit(
        trust.provider, created_by=officer, visit_on=date(2026, 3, 3), status=VisitStatus.REPORT_ISSUED
    )
    june = make_visit(
        trust.provider, created_by=officer, visit_on=date(2026, 6, 5), status=VisitStatus.VISITED
    )
    make_visit(trust.provider, created_by=officer, visit_on=date(2026, 12, 1))  # planned, not yet
    finding = make_finding(march)
    for due in (date(2026, 4, 1), date(2026, 5, 1), date(2027, 1, 1)):
        make_recommendation(finding, owner=trust.lead, due_on=due)
    make_recommendation(finding, owner=trust.lead, due_on=date(2026, 4, 1), status="closed")
    # June's report is not issued: its recommendations are not yet the provider's to act on.
    make_recommendation(make_finding(june), owner=trust.lead, due_on=date(2026, 7, 1))
    make_finding(june, kind=FindingKind.IMMEDIATE)
    closed = make_visit(
        trust.provider, created_by=officer, visit_on=date(2026, 1, 5), status=VisitStatus.CLOSED
    )
    make_finding(closed, kind=FindingKind.IMMEDIATE)

    sibling = make_visit(
        trust.sibling, created_by=officer, visit_on=date(2026, 2, 2), status=VisitStatus.REPORT_ISSUED
    )
    make_recommendation(make_finding(sibling), owner=trust.lead, due_on=date(2026, 4, 1))

    with django_assert_max_num_queries(3):
        summaries = assurance_quality.visit_summaries(
            user=SYSTEM, providers=[trust.provider, trust.sibling], today=today
        )

    summary = summaries[trust.provider.pk]
    assert summary.last_visit == june
    assert summary.open_recommendations == 3
    assert summary.overdue_recommendations == 2
    assert [(item.visit_on, item.count) for item in summary.overdue] == [(date(2026, 3, 3), 2)]
    assert summary.immediate_concerns == 1
    assert summary.immediate_url == june.get_absolute_url()
    theirs = summaries[trust.sibling.pk]
    assert (theirs.last_visit, theirs.open_recommendations, theirs.immediate_concerns) == (sibling, 1, 0)


def test_workforce_summary(trust, django_assert_max_num_queries):
    months = [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]
    make_workforce_return(trust.provider, month=months[0])
    make_workforce_return(trust.provider, month=months[2], in_post_midwife_wte=170)
    make_workforce_return(trust.sibling, month=months[1])

    with django_assert_max_num_queries(2):  # the returns, and their training figures
        summaries = workforce_quality.workforce_summaries(
            user=SYSTEM, providers=[trust.provider, trust.sibling], months=months
        )

    summary = summaries[trust.provider.pk]
    vacancy = next(s for s in summary.series if s.measure.key == "vacancy_rate")
    # (200 - 185) / 200 = 7.5%; September has no return; (200 - 170) / 200 = 15%.
    assert [str(v) if v is not None else None for v in vacancy.values] == ["7.5", None, "15.0"]
    assert summary.return_url == summary.workforce_return.get_absolute_url()
    theirs = summaries[trust.sibling.pk]
    assert [v is not None for v in theirs.series[0].values] == [False, True, False]
    assert theirs.workforce_return is None
    assert theirs.return_url == f"/workforce/providers/{trust.sibling.ods_code}/"


def test_workforce_summary_gives_each_returns_measures_as_the_return_itself_does(
    trust, django_assert_max_num_queries
):
    """The summary reads training from plain values; each value and name is still the one
    ``Measure.of`` and ``Measure.name_of`` give for the return fetched whole: ties of rate broken
    by group order (position, then name), rates equal only once rounded, a rate of 0, a module
    with no one in scope, and a return with no training figures."""
    months = [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]
    agency = StaffGroup.objects.create(
        code="agency_obstetricians", name="Agency obstetricians", lmns=trust.lmns, position=1,
        needs_fetal_monitoring=True,
    )  # fmt: skip
    zeta = StaffGroup.objects.create(
        code="zeta_bank", name="Zeta bank staff", lmns=trust.lmns, position=3, needs_emergencies=True
    )
    make_workforce_return(
        trust.provider, month=months[0], training={("emergencies", "midwives"): (50, 20)}, turnover_rate="9.0"
    )
    make_workforce_return(trust.provider, month=months[1]).training_figures.all().delete()
    october = make_workforce_return(
        trust.provider,
        month=months[2],
        training={
            # 66.7% each once rounded: the consultants (position 1) and the agency group (also 1,
            # first by name) tie.
            ("fetal_monitoring", "obstetric_consultants"): (1000, 667),
            ("fetal_monitoring", "obstetric_doctors_in_training"): (90, 85),
            ("fetal_monitoring", "midwives"): (100, 100),
            # 80% each: doctors in training (position 2) before anaesthetists and Zeta (both 3).
            ("emergencies", "obstetric_doctors_in_training"): (10, 8),
            ("emergencies", "anaesthetists"): (5, 4),
            # No one in scope anywhere: no rate and no group.
            ("newborn_life_support", "midwives"): (0, 0),
            ("newborn_life_support", "neonatal_staff"): (0, 0),
        },
    )
    TrainingFigure.objects.create(
        workforce_return=october, module="fetal_monitoring", staff_group=agency, in_scope=3, compliant=2
    )
    TrainingFigure.objects.create(
        workforce_return=october, module="emergencies", staff_group=zeta, in_scope=20, compliant=16
    )
    make_workforce_return(trust.sibling, month=months[1])
    make_workforce_return(trust.sibling, month=months[2], training={("emergencies", "anaesthetists"): (7, 0)})

    with django_assert_max_num_queries(2):
        summaries = workforce_quality.workforce_summaries(
            user=SYSTEM, providers=[trust.provider, trust.sibling], months=months
        )

    whole = {(r.provider_id, r.month): r for r in WorkforceReturn.objects.with_training()}
    for provider in (trust.provider, trust.sibling):
        for series in summaries[provider.pk].series:
            held = [whole.get((provider.pk, month)) for month in months]
            assert series.values == [series.measure.of(r) if r else None for r in held], series.measure.key
            assert series.latest_name == (series.measure.name_of(held[-1]) if held[-1] else "")
    latest = {s.measure.key: (s.latest, s.latest_name) for s in summaries[trust.provider.pk].series}
    assert latest["fetal_monitoring_rate"] == (Decimal("66.7"), "Agency obstetricians")
    assert latest["emergencies_rate"] == (Decimal("80.0"), "Obstetric doctors in training")
    assert latest["newborn_life_support_rate"] == (None, "")
    theirs = {s.measure.key: (s.latest, s.latest_name) for s in summaries[trust.sibling.pk].series}
    assert theirs["emergencies_rate"] == (Decimal("0.0"), "Anaesthetists")


def test_speaking_up_counts_the_latest_complete_quarter_received_by_the_providers_guardians(
    trust, today, django_assert_max_num_queries
):
    in_quarter = date(2026, 8, 5)  # Q2 2026/27, July to September: complete by 20 November
    for _ in range(3):
        make_concern(trust.provider, received_on=in_quarter, cat_bullying=True)
    for _ in range(3):
        make_concern(trust.provider, received_on=in_quarter, cat_patient_safety=False, cat_behaviour=True)
    make_concern(trust.provider, received_on=date(2026, 6, 30))  # the quarter before
    make_concern(trust.sibling, received_on=in_quarter)
    # Raised with the LMNS about the provider: a guardian could subtract what they read.
    for _ in range(4):
        make_concern(trust.provider, received_by="lmns", received_on=in_quarter)
    # The quarter in progress: a live count would show the day a concern was raised.
    for _ in range(5):
        make_concern(trust.provider, received_on=date(2026, 10, 5))

    # One query for the categories (reference data), one for every provider's counts.
    with django_assert_max_num_queries(2):
        summaries = workforce_quality.speaking_up_summaries(
            user=SYSTEM, providers=[trust.provider, trust.sibling, trust.elsewhere], day=date(2026, 11, 30)
        )

    summary = summaries[trust.provider.pk]
    assert summaries[trust.sibling.pk].raised == "<5"
    assert summaries[trust.elsewhere.pk].raised == "0"

    assert summary.quarter.slug == "2026-Q2"
    assert summary.raised == "5"  # 6, rounded to the nearest 5
    assert dict(summary.by_category) == {
        "Patient safety or quality": "<5",
        "Worker safety or wellbeing": "0",
        "Bullying or harassment": "<5",
        "Inappropriate attitudes or behaviours": "<5",
    }
    assert summary.quarter.label in summary.note
    for words in ("own Freedom to Speak Up guardians", "latest complete quarter", "nearest 5"):
        assert words in summary.note


@pytest.mark.parametrize(
    ("day", "slug"),
    [
        (date(2026, 9, 30), "2026-Q2"),  # the quarter's last day: complete at its end
        (date(2026, 9, 29), "2026-Q1"),
        (date(2026, 12, 31), "2026-Q2"),  # Q3 ends then, but not by today (20 November)
    ],
)
def test_speaking_up_takes_the_latest_quarter_complete_at_the_periods_end(trust, today, day, slug):
    summaries = workforce_quality.speaking_up_summaries(user=SYSTEM, providers=[trust.provider], day=day)
    assert summaries[trust.provider.pk].quarter.slug == slug

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from assurance.oversight import selectors, services
from assurance.oversight.models import (
    ConcernSource,
    ConcernStatus,
    CqcMaternityRating,
    CqcRating,
    ExternalConcern,
    OversightLevel,
)
from lmns.access import SYSTEM
from lmns.models import Provider, Role
from tests.assurance.oversight.records import make_concern

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _rating(provider, by, *, published_days_ago, overall=CqcRating.GOOD, **extra):
    return services.cqc_rating_record(
        provider=provider,
        by=by,
        inspected_on=TODAY - timedelta(days=published_days_ago + 60),
        published_on=TODAY - timedelta(days=published_days_ago),
        overall=overall,
        report_url="https://www.cqc.org.uk/location/EXAMPLE",
        **extra,
    )


def test_a_concern_past_its_due_date_is_overdue_until_answered(world, alice):
    concern = make_concern(world.a1, by=alice, received_on=TODAY - timedelta(days=70), due_in_days=-14)
    assert concern.is_overdue
    assert list(ExternalConcern.objects.overdue()) == [concern]

    services.external_concern_respond(
        concern=concern, by=alice, responded_on=TODAY, response_summary="Triage escalation audit started."
    )
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RESPONDED
    assert not concern.is_overdue
    assert not ExternalConcern.objects.overdue().exists()


def test_another_organisation_must_be_named(world, alice):
    with pytest.raises(ValidationError) as error:
        make_concern(world.a1, by=alice, source=ConcernSource.OTHER)
    assert "source_name" in error.value.message_dict
    concern = make_concern(
        world.a1, by=alice, source=ConcernSource.OTHER, source_name="Health and Safety Executive"
    )
    assert concern.source_label == "Health and Safety Executive"


def test_dates_out_of_order_are_refused_and_nothing_is_saved(world, alice):
    with pytest.raises(ValidationError) as error:
        make_concern(world.a1, by=alice, due_in_days=-30)
    assert "response_due_on" in error.value.message_dict
    assert not ExternalConcern.objects.exists()


def test_a_closed_concern_takes_no_response_until_reopened(world, alice):
    concern = make_concern(world.a1, by=alice)
    services.external_concern_set_status(concern=concern, by=alice, status=ConcernStatus.CLOSED)
    with pytest.raises(ValidationError):
        services.external_concern_respond(
            concern=concern, by=alice, responded_on=TODAY, response_summary="Late."
        )
    services.external_concern_set_status(concern=concern, by=alice, status=ConcernStatus.OPEN)
    services.external_concern_respond(
        concern=concern, by=alice, responded_on=TODAY, response_summary="Answered.", close=True
    )
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.CLOSED
    # Each change is in the concern's history, with who made it.
    assert [h.history_user for h in concern.history.all()] == [alice] * 4


def test_responded_needs_a_response(world, alice):
    concern = make_concern(world.a1, by=alice)
    with pytest.raises(ValidationError):
        services.external_concern_set_status(concern=concern, by=alice, status=ConcernStatus.RESPONDED)


def test_ratings_keep_their_history_and_the_latest_published_is_current(world, alice):
    older = _rating(world.a1, alice, published_days_ago=900, overall=CqcRating.REQUIRES_IMPROVEMENT)
    newer = _rating(
        world.a1, alice, published_days_ago=30, safe=CqcRating.GOOD, well_led=CqcRating.INADEQUATE
    )
    assert selectors.provider_oversight(user=SYSTEM, provider=world.a1).latest_rating == newer
    assert list(CqcMaternityRating.objects.filter(provider=world.a1).latest_first()) == [newer, older]
    assert [(label, value) for label, _code, value in newer.key_questions()] == [
        ("Safe", "Good"),
        ("Effective", "Not rated"),
        ("Caring", "Not rated"),
        ("Responsive", "Not rated"),
        ("Well-led", "Inadequate"),
    ]


def test_a_rating_published_before_its_inspection_is_refused(world, alice):
    with pytest.raises(ValidationError):
        services.cqc_rating_record(
            provider=world.a1,
            by=alice,
            inspected_on=TODAY,
            published_on=TODAY - timedelta(days=1),
            overall=CqcRating.GOOD,
            report_url="https://www.cqc.org.uk/location/EXAMPLE",
        )


def test_oversight_changes_are_kept_with_who_and_why(world):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    lead = world.personas[f"lmns:{Role.LMNS_SAFETY_LEAD}"]
    services.oversight_level_set(
        provider=world.a1,
        by=officer,
        level=OversightLevel.ENHANCED,
        in_mssp=False,
        reason="Two Regulation 28 reports.",
    )
    services.oversight_level_set(
        provider=world.a1,
        by=lead,
        level=OversightLevel.INTENSIVE_SUPPORT,
        in_mssp=True,
        reason="Referred to MSSP.",
    )
    record = selectors.provider_record(user=SYSTEM, provider=world.a1)
    assert [(d.level, d.in_mssp, d.decided_by, d.reason) for d in record["decisions"]] == [
        (OversightLevel.INTENSIVE_SUPPORT, True, lead, "Referred to MSSP."),
        (OversightLevel.ENHANCED, False, officer, "Two Regulation 28 reports."),
    ]
    level = selectors.provider_oversight(user=SYSTEM, provider=world.a1).oversight.level
    assert level == OversightLevel.INTENSIVE_SUPPORT
    assert selectors.provider_oversight(user=SYSTEM, provider=world.a2).oversight is None


def test_setting_the_same_level_again_is_refused(world):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    services.oversight_level_set(
        provider=world.a1, by=officer, level=OversightLevel.ROUTINE, in_mssp=False, reason="Start."
    )
    with pytest.raises(ValidationError, match="already on routine"):
        services.oversight_level_set(
            provider=world.a1, by=officer, level=OversightLevel.ROUTINE, in_mssp=False, reason="Again."
        )


def test_the_summary_counts_each_providers_own_concerns(world, alice):
    make_concern(world.a1, by=alice)
    make_concern(world.a1, by=alice, received_on=TODAY - timedelta(days=70), due_in_days=-1)
    make_concern(world.a2, by=alice)
    summaries = selectors.providers_oversight(user=SYSTEM, providers=[world.a1, world.a2, world.b1])
    assert (summaries[world.a1.pk].open_concerns, len(summaries[world.a1.pk].overdue_concerns)) == (2, 1)
    assert (summaries[world.a2.pk].open_concerns, len(summaries[world.a2.pk].overdue_concerns)) == (1, 0)
    assert summaries[world.b1.pk].open_concerns == 0


def test_demo_data_shows_a_regulation_28_report_a_rating_and_enhanced_oversight(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    vale = Provider.objects.get(ods_code="ZZB")
    summary = selectors.provider_oversight(user=SYSTEM, provider=vale)
    assert summary.oversight.level == OversightLevel.ENHANCED
    assert summary.latest_rating.overall == CqcRating.REQUIRES_IMPROVEMENT
    coroner = ExternalConcern.objects.get(provider=vale, source=ConcernSource.CORONER)
    assert coroner.status == ConcernStatus.OPEN and coroner.response_due_on > TODAY
    assert len(selectors.provider_record(user=SYSTEM, provider=vale)["decisions"]) == 2
    assert ExternalConcern.objects.overdue().count() == 1

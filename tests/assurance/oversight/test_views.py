from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assurance.oversight import services
from assurance.oversight.models import (
    ConcernSource,
    ConcernStatus,
    CqcMaternityRating,
    CqcRating,
    ExternalConcern,
    OversightDecision,
    OversightLevel,
)
from lmns.models import Role
from tests.assurance.oversight.records import make_concern

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NHS_NUMBER = "943 476 5919"  # NHS Digital's published test number


@pytest.fixture
def officer(world):
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


def _concern_post(provider, **extra):
    return {
        "provider": provider.pk,
        "source": ConcernSource.CORONER,
        "received_on": (TODAY - timedelta(days=3)).isoformat(),
        "reference": "R28/2026/014",
        "summary": "Asks what the unit has changed in escalating concerns about fetal monitoring.",
        "response_due_on": (TODAY + timedelta(days=53)).isoformat(),
        **extra,
    }


def test_a_contributor_logs_a_regulation_28_report_and_records_the_response(client, world, bob):
    client.force_login(bob)
    response = client.post(reverse("assurance:concern-create"), _concern_post(world.a1))
    concern = ExternalConcern.objects.get()
    assert response.status_code == 302 and response.url == concern.get_absolute_url()
    assert (concern.provider, concern.created_by, concern.status) == (world.a1, bob, ConcernStatus.OPEN)

    response = client.post(
        reverse("assurance:concern-respond", kwargs={"pk": concern.pk}),
        {
            "responded_on": TODAY.isoformat(),
            "response_summary": "Fetal monitoring lead reviews every CTG escalation.",
        },
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RESPONDED and concern.responded_on == TODAY
    body = client.get(concern.get_absolute_url()).content.decode()
    assert "Fetal monitoring lead reviews every CTG escalation." in body
    assert "Coroner (Regulation 28)" in body


def test_an_nhs_number_in_the_summary_is_refused_and_what_was_typed_is_kept(client, world, bob):
    client.force_login(bob)
    summary = f"About the baby with NHS number {NHS_NUMBER}."
    response = client.post(reverse("assurance:concern-create"), _concern_post(world.a1, summary=summary))
    assert response.status_code == 200
    assert not ExternalConcern.objects.exists()
    body = response.content.decode()
    assert "looks like an NHS number" in body
    assert "R28/2026/014" in body


def test_another_organisation_without_a_name_is_refused_beside_the_field(client, world, bob):
    client.force_login(bob)
    response = client.post(
        reverse("assurance:concern-create"), _concern_post(world.a1, source=ConcernSource.OTHER)
    )
    assert response.status_code == 200
    assert "Enter the name of the organisation that raised it" in response.content.decode()
    assert not ExternalConcern.objects.exists()


def test_a_provider_user_cannot_log_a_concern_for_another_provider(client, world, bob):
    client.force_login(bob)
    response = client.post(reverse("assurance:concern-create"), _concern_post(world.a2))
    assert response.status_code == 200
    assert not ExternalConcern.objects.exists()


def test_only_the_lmns_sets_the_oversight_level(client, world, alice, officer):
    url = reverse("assurance:oversight-level", kwargs={"ods_code": world.a1.ods_code})
    data = {"level": OversightLevel.ENHANCED, "reason": "Two Regulation 28 reports in a year."}
    client.force_login(alice)
    assert client.post(url, data).status_code == 403
    client.force_login(officer)
    response = client.post(url, data)
    assert response.status_code == 302
    decision = OversightDecision.objects.get()
    assert (decision.provider, decision.level, decision.decided_by) == (
        world.a1,
        OversightLevel.ENHANCED,
        officer,
    )
    # The provider reads it, with the reason.
    client.force_login(alice)
    body = client.get(
        reverse("assurance:oversight-provider", kwargs={"ods_code": world.a1.ods_code})
    ).content.decode()
    assert "Enhanced" in body and "Two Regulation 28 reports in a year." in body
    assert "Change the oversight level" not in body


def test_the_same_level_again_is_refused_on_the_form(client, world, officer):
    services.oversight_level_set(
        provider=world.a1, by=officer, level=OversightLevel.ROUTINE, in_mssp=False, reason="Start."
    )
    client.force_login(officer)
    url = reverse("assurance:oversight-level", kwargs={"ods_code": world.a1.ods_code})
    response = client.post(url, {"level": OversightLevel.ROUTINE, "reason": "Again."})
    assert response.status_code == 200
    assert "already on routine oversight" in response.content.decode()
    assert OversightDecision.objects.count() == 1


def test_a_provider_lead_records_a_cqc_rating(client, world, alice):
    client.force_login(alice)
    url = reverse("assurance:oversight-cqc-rating", kwargs={"ods_code": world.a1.ods_code})
    response = client.post(
        url,
        {
            "inspected_on": (TODAY - timedelta(days=120)).isoformat(),
            "published_on": (TODAY - timedelta(days=20)).isoformat(),
            "overall": CqcRating.REQUIRES_IMPROVEMENT,
            "safe": CqcRating.INADEQUATE,
            "well_led": CqcRating.REQUIRES_IMPROVEMENT,
            "report_url": "https://www.cqc.org.uk/location/EXAMPLE/reports",
        },
    )
    assert response.status_code == 302
    rating = CqcMaternityRating.objects.get()
    assert (rating.overall, rating.safe, rating.effective) == ("requires_improvement", "inadequate", "")
    body = client.get(
        reverse("lmns:quality-provider", kwargs={"ods_code": world.a1.ods_code})
    ).content.decode()
    assert "External concerns and oversight" in body
    assert "Requires improvement" in body


def test_the_quality_view_shows_an_overdue_response_in_red(client, world, alice):
    concern = make_concern(world.a1, by=alice, received_on=TODAY - timedelta(days=70), due_in_days=-2)
    client.force_login(alice)
    body = client.get(
        reverse("lmns:quality-provider", kwargs={"ods_code": world.a1.ods_code})
    ).content.decode()
    assert "Response overdue" in body
    assert concern.get_absolute_url() in body


def test_the_concern_list_is_scoped_and_filters_overdue(client, world, alice, officer):
    make_concern(
        world.a1, by=alice, reference="OVERDUE-A1", received_on=TODAY - timedelta(days=70), due_in_days=-2
    )
    make_concern(world.a2, by=officer, reference="ON-TIME-A2")
    make_concern(world.b1, by=officer, reference="OTHER-LMNS-B1")
    client.force_login(alice)
    body = client.get(reverse("assurance:concern-list")).content.decode()
    assert "OVERDUE-A1" in body and "ON-TIME-A2" not in body and "OTHER-LMNS-B1" not in body
    client.force_login(officer)
    body = client.get(reverse("assurance:concern-list")).content.decode()
    assert "OVERDUE-A1" in body and "ON-TIME-A2" in body and "OTHER-LMNS-B1" not in body
    body = client.get(reverse("assurance:concern-list"), {"overdue": "true"}).content.decode()
    assert "OVERDUE-A1" in body and "ON-TIME-A2" not in body


def test_closing_and_reopening_from_the_concern_page(client, world, bob):
    concern = make_concern(world.a1, by=bob)
    client.force_login(bob)
    url = reverse("assurance:concern-status", kwargs={"pk": concern.pk})
    client.post(url, {"status": "closed"})
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.CLOSED
    client.post(url, {"status": "open"})
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.OPEN


def _fill(world, by, officer, start, n):
    for i in range(start, start + n):
        for provider in (world.a1, world.a2):
            make_concern(
                provider, by=by, reference=f"C{i}", received_on=TODAY - timedelta(days=70), due_in_days=-i - 1
            )
            services.cqc_rating_record(
                provider=provider,
                by=by,
                inspected_on=TODAY - timedelta(days=400 - i),
                published_on=TODAY - timedelta(days=300 - i),
                overall=CqcRating.GOOD,
                report_url="https://www.cqc.org.uk/location/EXAMPLE",
            )
            level = [OversightLevel.ROUTINE, OversightLevel.ENHANCED][i % 2]
            services.oversight_level_set(
                provider=provider, by=officer, level=level, in_mssp=False, reason=f"Step {i}."
            )


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("assurance:oversight", {}),
        ("assurance:oversight-provider", {"ods_code": "AA1"}),
        ("assurance:concern-list", {}),
        ("lmns:quality-provider", {"ods_code": "AA1"}),
    ],
)
def test_pages_keep_a_fixed_number_of_queries(
    client, world, alice, officer, name, kwargs, django_assert_max_num_queries
):
    client.force_login(officer)
    url = reverse(name, kwargs=kwargs)
    _fill(world, alice, officer, 0, 1)
    client.get(url)  # warm the per-request caches that do not depend on the records
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _fill(world, alice, officer, 1, 6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200

from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from assurance.models import Assessment
from assurance.visits.models import Finding, Recommendation, Visit
from incidents.models import Incident, Learning, SafetyAction, SsigMeeting
from lmns.models import Lmns, Provider, Role, Unit
from quality.load_data import generate
from tests.factories import make_framework, make_provider, make_user
from workforce.models import FtsuConcern, WorkforceReturn

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 30)


def _incidents():
    return list(
        Incident.objects.order_by("local_reference").values_list(
            "local_reference",
            "occurred_on",
            "physical_harm",
            "incident_type_id",
            "status",
            "unit__ods_site_code",
        )
    )


def test_generates_a_region_in_proportion_and_prints_rows_per_table(capsys):
    make_framework(actions=4, requirements=2)
    make_framework(actions=2, requirements=3)
    call_command("generate_load_data", providers=2, years=1, lmnss=1, seed=7)

    out = capsys.readouterr().out
    assert Lmns.objects.filter(code="load-1").count() == 1
    assert Provider.objects.count() == 2 and Unit.objects.count() == 4
    for provider in Provider.objects.all():
        count = Incident.objects.filter(provider=provider).count()
        assert 1_300 < count < 1_800  # 12 whole months at about 125, and part of this one
        harms = Incident.objects.filter(provider=provider).values_list("physical_harm", flat=True)
        assert sum(h in {"none", "low"} for h in harms) > 0.8 * count
        assert Incident.objects.filter(provider=provider, mnsi_referred_on__isnull=False).exists()
        assert Incident.objects.filter(provider=provider).referred_to("pmrt").exists()
    old = Incident.objects.filter(occurred_on__lt=date.today() - timedelta(days=91))
    assert old.exists() and not old.exclude(status="closed").exists()
    assert Assessment.objects.count() == 4  # every framework, every provider
    assert Learning.objects.count() == 2 * 13 * 6 and SafetyAction.objects.exists()
    assert SsigMeeting.objects.count() == 13
    assert Visit.objects.exists() and Finding.objects.exists() and Recommendation.objects.exists()
    assert WorkforceReturn.objects.count() == 2 * 12
    assert FtsuConcern.objects.count() > 100
    assert f"{'incident':24} {Incident.objects.count():>9,}" in out
    assert "Generated in" in out
    # Bulk inserts leave no audit trail: load data is made by no one.
    assert not Incident.history.exists()


def test_a_generated_provider_answers_its_quality_view_and_incident_list(client):
    make_framework()
    result = generate(providers=2, years=1, lmnss=1, seed=1, today=TODAY)
    provider = result.providers[0]
    client.force_login(make_user(role=Role.LMNS_OFFICER, lmns=result.lmnss[0]))

    quality = client.get(reverse("lmns:quality-provider", kwargs={"ods_code": provider.ods_code}))
    listing = client.get(
        reverse("incidents:incident-list"),
        {"provider": provider.pk, "physical_harm": "low", "occurred_from": "2026-01-01", "page": 3},
    )

    assert quality.status_code == 200
    assert listing.status_code == 200
    assert listing.context["page"].number == 3
    assert {i.provider_id for i in listing.context["page"]} == {provider.pk}


def test_the_same_seed_makes_the_same_data_and_another_seed_other_data():
    make_framework()
    with transaction.atomic():
        generate(providers=1, years=1, lmnss=1, seed=3, today=TODAY)
        first = _incidents()
        transaction.set_rollback(True)
    with transaction.atomic():
        generate(providers=1, years=1, lmnss=1, seed=3, today=TODAY)
        assert _incidents() == first
        transaction.set_rollback(True)
    generate(providers=1, years=1, lmnss=1, seed=4, today=TODAY)
    assert _incidents() != first


def test_refuses_a_database_with_real_providers_unless_forced():
    make_framework()
    make_provider(ods_code="RXX")
    with pytest.raises(CommandError, match="not generated"):
        call_command("generate_load_data", providers=1, years=1)
    assert not Lmns.objects.filter(code__startswith="load-").exists()

    call_command("generate_load_data", providers=1, years=1, force=True)
    assert Provider.objects.filter(ods_code="Z01").exists()


def test_refuses_without_frameworks():
    with pytest.raises(CommandError, match="load_frameworks"):
        call_command("generate_load_data", providers=1, years=1)
    assert not Provider.objects.exists()


def test_a_second_run_adds_providers_after_the_first():
    make_framework()
    call_command("generate_load_data", providers=1, years=1)
    call_command("generate_load_data", providers=2, years=1)
    assert list(Provider.objects.order_by("ods_code").values_list("ods_code", "lmns__code")) == [
        ("Z01", "load-1"),
        ("Z02", "load-2"),
        ("Z03", "load-2"),
    ]
    with pytest.raises(CommandError, match="between 1 and 96"):
        call_command("generate_load_data", providers=97, years=1)

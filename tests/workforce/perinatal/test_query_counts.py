"""Pages showing perinatal figures and outcome signals keep their query count however many
providers, months and signals there are (issue #21, Speed; bench/perinatal_signals.py measures
their time)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lmns.models import Role, Unit
from lmns.months import add_months, first_of_month
from tests.factories import make_provider
from tests.workforce.perinatal.factories import birth_site, make_birth_site, make_perinatal_return
from workforce.models import WorkforceReturn
from workforce.perinatal import selectors, services
from workforce.perinatal.models import OutcomeSignal, SignalKind

pytestmark = pytest.mark.django_db

LAST_MONTH = add_months(first_of_month(timezone.localdate()), -1)
PERIOD = {"month": f"{LAST_MONTH:%Y-%m}"}


def _returns(provider, months: int) -> None:
    """``months`` of returns to last month, the last with a cluster of term stillbirths that
    opens an LMNS outcome signal (once: a second call finds it open), and a national MOSS
    signal entered beside it."""
    WorkforceReturn.objects.filter(provider=provider).delete()
    for offset in range(months):
        deaths = 4 if offset == 0 else 0
        make_perinatal_return(
            provider, month=add_months(LAST_MONTH, -offset), stillbirths=deaths, term_stillbirths=deaths
        )
    services.outcome_signals_detect(provider=provider)
    services.national_signal_record(
        provider=provider,
        unit=birth_site(provider),
        by=None,
        measure="term_neonatal_deaths",
        level="amber",
        month=LAST_MONTH,
        raised_on=timezone.localdate(),
    )


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url, PERIOD)
    assert page.status_code == 200
    return page, len(queries)


def test_the_lmns_overview_with_signals_takes_the_same_queries_for_more_providers(client, world):
    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    _returns(world.a1, 2)
    url = reverse("lmns:quality")
    few, queries = _get(client, url)
    assert len(few.context["signals"]) == 2
    _returns(world.a1, 24)
    for provider in (world.a2, make_provider(world.lmns_a), make_provider(world.lmns_a)):
        _returns(provider, 12)
    many, more_queries = _get(client, url)
    assert len(many.context["view"].qualities) == 4
    assert len(many.context["signals"]) == 9  # a1's second national signal, and 2 at each other
    assert more_queries == queries


def test_the_quality_view_with_perinatal_figures_takes_the_same_queries_for_more_months(client, world):
    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    url = reverse("lmns:quality-provider", kwargs={"ods_code": world.a1.ods_code})
    _returns(world.a1, 1)
    few, queries = _get(client, url)
    _returns(world.a1, 36)
    for offset in range(1, 6):
        services.national_signal_record(
            provider=world.a1,
            unit=birth_site(world.a1),
            by=None,
            measure="term_stillbirths",
            level="red",
            month=add_months(LAST_MONTH, -offset),
            raised_on=timezone.localdate(),
        )
    many, more_queries = _get(client, url)
    assert len(few.context["perinatal"].signals) == 2
    assert len(many.context["perinatal"].signals) == 8
    assert more_queries == queries


def test_every_sites_cusum_is_one_query_and_each_site_its_own(world, django_assert_num_queries):
    providers = [world.a1, world.a2, world.b1]
    for months, provider in enumerate(providers, start=2):
        _returns(provider, months * 3)
    WorkforceReturn.objects.filter(provider=world.a2, month=add_months(LAST_MONTH, -2)).delete()
    with django_assert_num_queries(1):
        every = selectors.providers_cusums(providers=providers)
    for provider in providers:
        own = selectors.provider_cusums(provider=provider)
        assert [(s.months, s.statistics, s.levels) for s in every[provider.pk]] == [
            (s.months, s.statistics, s.levels) for s in own
        ]
        (stillbirths, _) = every[provider.pk]
        (month, point) = stillbirths.crossings[-1]
        signal = OutcomeSignal.objects.get(provider=provider, kind=SignalKind.LMNS, month=month)
        assert (point.level, round(point.statistic, 3)) == (signal.level, float(signal.statistic))
    # A month without a return is a gap that leaves W where it was.
    gap = every[world.a2.pk][0]
    assert gap.counts[-3] is None and gap.statistics[-3] == gap.statistics[-4]


def _with_sites(world, count: int) -> None:
    """A1's returns at ``count`` birth sites: its maternity unit and ``count - 1`` more."""
    maternity = Unit.objects.get(ods_site_code="AA101")
    WorkforceReturn.objects.filter(provider=world.a1).delete()
    sites = [maternity] + [make_birth_site(world.a1, f"Aardvark Birth Centre {n}") for n in range(1, count)]
    for offset in range(6):
        first = make_perinatal_return(world.a1, month=add_months(LAST_MONTH, -offset), unit=maternity)
        for site in sites[1:]:
            make_perinatal_return(
                world.a1, month=first.workforce_return.month, workforce_return=first.workforce_return,
                unit=site, live_births=30, term_births=28, term_nnu_admissions=1,
            )  # fmt: skip
    services.outcome_signals_detect(provider=world.a1)
    for site in sites:
        services.national_signal_record(
            provider=world.a1, unit=site, by=None, measure="term_stillbirths", level="amber",
            month=LAST_MONTH, raised_on=timezone.localdate(),
        )  # fmt: skip


@pytest.mark.parametrize(
    "page",
    ["return", "perinatal", "overview", "quality"],
)
def test_pages_take_no_more_queries_for_more_birth_sites(client, world, page, django_assert_max_num_queries):
    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])

    def url():
        return {
            "return": lambda: WorkforceReturn.objects.get(
                provider=world.a1, month=LAST_MONTH
            ).get_absolute_url(),
            "perinatal": lambda: reverse("workforce:perinatal", kwargs={"ods_code": world.a1.ods_code}),
            "overview": lambda: reverse("lmns:quality"),
            "quality": lambda: reverse("lmns:quality-provider", kwargs={"ods_code": world.a1.ods_code}),
        }[page]()

    _with_sites(world, 1)
    _page, queries = _get(client, url())
    _with_sites(world, 4)
    address = url()
    with django_assert_max_num_queries(queries):
        several = client.get(address, PERIOD)
    assert several.status_code == 200
    # Every page names the sites: the return's table by site, the CUSUM titles, the signal tables.
    assert "Aardvark Birth Centre 3" in several.content.decode()

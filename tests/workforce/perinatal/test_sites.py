"""The monthly perinatal return per birth site: a provider's figures are its sites' sum, the
LMNS outcome signal runs at each site (as MOSS signals a site), and the one form asks each
site's counts, saving all of them or none."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from lmns.models import Role, Unit, UnitType
from lmns.months import add_months, first_of_month
from tests.factories import make_provider, make_user
from tests.workforce.perinatal.factories import CENTRE_FIGURES as CENTRE
from tests.workforce.perinatal.factories import (
    PERINATAL_FIGURES,
    birth_site,
    make_birth_site,
    make_perinatal_return,
    site_form,
)
from tests.workforce.test_returns import _form
from workforce.models import WorkforceReturn
from workforce.perinatal import selectors, services
from workforce.perinatal.cusum import cusum_statistics
from workforce.perinatal.models import OutcomeSignal, PerinatalReturn, SignalKind
from workforce.perinatal.quality import perinatal_summaries, provider_section
from workforce.perinatal.reference import signal_reference

pytestmark = pytest.mark.django_db

LAST_MONTH = add_months(first_of_month(timezone.localdate()), -1)


@pytest.fixture
def centre(world):
    return make_birth_site(world.a1, "Aardvark Birth Centre")


def _maternity():
    return Unit.objects.get(ods_site_code="AA101")


class _Period:
    def __init__(self, month):
        self.start, self.end, self.months = month, add_months(month, 1), 1


def _month_at_both(world, centre, month=LAST_MONTH, **centre_figures):
    maternity = make_perinatal_return(world.a1, month=month, unit=_maternity())
    make_perinatal_return(
        world.a1, month=month, workforce_return=maternity.workforce_return, unit=centre,
        **{**CENTRE, **centre_figures},
    )  # fmt: skip
    return maternity.workforce_return


def test_two_sites_figures_sum_to_the_providers_rates(client, world, alice, centre):
    WorkforceReturn.objects.filter(provider=world.a1).delete()
    workforce_return = _month_at_both(world, centre, stillbirths=1)
    # 372 + 30 live births, 1 + 1 stillbirths: 2 of 404 births is 4.95 per 1,000.
    figures = selectors.return_figures(workforce_return)
    assert (figures.live_births, figures.stillbirths, figures.total_births) == (402, 2, 404)
    section = provider_section(user=alice, provider=world.a1, period=_Period(LAST_MONTH))
    stillbirths = next(row.text for row in section.rates if row.rate.key == "stillbirth_rate")
    assert stillbirths == "4.95 per 1,000 (2 of 404 births)"
    summary = perinatal_summaries(user=alice, providers=[world.a1], period=_Period(LAST_MONTH))[world.a1.pk]
    assert summary.rates[0].text == stillbirths and summary.returned == {LAST_MONTH: workforce_return.pk}
    client.force_login(alice)
    page = unescape(client.get(workforce_return.get_absolute_url()).content.decode())
    assert "4.95 per 1,000 (2 of 404 births)" in page
    assert "its 2 birth sites added together" in page
    # Each site's own term rates in the table by site.
    assert "Aardvark Birth Centre" in page and "0.00 per 1,000 (0 of 28 term births)" in page
    assert "0.00 per 1,000 (0 of 345 term births)" in page


def test_a_cluster_at_one_site_signals_there_though_the_providers_sum_would_not(client, world, alice, centre):
    WorkforceReturn.objects.filter(provider=world.a1).delete()
    for offset in range(5, 0, -1):
        _month_at_both(world, centre, month=add_months(LAST_MONTH, -offset))
    _month_at_both(world, centre, stillbirths=3, term_stillbirths=3, term_births=30, live_births=27)
    (signal,) = services.outcome_signals_detect(provider=world.a1, by=alice)
    assert (signal.unit, signal.measure, signal.month, signal.level) == (
        centre,
        "term_stillbirths",
        LAST_MONTH,
        "amber",
    )
    # The same deaths among the provider's summed term births (345 + 30) cross nothing: the
    # birth centre's cluster would be diluted by the maternity unit's births.
    ref = signal_reference().measures["term_stillbirths"]
    summed = [(0, 345 + 28)] * 5 + [(3, 345 + 30)]
    _statistics, levels = cusum_statistics(
        summed, reference_rate=ref.reference_rate, amber=ref.amber, red=ref.red, rate_ratio=2
    )
    assert levels == [None] * 6
    client.force_login(alice)
    page = unescape(client.get(reverse("workforce:perinatal", kwargs={"ods_code": "AA1"})).content.decode())
    assert "Aardvark Birth Centre: Term stillbirths: the last 12 months" in page
    assert "Aardvark Hospitals NHS Trust Maternity Unit: Term stillbirths: the last 12 months" in page
    log = unescape(client.get(reverse("workforce:signals")).content.decode())
    assert "Aardvark Birth Centre" in log
    detail = unescape(client.get(signal.get_absolute_url()).content.decode())
    assert "Aardvark Birth Centre" in detail


def test_month_on_month_jumps_compare_a_site_with_its_own_previous_month(world, alice, centre):
    WorkforceReturn.objects.filter(provider=world.a1).delete()
    _month_at_both(world, centre, month=add_months(LAST_MONTH, -1))
    figures = {
        _maternity(): PERINATAL_FIGURES,
        centre: {**CENTRE, "live_births": 60, "term_births": 56},
    }
    with pytest.raises(Exception) as refused:
        services.monthly_return_submit(
            provider=world.a1, month=LAST_MONTH, by=alice, workforce=_workforce(world), perinatal=figures
        )
    assert "Aardvark Birth Centre: Live births: 30 in" in str(refused.value)
    # The provider's sum (402 to 432) moved less than a quarter: only the site shows the jump.
    assert "Maternity Unit: Live births" not in str(refused.value)


def _workforce(world) -> dict:
    from workforce.forms import WorkforceReturnForm

    form = WorkforceReturnForm(
        {k: v for k, v in _form(world).items() if not k.startswith("perinatal-")}, user=_lead(world)
    )
    assert form.is_valid(), form.errors
    fields = dict(form.cleaned_data)
    for name in ("provider", "month", "confirm_changes"):
        fields.pop(name)
    return fields


def _lead(world):
    return world.personas[f"provider:{Role.PROVIDER_LEAD}"]


def test_the_form_with_two_sites_saves_both_or_neither(client, world, alice, centre):
    WorkforceReturn.objects.filter(provider=world.a1, month=LAST_MONTH).delete()
    client.force_login(alice)
    page = client.get(reverse("workforce:return-create")).content.decode()
    assert "Aardvark Birth Centre" in page and "Aardvark Hospitals NHS Trust Maternity Unit" in page
    bad = {**_form(world), **site_form(centre.ods_site_code, **{**CENTRE, "term_stillbirths": 1})}
    response = client.post(reverse("workforce:return-create"), bad)
    assert response.status_code == 200
    forms = {form.unit.name: form for form in response.context["perinatal_forms"]}
    # The obstetric unit first, though the birth centre's name sorts before it.
    assert list(forms) == ["Aardvark Hospitals NHS Trust Maternity Unit", "Aardvark Birth Centre"]
    assert "term_stillbirths" in forms["Aardvark Birth Centre"].errors
    assert not forms["Aardvark Hospitals NHS Trust Maternity Unit"].errors
    page = unescape(response.content.decode())
    # The error summary names the site and links to the field in its own fieldset.
    assert f'href="#id_perinatal-{centre.ods_site_code}-term_stillbirths"' in page
    assert "Aardvark Birth Centre, of the stillbirths, at term:" in page
    assert not WorkforceReturn.objects.filter(provider=world.a1, month=LAST_MONTH).exists()
    assert not PerinatalReturn.objects.filter(workforce_return__month=LAST_MONTH).exists()
    good = {**_form(world), **site_form(centre.ods_site_code, **CENTRE)}
    assert client.post(reverse("workforce:return-create"), good).status_code == 302
    saved = PerinatalReturn.objects.filter(
        workforce_return__provider=world.a1, workforce_return__month=LAST_MONTH
    )
    assert sorted(saved.values_list("unit__name", "live_births")) == [
        ("Aardvark Birth Centre", 30),
        ("Aardvark Hospitals NHS Trust Maternity Unit", 372),
    ]


def test_a_site_left_out_of_the_service_saves_nothing(world, alice, centre):
    WorkforceReturn.objects.filter(provider=world.a1, month=LAST_MONTH).delete()
    with pytest.raises(Exception, match="none were given for Aardvark Birth Centre"):
        services.monthly_return_submit(
            provider=world.a1, month=LAST_MONTH, by=alice, workforce=_workforce(world),
            perinatal={_maternity(): PERINATAL_FIGURES},
        )  # fmt: skip
    assert not WorkforceReturn.objects.filter(provider=world.a1, month=LAST_MONTH).exists()


def test_a_provider_with_no_birth_site_is_told_to_ask_the_lmns(client, world):
    bare = make_provider(world.lmns_a, "Bare Trust", "BAR")
    make_birth_site(bare, "Bare Neonatal Unit", UnitType.NEONATAL_SCU)
    lead = make_user(role=Role.PROVIDER_LEAD, provider=bare)
    client.force_login(lead)
    page = unescape(client.get(reverse("workforce:return-create")).content.decode())
    assert "Bare Trust has no birth site" in page
    assert reverse("lmns:provider-detail", kwargs={"ods_code": "BAR"}) in page
    assert 'name="perinatal-' not in page


def test_a_lead_of_several_providers_chooses_the_provider_first(client, world, alice):
    from lmns.models import Membership

    Membership.objects.create(user=alice, role=Role.PROVIDER_LEAD, provider=world.a2)
    client.force_login(alice)
    page = client.get(reverse("workforce:return-create")).content.decode()
    assert "choose the provider first" in page and 'name="perinatal-' not in page
    page = client.get(reverse("workforce:return-create"), {"provider": world.a2.pk}).content.decode()
    assert 'name="perinatal-AA201-live_births"' in page and "AA101" not in page


def test_continuing_without_a_provider_or_with_another_says_so(client, world, alice):
    from lmns.models import Membership

    Membership.objects.create(user=alice, role=Role.PROVIDER_LEAD, provider=world.a2)
    client.force_login(alice)
    url = reverse("workforce:return-create")
    for response in (client.get(url, {"provider": ""}), client.post(url, {"month": LAST_MONTH.isoformat()})):
        page = response.content.decode()
        assert "There is a problem" in page and "Choose the provider whose return this is" in page
        assert 'name="perinatal-' not in page
    page = client.get(url, {"provider": world.b1.pk}).content.decode()
    assert "There is a problem" in page and "Select a valid choice" in page
    assert not WorkforceReturn.objects.filter(month=LAST_MONTH, provider__in=[world.a1, world.a2]).exists()


def test_the_national_signal_asks_for_a_site_and_refuses_another_providers(client, world, alice, centre):
    client.force_login(alice)
    form = client.get(reverse("workforce:signal-create")).context["form"]
    assert set(form.fields["unit"].queryset) == {_maternity(), centre}
    body = {
        "measure": "term_stillbirths",
        "level": "amber",
        "month": LAST_MONTH.isoformat(),
        "raised_on": timezone.localdate().isoformat(),
    }
    refused = client.post(reverse("workforce:signal-create"), {**body, "unit": birth_site(world.b1).pk})
    assert refused.status_code == 200 and "unit" in refused.context["form"].errors
    with pytest.raises(Exception, match="is not a site of this provider"):
        services.national_signal_record(
            provider=world.a1, unit=birth_site(world.b1), by=alice, measure="term_stillbirths", level="amber",
            month=LAST_MONTH, raised_on=timezone.localdate(),
        )  # fmt: skip
    assert not OutcomeSignal.objects.filter(kind=SignalKind.NATIONAL).exists()
    client.post(reverse("workforce:signal-create"), {**body, "unit": centre.pk})
    assert OutcomeSignal.objects.get(kind=SignalKind.NATIONAL).unit == centre


def test_an_old_month_is_corrected_without_figures_for_a_site_added_since(client, world, alice):
    old = add_months(LAST_MONTH, -3)
    WorkforceReturn.objects.filter(provider=world.a1, month=old).delete()
    client.force_login(alice)
    assert client.post(reverse("workforce:return-create"), _form(world, month=old)).status_code == 302
    workforce_return = WorkforceReturn.objects.get(provider=world.a1, month=old)
    centre = make_birth_site(world.a1, "Aardvark Birth Centre")
    url = reverse("workforce:return-edit", kwargs={"pk": workforce_return.pk})
    page = unescape(client.get(url).content.decode())
    assert "If no babies were born here that month" in page
    (optional,) = re.findall(rf'<input[^>]*name="perinatal-{centre.ods_site_code}-live_births"[^>]*>', page)
    (required,) = re.findall(r'<input[^>]*name="perinatal-AA101-live_births"[^>]*>', page)
    assert " required" not in optional and " required" in required
    # Only a workforce figure corrected: the new site is left without figures for the month.
    response = client.post(url, _form(world, month=old, turnover_rate="13.0"))
    assert response.status_code == 302, response.context["form"].errors
    workforce_return.refresh_from_db()
    assert workforce_return.turnover_rate == Decimal("13.0")
    assert not PerinatalReturn.objects.filter(workforce_return=workforce_return, unit=centre).exists()
    assert PerinatalReturn.objects.filter(workforce_return=workforce_return, unit=_maternity()).exists()
    # Figures given for the new site that month are saved beside the others.
    response = client.post(url, {**_form(world, month=old), **site_form(centre.ods_site_code, **CENTRE)})
    assert response.status_code == 302
    assert PerinatalReturn.objects.get(workforce_return=workforce_return, unit=centre).live_births == 30


def test_a_new_return_still_needs_every_birth_sites_figures(client, world, alice, centre):
    WorkforceReturn.objects.filter(provider=world.a1, month=LAST_MONTH).delete()
    client.force_login(alice)
    response = client.post(reverse("workforce:return-create"), _form(world))
    assert response.status_code == 200
    forms = {form.unit: form for form in response.context["perinatal_forms"]}
    assert "live_births" in forms[centre].errors
    assert not WorkforceReturn.objects.filter(provider=world.a1, month=LAST_MONTH).exists()


def test_a_providers_birth_sites_are_listed_obstetric_unit_first_everywhere(world):
    make_birth_site(world.a1, "A Freestanding Centre", UnitType.FREESTANDING_MLU)
    make_birth_site(world.a1, "Aardvark Alongside Centre")
    make_birth_site(world.a1, "Aardvark Neonatal Unit", UnitType.NEONATAL_LNU)
    expected = [
        "Aardvark Hospitals NHS Trust Maternity Unit",
        "Aardvark Alongside Centre",
        "A Freestanding Centre",
    ]
    sites = list(Unit.objects.filter(provider=world.a1).birth_sites())
    assert [site.name for site in sites] == expected
    # Sites already fetched sort the same way, as the CUSUM charts and the services' checks do.
    assert [site.name for site in sorted(reversed(sites), key=lambda unit: unit.birth_site_key)] == expected

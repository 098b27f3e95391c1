"""The perinatal half of the monthly return, its rates and charts, and the outcome signal log."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from lmns.models import Role
from lmns.months import add_months, first_of_month
from tests.workforce.perinatal.factories import PERINATAL_FIGURES, birth_site, make_perinatal_return
from tests.workforce.test_returns import _form
from workforce.models import WorkforceReturn
from workforce.perinatal import selectors, services
from workforce.perinatal.models import (
    OutcomeSignal,
    PerinatalReturn,
    SafetyCheckAction,
    SignalKind,
    signal_window_start,
)
from workforce.perinatal.working_days import add_working_days

pytestmark = pytest.mark.django_db

THIS_MONTH = first_of_month(timezone.localdate())
LAST_MONTH = add_months(THIS_MONTH, -1)


def test_the_perinatal_figures_are_submitted_with_the_workforce_return(client, world, alice):
    client.force_login(alice)
    response = client.post(reverse("workforce:return-create"), _form(world))
    assert response.status_code == 302
    perinatal = PerinatalReturn.objects.get(
        workforce_return__provider=world.a1, workforce_return__month=LAST_MONTH
    )
    assert (perinatal.total_births, perinatal.term_live_births) == (373, 345)
    page = client.get(perinatal.workforce_return.get_absolute_url()).content.decode()
    # Every rate with its count and denominator.
    assert "2.68 per 1,000 (1 of 373 births)" in page
    assert "2.69 per 1,000 (1 of 372 live births)" in page
    assert "95.0% (1,178 of 1,240 shifts planned)" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"term_stillbirths": "2"}, "term_stillbirths", "the number of stillbirths (1)"),
        ({"term_births": "400"}, "term_births", "births (live births and stillbirths) (373)"),
        ({"term_neonatal_deaths": "2"}, "term_neonatal_deaths", "the number of neonatal deaths (1)"),
        ({"midwifery_shifts_filled": "1300"}, "midwifery_shifts_filled", "midwifery shifts planned (1240)"),
        ({"fft_positive": "161"}, "fft_positive", "Friends and Family Test responses (160)"),
        ({"live_births": "-1"}, "live_births", "greater than or equal to 0"),
    ],
)
def test_a_part_larger_than_its_whole_is_refused_and_nothing_is_saved(
    client, world, alice, overrides, field, message
):
    client.force_login(alice)
    data = _form(world, **{f"perinatal-AA101-{name}": value for name, value in overrides.items()})
    response = client.post(reverse("workforce:return-create"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["perinatal_forms"][0].errors[field])
    assert "There is a problem" in response.content.decode()
    assert not WorkforceReturn.objects.filter(provider=world.a1, month=LAST_MONTH).exists()


def test_a_jump_in_births_must_be_confirmed_before_the_return_is_saved(client, world, alice):
    WorkforceReturn.objects.filter(provider=world.a1).delete()
    make_perinatal_return(world.a1, month=add_months(LAST_MONTH, -1))
    client.force_login(alice)
    data = _form(world, **{"perinatal-AA101-live_births": "600", "perinatal-AA101-term_births": "560"})
    response = client.post(reverse("workforce:return-create"), data)
    page = response.content.decode()
    assert response.status_code == 200 and response.context["needs_confirmation"]
    assert "Live births: 372 in" in page and "600 now." in page
    assert not WorkforceReturn.objects.filter(provider=world.a1, month=LAST_MONTH).exists()
    response = client.post(reverse("workforce:return-create"), {**data, "confirm_changes": "on"})
    assert response.status_code == 302
    saved = PerinatalReturn.objects.get(
        workforce_return__provider=world.a1, workforce_return__month=LAST_MONTH
    )
    assert "Live births: 372" in saved.confirmed_changes


def test_correcting_an_old_return_adds_its_perinatal_figures(client, world, alice):
    workforce_return = world.record("workforce_return", world.a1)
    client.force_login(alice)
    data = {k: v for k, v in _form(world).items() if k not in {"provider", "month"}}
    response = client.post(reverse("workforce:return-edit", kwargs={"pk": workforce_return.pk}), data)
    assert response.status_code == 302
    (site,) = workforce_return.perinatal_sites.all()
    assert (site.unit.ods_site_code, site.live_births) == ("AA101", PERINATAL_FIGURES["live_births"])


def _cluster(provider, months=6, deaths_in_last=4):
    """Quiet months at a provider, then a month with ``deaths_in_last`` term stillbirths."""
    WorkforceReturn.objects.filter(provider=provider).delete()
    for offset in range(months):
        month = add_months(LAST_MONTH, offset - months + 1)
        deaths = deaths_in_last if offset == months - 1 else 0
        make_perinatal_return(provider, month=month, stillbirths=deaths, term_stillbirths=deaths)


def test_a_cluster_of_term_stillbirths_opens_an_lmns_outcome_signal_once(world, alice):
    _cluster(world.a1)
    today = date(2026, 12, 23)
    (signal,) = services.outcome_signals_detect(provider=world.a1, by=alice, today=today)
    assert (signal.kind, signal.measure, signal.month) == (SignalKind.LMNS, "term_stillbirths", LAST_MONTH)
    # 4 x ln 2 - 341 x -ln(0.9976/0.9988) after quiet months have held W at zero: amber (2.0).
    assert signal.level == "amber" and 2.0 <= float(signal.statistic) < 3.0
    assert signal.check_due_on == date(2027, 1, 7)  # over Christmas, Boxing Day and New Year
    assert services.outcome_signals_detect(provider=world.a1, by=alice, today=today) == []


def test_only_a_crossing_in_a_recent_month_opens_a_signal_with_its_check(world, alice):
    # Importing years of figures used to open a check, due in eight working days, for every
    # crossing they held, however old: the log filled with overdue checks for history.
    today = timezone.localdate()
    since = signal_window_start(today)
    assert since == add_months(THIS_MONTH, -3)
    for month, opens in [(LAST_MONTH, True), (since, True), (add_months(since, -1), False)]:
        OutcomeSignal.objects.all().delete()
        _cluster(world.a1, months=12, deaths_in_last=0)
        returns = PerinatalReturn.objects.filter(workforce_return__provider=world.a1)
        returns.filter(workforce_return__month=month).update(stillbirths=4, term_stillbirths=4)
        opened = services.outcome_signals_detect(provider=world.a1, by=alice, today=today)
        assert [signal.month for signal in opened] == ([month] if opens else []), month
        if opens:
            assert opened[0].check_due_on == add_working_days(today, 8)
        cusums = selectors.provider_cusums(provider=world.a1)
        past = selectors.past_crossings(provider=world.a1, cusums=cusums, today=today)
        assert [crossing.month for crossing in past.crossings] == ([] if opens else [month])


def test_the_provider_page_says_plainly_which_past_crossings_opened_no_check(client, world, alice):
    old = add_months(LAST_MONTH, -20)
    _cluster(world.a1, months=24, deaths_in_last=0)
    PerinatalReturn.objects.filter(workforce_return__provider=world.a1, workforce_return__month=old).update(
        stillbirths=4, term_stillbirths=4
    )
    assert services.outcome_signals_detect(provider=world.a1, by=alice) == []
    client.force_login(alice)
    page = unescape(client.get(reverse("workforce:perinatal", kwargs={"ods_code": "AA1"})).content.decode())
    since = signal_window_start(timezone.localdate())
    assert (
        f"1 past crossing of the LMNS outcome signal's thresholds, in months before {since:%B %Y}, was found "
        "in historical figures and opened no critical safety check."
    ) in page
    assert f"Term stillbirths, {old:%B %Y}: amber" in page


def test_a_correction_on_the_form_that_brings_about_an_old_crossing_opens_its_signal(client, world, alice):
    # The import window once held every save: a late death recorded on an old month's form
    # opened nothing, and was named only on the provider's page.
    old = add_months(LAST_MONTH, -8)
    _cluster(world.a1, months=12, deaths_in_last=0)
    workforce_return = WorkforceReturn.objects.get(provider=world.a1, month=old)
    client.force_login(alice)
    data = {k: v for k, v in _form(world).items() if k not in {"provider", "month"}}
    data.update(
        {"perinatal-AA101-stillbirths": "4", "perinatal-AA101-term_stillbirths": "4", "confirm_changes": "on"}
    )
    response = client.post(reverse("workforce:return-edit", kwargs={"pk": workforce_return.pk}), data)
    assert response.status_code == 302
    signal = OutcomeSignal.objects.get(provider=world.a1)
    assert (signal.measure, signal.month) == ("term_stillbirths", old)
    assert signal.check_due_on == add_working_days(timezone.localdate(), 8)
    cusums = selectors.provider_cusums(provider=world.a1)
    assert not selectors.past_crossings(provider=world.a1, cusums=cusums)


def test_a_later_return_on_the_form_leaves_an_imported_past_crossing_as_history(client, world, alice):
    old = add_months(LAST_MONTH, -8)
    _cluster(world.a1, months=12, deaths_in_last=0)
    PerinatalReturn.objects.filter(workforce_return__provider=world.a1, workforce_return__month=old).update(
        stillbirths=4, term_stillbirths=4
    )
    assert services.outcome_signals_detect(provider=world.a1, by=alice) == []  # as an import runs it
    WorkforceReturn.objects.filter(provider=world.a1, month=LAST_MONTH).delete()
    client.force_login(alice)
    assert client.post(reverse("workforce:return-create"), _form(world)).status_code == 302
    assert not OutcomeSignal.objects.filter(provider=world.a1).exists()
    cusums = selectors.provider_cusums(provider=world.a1)
    assert [c.month for c in selectors.past_crossings(provider=world.a1, cusums=cusums).crossings] == [old]


def test_submitting_the_month_that_crosses_the_threshold_opens_the_signal(client, world, alice):
    _cluster(world.a1, months=3, deaths_in_last=0)
    WorkforceReturn.objects.filter(provider=world.a1, month=LAST_MONTH).delete()
    client.force_login(alice)
    data = _form(world, **{"perinatal-AA101-stillbirths": "5", "perinatal-AA101-term_stillbirths": "5"})
    assert client.post(reverse("workforce:return-create"), data).status_code == 302
    signal = OutcomeSignal.objects.get(provider=world.a1)
    assert signal.level == "red"
    assert signal.check_due_on == add_working_days(timezone.localdate(), 8)
    page = client.get(reverse("workforce:perinatal", kwargs={"ods_code": "AA1"})).content.decode()
    assert "LMNS outcome signal: Term stillbirths" in page
    assert "MOSS</span>" not in page.replace("is not MOSS", "")


def test_the_submitter_is_told_of_the_signal_their_return_opened(client, world, alice):
    # Only the provider's perinatal page used to show it: the lead who had just submitted the
    # month that opened a signal was told "Return submitted." and nothing of the check now due.
    _cluster(world.a1, months=3, deaths_in_last=0)
    WorkforceReturn.objects.filter(provider=world.a1, month=LAST_MONTH).delete()
    client.force_login(alice)
    data = _form(world, **{"perinatal-AA101-stillbirths": "4", "perinatal-AA101-term_stillbirths": "4"})
    page = client.post(reverse("workforce:return-create"), data, follow=True).content.decode()
    signal = OutcomeSignal.objects.get(provider=world.a1)
    assert (
        "submitted. It opened an amber LMNS outcome signal at Aardvark Hospitals NHS Trust Maternity Unit "
        f"for term stillbirths ({LAST_MONTH:%B %Y}): "
        f"its critical safety check is due by {signal.check_due_on:%-d %B %Y}."
    ) in page
    # Correcting the month opens no new signal, and says nothing of the one already open.
    correction = {k: v for k, v in data.items() if k not in {"provider", "month"}}
    url = reverse(
        "workforce:return-edit", kwargs={"pk": signal.provider.workforce_returns.get(month=LAST_MONTH).pk}
    )
    page = client.post(url, correction, follow=True).content.decode()
    assert f"Return for {LAST_MONTH:%B %Y} corrected." in page
    assert "It opened" not in page


def test_an_overdue_check_is_red_and_the_lmns_sees_it(client, world):
    signal = services.national_signal_record(
        provider=world.a2,
        unit=birth_site(world.a2),
        by=None,
        measure="term_neonatal_deaths",
        level="red",
        month=LAST_MONTH,
        raised_on=timezone.localdate() - timedelta(days=30),
    )
    assert signal.is_overdue
    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    page = client.get(reverse("workforce:signals")).content.decode()
    assert "National MOSS signal (received by the trust): Term neonatal deaths" in page
    # The design system's tag macro puts the tag's text on a line of its own.
    assert re.search(r'nhsuk-tag--red">\s*Overdue', page)
    # The table's focusable wrapper is named, by its caption, even without JavaScript.
    assert 'tabindex="0" role="region" aria-label="Outcome signals and their critical safety checks"' in page
    # A provider's users see only their own provider's signals.
    client.force_login(world.personas[f"provider:{Role.PROVIDER_LEAD}"])
    assert "Albatross" not in client.get(reverse("workforce:signals")).content.decode()
    assert client.get(signal.get_absolute_url()).status_code == 404


def test_the_provider_lead_records_the_check_and_its_actions(client, world, alice, bob):
    client.force_login(alice)
    response = client.post(
        reverse("workforce:signal-create"),
        {
            "unit": birth_site(world.a1).pk,
            "measure": "term_stillbirths",
            "level": "amber",
            "month": LAST_MONTH.isoformat(),
            "raised_on": timezone.localdate().isoformat(),
        },
    )
    signal = OutcomeSignal.objects.get(provider=world.a1, kind=SignalKind.NATIONAL)
    assert response.url == signal.get_absolute_url()
    check_url = reverse("workforce:signal-check", kwargs={"pk": signal.pk})
    # Completing needs findings.
    response = client.post(
        check_url, {"findings": "", "check_completed_on": timezone.localdate().isoformat()}
    )
    assert "Enter the findings before completing the check." in response.content.decode()
    client.post(
        check_url,
        {
            "findings": "Escalation in triage was delayed on nights.",
            "check_completed_on": timezone.localdate(),
        },
    )
    signal.refresh_from_db()
    assert signal.is_complete and signal.shared_with_lmns_at is not None
    client.post(
        reverse("workforce:signal-action-create", kwargs={"pk": signal.pk}),
        {"description": "Audit triage escalation", "owner": "Triage lead midwife", "due_on": "2027-01-31"},
    )
    action = SafetyCheckAction.objects.get(signal=signal)
    client.post(reverse("workforce:signal-action-complete", kwargs={"pk": action.pk}))
    action.refresh_from_db()
    assert action.completed_on == timezone.localdate()
    # A contributor reads the signal but cannot record its check.
    client.force_login(bob)
    assert client.get(signal.get_absolute_url()).status_code == 200
    assert client.get(check_url).status_code == 403


def test_the_provider_page_charts_months_that_can_have_a_return(client, world, alice):
    # It ran to the current month, whose figures cannot be in yet: every chart ended on a gap.
    client.force_login(alice)
    response = client.get(reverse("workforce:perinatal", kwargs={"ods_code": "AA1"}))
    assert response.context["months"][-1] == LAST_MONTH
    assert f"to {LAST_MONTH:%B %Y}." in response.content.decode()


def test_perinatal_pages_keep_their_query_count_however_many_months(
    client, world, alice, django_assert_max_num_queries
):
    WorkforceReturn.objects.filter(provider=world.a1).delete()
    client.force_login(alice)
    url = reverse("workforce:perinatal", kwargs={"ods_code": "AA1"})
    client.get(url)
    for offset in range(24):
        make_perinatal_return(world.a1, month=add_months(LAST_MONTH, -offset))
    for offset in range(5):
        services.national_signal_record(
            provider=world.a1, unit=birth_site(world.a1), by=None, measure="term_stillbirths", level="amber",
            month=LAST_MONTH, raised_on=timezone.localdate() - timedelta(days=offset),
        )  # fmt: skip
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert 'aria-labelledby="chart-stillbirth_rate-title' in page
    assert "p-chart: pooled rate" in page
    with django_assert_max_num_queries(8):
        client.get(reverse("workforce:signals"))


def test_the_quality_view_shows_deaths_rates_and_an_overdue_check_in_red(client, world):
    WorkforceReturn.objects.filter(provider=world.a1).delete()
    perinatal = make_perinatal_return(
        world.a1, month=LAST_MONTH, stillbirths=2, term_stillbirths=1, obstetric_rota_gaps=5
    )
    signal = services.national_signal_record(
        provider=world.a1,
        unit=birth_site(world.a1),
        by=None,
        measure="term_stillbirths",
        level="amber",
        month=LAST_MONTH,
        raised_on=timezone.localdate() - timedelta(days=40),
    )
    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    response = client.get(
        reverse("lmns:quality-provider", kwargs={"ods_code": "AA1"}), {"month": f"{LAST_MONTH:%Y-%m}"}
    )
    page = response.content.decode()
    assert "Perinatal outcomes and signals" in page
    assert "5.35 per 1,000 (2 of 374 births)" in page
    assert "1 critical safety check overdue" in page
    # The design system's tag macro puts its text on a line of its own.
    assert re.search(r'nhsuk-tag--red">\s*Overdue', page)
    assert f'href="{signal.get_absolute_url()}"' in page
    assert f'href="{perinatal.workforce_return.get_absolute_url()}"' in page
    assert "not MOSS" in page
    # The rota gaps of the month's return, linked to it, as the return's page shows them.
    assert (
        f'<a href="{perinatal.workforce_return.get_absolute_url()}">5 shifts'
        '<span class="nhsuk-u-visually-hidden">: obstetric rota gaps, see the return</span></a> '
        "on the obstetric medical rota not filled"
    ) in page
    # A month with no return yet says so, rather than "0 shifts", which read as a full rota.
    WorkforceReturn.objects.filter(provider=world.a1).delete()
    page = client.get(
        reverse("lmns:quality-provider", kwargs={"ods_code": "AA1"}), {"month": f"{LAST_MONTH:%Y-%m}"}
    ).content.decode()
    assert "No monthly return for the period yet" in page and "0 shifts" not in page


def test_the_lmns_overview_lists_every_providers_signals_with_overdue_checks_in_red(client, world):
    for provider, days in [(world.a1, 40), (world.a2, 0), (world.b1, 40)]:
        services.national_signal_record(
            provider=provider,
            unit=birth_site(provider),
            by=None,
            measure="term_stillbirths",
            level="red",
            month=LAST_MONTH,
            raised_on=timezone.localdate() - timedelta(days=days),
        )
    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    page = client.get(reverse("lmns:quality")).content.decode()
    section = page[page.index('id="signals"') : page.index("Special cause concern")]
    assert section.count("National MOSS signal") == 2
    assert len(re.findall(r'nhsuk-tag--red">\s*Overdue', section)) == 1
    assert "Albatross Health NHS Trust" in section and "Badger" not in page

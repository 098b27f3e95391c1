"""The monthly return through the API: the perinatal figures go with the workforce figures,
are refused as the page refuses them, and saving runs the LMNS outcome signal."""

import pytest

from lmns.months import add_months
from tests.api.conftest import client_with_token
from tests.workforce.perinatal.factories import PERINATAL_FIGURES, make_birth_site, make_perinatal_return
from tests.workforce.test_returns import LAST_MONTH, _form
from workforce.models import WorkforceReturn
from workforce.perinatal.models import OutcomeSignal, PerinatalReturn

pytestmark = pytest.mark.django_db

RETURNS = "/api/v1/workforce-returns/"


def _body(world, **perinatal):
    workforce = {k: v for k, v in _form(world).items() if not k.startswith("perinatal-")}
    return {
        **workforce,
        "provider": "AA1",
        "perinatal": [{"site": "AA101", **PERINATAL_FIGURES, **perinatal}],
    }


@pytest.fixture
def api(alice):
    return client_with_token(alice)


def _saved():
    return WorkforceReturn.objects.filter(month=LAST_MONTH, provider__ods_code="AA1")


def test_the_perinatal_figures_are_saved_and_returned_with_their_rates(world, api):
    _saved().delete()
    response = api.post(RETURNS, _body(world), format="json")
    assert response.status_code == 201, response.content
    (perinatal,) = response.json()["perinatal"]
    assert (perinatal["site"], perinatal["live_births"]) == ("AA101", 372)
    assert response.json()["perinatal_total"]["live_births"] == 372
    stillbirths = next(rate for rate in perinatal["rates"] if rate["key"] == "stillbirth_rate")
    assert (stillbirths["count"], stillbirths["denominator"], stillbirths["rate"]) == (1, 373, "2.68")
    assert PerinatalReturn.objects.get(workforce_return__in=_saved()).fft_positive == 150
    listed = api.get(RETURNS).json()["results"]
    assert any(row["perinatal"] and row["perinatal"][0]["pmrt_reviews"] == 2 for row in listed)


def test_a_return_from_before_the_perinatal_figures_reads_them_as_empty(world, api):
    workforce_return = world.record("workforce_return", world.a1)
    PerinatalReturn.objects.filter(workforce_return=workforce_return).delete()
    body = api.get(f"{RETURNS}{workforce_return.pk}/").json()
    assert (body["perinatal"], body["perinatal_total"]) == ([], None)


@pytest.mark.parametrize(
    ("perinatal", "field", "message"),
    [
        ({"term_stillbirths": 2}, "term_stillbirths", "the number of stillbirths (1)"),
        ({"fft_positive": 161}, "fft_positive", "Friends and Family Test responses (160)"),
        ({"live_births": "many"}, "live_births", "Enter a whole number"),
    ],
)
def test_a_bad_figure_is_refused_with_its_field_named_and_nothing_saved(
    world, api, perinatal, field, message
):
    _saved().delete()
    response = api.post(RETURNS, _body(world, **perinatal), format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()["perinatal"][0][field])
    assert not _saved().exists()
    assert not PerinatalReturn.objects.filter(workforce_return__month=LAST_MONTH).exists()


def test_the_perinatal_figures_are_required_as_an_object(world, api):
    _saved().delete()
    body = _body(world)
    missing = api.post(RETURNS, {k: v for k, v in body.items() if k != "perinatal"}, format="json")
    assert missing.status_code == 400 and "perinatal" in missing.json()
    flat = api.post(RETURNS, {**body, "perinatal": 372}, format="json")
    assert flat.status_code == 400 and "perinatal" in flat.json()
    assert not _saved().exists()


def test_a_jump_in_births_must_be_confirmed(world, api):
    WorkforceReturn.objects.filter(provider=world.a1).delete()
    make_perinatal_return(world.a1, month=add_months(LAST_MONTH, -1))
    body = _body(world, live_births=600, term_births=560)
    refused = api.post(RETURNS, body, format="json")
    assert refused.status_code == 400
    assert "Live births: 372 in" in " ".join(refused.json()["non_field_errors"])
    assert not _saved().exists()
    confirmed = api.post(RETURNS, {**body, "confirm_changes": True}, format="json")
    assert confirmed.status_code == 201, confirmed.content
    assert "Live births: 372" in confirmed.json()["perinatal"][0]["confirmed_changes"]


def test_saving_the_month_that_crosses_the_threshold_opens_the_outcome_signal(world, api):
    WorkforceReturn.objects.filter(provider=world.a1).delete()
    for offset in range(1, 4):
        make_perinatal_return(
            world.a1, month=add_months(LAST_MONTH, -offset), stillbirths=0, term_stillbirths=0
        )
    response = api.post(RETURNS, _body(world, stillbirths=5, term_stillbirths=5), format="json")
    assert response.status_code == 201, response.content
    signal = OutcomeSignal.objects.get(provider=world.a1)
    assert (signal.measure, signal.month, signal.level) == ("term_stillbirths", LAST_MONTH, "red")


def test_a_figure_the_return_does_not_take_is_refused_by_name_and_nothing_saved(world, api):
    _saved().delete()
    response = api.post(RETURNS, {**_body(world, births_at_home=3), "status": "verified"}, format="json")
    assert response.status_code == 400
    assert response.json()["status"] == ["“status” is not a field that can be sent here."]
    response = api.post(RETURNS, _body(world, births_at_home=3), format="json")
    assert response.json() == {
        "perinatal": [{"births_at_home": ["“births_at_home” is not a field that can be sent here."]}]
    }
    assert not _saved().exists()


def test_each_birth_site_is_sent_by_its_code_and_the_total_is_their_sum(world, api):
    _saved().delete()
    centre = make_birth_site(world.a1, "Aardvark Birth Centre")
    small = {**PERINATAL_FIGURES, "live_births": 28, "term_births": 27, "site": centre.ods_site_code.lower()}
    body = _body(world)
    response = api.post(RETURNS, {**body, "perinatal": [*body["perinatal"], small]}, format="json")
    assert response.status_code == 201, response.content
    # The obstetric unit first, then the birth centre beside it (lmns birth_site_ordering).
    assert [site["site"] for site in response.json()["perinatal"]] == ["AA101", centre.ods_site_code]
    total = response.json()["perinatal_total"]
    assert (total["live_births"], total["stillbirths"]) == (400, 2)
    stillbirths = next(rate for rate in total["rates"] if rate["key"] == "stillbirth_rate")
    assert (stillbirths["count"], stillbirths["denominator"]) == (2, 402)


def test_a_site_left_out_unknown_or_given_twice_is_refused_and_nothing_saved(world, api):
    _saved().delete()
    make_birth_site(world.a1, "Aardvark Birth Centre")
    left_out = api.post(RETURNS, _body(world), format="json")
    assert left_out.status_code == 400
    assert "none were given for Aardvark Birth Centre" in " ".join(left_out.json()["non_field_errors"])
    body = _body(world)
    site = body["perinatal"][0]
    for sites, problem in [
        ([site, {**site, "site": "BB101"}], "Give the ODS site code of one of the provider's birth sites"),
        ([site, site], "This site is given twice"),
    ]:
        refused = api.post(RETURNS, {**body, "perinatal": sites}, format="json")
        assert refused.status_code == 400
        assert problem in " ".join(refused.json()["perinatal"][1]["site"])
    assert not _saved().exists()

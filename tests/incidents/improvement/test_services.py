from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.improvement import services
from incidents.improvement.models import ImprovementPlan, PlanMeasureValue
from incidents.models import LearningStatus, Theme
from lmns.models import Role
from lmns.months import add_months, first_of_month
from tests.factories import make_learning, make_lmns, make_provider, make_user
from tests.incidents.improvement.factories import make_measure, make_plan

pytestmark = pytest.mark.django_db

PLAN = {"title": "Fresh eyes", "primary_driver": "deterioration", "overarching_aim": "Fewer missed CTGs."}


@pytest.fixture
def lmns():
    return make_lmns()


@pytest.fixture
def provider(lmns):
    return make_provider(lmns)


@pytest.fixture
def sibling(lmns):
    return make_provider(lmns)


@pytest.fixture
def officer(lmns):
    return make_user(role=Role.LMNS_OFFICER, lmns=lmns)


def test_a_plan_needs_a_driver_from_the_national_diagram(provider, officer):
    with pytest.raises(ValidationError, match="national driver diagram"):
        services.plan_create(by=officer, organisation=provider, **{**PLAN, "primary_driver": "made-up"})
    assert not ImprovementPlan.objects.exists()


def test_a_plan_links_only_shared_learning_or_its_own_providers(provider, sibling, officer):
    theme = Theme.objects.order_by("pk").first()
    own = make_learning(provider)
    shared = make_learning(sibling, status=LearningStatus.SHARED)
    draft = make_learning(sibling)
    plan = services.plan_create(
        by=officer, organisation=provider, themes=[theme], learning=[own, shared], **PLAN
    )
    assert set(plan.learning.all()) == {own, shared}
    # The officer can read the sibling's draft, but the provider's readers could not.
    with pytest.raises(ValidationError, match="shared across the LMNS"):
        services.plan_create(by=officer, organisation=provider, learning=[draft], **PLAN)
    assert ImprovementPlan.objects.count() == 1


def test_an_lmns_plan_links_only_shared_learning(lmns, provider, officer):
    with pytest.raises(ValidationError):
        services.plan_create(by=officer, organisation=lmns, learning=[make_learning(provider)], **PLAN)
    plan = services.plan_create(by=officer, organisation=lmns, **PLAN)
    assert plan.provider is None and plan.owner_name == lmns.name


def test_plan_update_refuses_fields_it_does_not_own(provider, officer):
    plan = make_plan(provider)
    with pytest.raises(ValueError, match="provider"):
        services.plan_update(plan=plan, by=officer, provider=None)


def test_a_pdsa_cycle_cannot_end_before_it_starts(provider, officer):
    plan = make_plan(provider)
    with pytest.raises(ValidationError, match="end date cannot be before"):
        services.plan_row_save(
            plan=plan,
            kind="pdsa",
            by=officer,
            title="Sticker",
            started_on=date(2026, 3, 1),
            ended_on=date(2026, 2, 1),
            change="A sticker.",
        )
    assert not plan.pdsa_cycles.exists()


def test_a_row_of_another_plan_is_refused(provider, officer):
    plan, other = make_plan(provider), make_plan(provider)
    measure = make_measure(other)
    with pytest.raises(ValueError):
        services.plan_row_save(plan=plan, kind="measure", row=measure, by=officer, name="Renamed")


def test_values_for_future_months_are_refused_and_nothing_is_saved(provider, officer):
    measure = make_measure(make_plan(provider))
    this_month = first_of_month(timezone.localdate())
    with pytest.raises(ValidationError, match="has not started yet"):
        services.measure_values_set(
            measure=measure,
            values={add_months(this_month, -1): Decimal(80), add_months(this_month, 1): Decimal(90)},
            by=officer,
        )
    assert not PlanMeasureValue.objects.exists()


def test_values_are_replaced_and_removed(provider, officer):
    measure = make_measure(make_plan(provider))
    january, february = date(2026, 1, 1), date(2026, 2, 1)
    services.measure_values_set(
        measure=measure, values={january: Decimal(70), february: Decimal(75)}, by=officer
    )
    services.measure_values_set(measure=measure, values={january: None, february: Decimal(77)}, by=officer)
    assert list(measure.values.values_list("month", "value")) == [(february, Decimal(77))]

import pytest

from incidents import demo as incidents_demo
from incidents.improvement import demo, selectors
from incidents.improvement.models import ImprovementPlan, PlanMeasureValue, SurveyResponse, SurveyRound
from lmns.demo import demo_seed as lmns_demo_seed

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_tells_the_story():
    lmns = lmns_demo_seed().lmns
    incidents_demo.demo_seed(lmns=lmns)
    demo.demo_seed(lmns=lmns)
    demo.demo_seed(lmns=lmns)
    plan = ImprovementPlan.objects.get()
    assert plan.provider.ods_code == "ZZA" and plan.learning.filter(title__startswith="Fresh eyes").exists()
    assert plan.pdsa_cycles.count() == 2
    assert PlanMeasureValue.objects.filter(measure__plan=plan).count() == 12
    closed, open_ = SurveyRound.objects.order_by("opened_on")
    assert closed.closed_on and open_.is_open
    assert SurveyResponse.objects.filter(round=closed).count() == 10
    assert selectors.survey_results(round_=closed).enough

"""The care bundle's reference data, the quarter model, the percentages and the two keys."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from assurance.models import Evidence, FrameworkStatus, RequirementAssessment
from assurance.sbl import selectors, services
from assurance.sbl.care_bundle import CareBundleFileError, care_bundle_load, read_care_bundle
from assurance.sbl.models import (
    Implementation,
    SblAnswer,
    SblAssessment,
    SblElement,
    SblIntervention,
    SblState,
    quarter_label,
    quarter_start_of,
)
from assurance.services import assessment_start
from lmns.models import Role
from tests.assurance.sbl.records import answer_all, make_sbl_assessment, this_quarter
from tests.factories import make_framework, make_user

pytestmark = pytest.mark.django_db

ELEMENTS = [
    "Smoking in pregnancy",
    "Fetal growth restriction",
    "Reduced fetal movements",
    "Fetal monitoring in labour",
    "Preterm birth",
    "Pre-existing diabetes",
]


@pytest.fixture
def officer(world):
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


@pytest.fixture
def safety_lead(world):
    return world.personas[f"lmns:{Role.LMNS_SAFETY_LEAD}"]


# --- Reference data -----------------------------------------------------------------------------


def test_the_migration_loads_the_six_elements_with_every_intervention_unchecked(db):
    assert list(SblElement.objects.values_list("name", flat=True)) == ELEMENTS
    bundle = read_care_bundle()
    assert SblIntervention.objects.count() == sum(len(element.interventions) for element in bundle.elements)
    assert not SblIntervention.objects.filter(wording_checked=True).exists()
    assert all("not checked" in source for source in SblIntervention.objects.values_list("source", flat=True))
    assert set(SblElement.objects.filter(interventions__isnull=True)) == set()


def test_loading_again_adds_only_what_is_missing_and_keeps_corrections(db):
    corrected = SblIntervention.objects.get(code="1.1")
    corrected.text, corrected.wording_checked = "Corrected against the published bundle.", True
    corrected.save()
    SblIntervention.objects.filter(code="6.3").delete()

    call_command("load_frameworks", "assurance/frameworks/ockenden-interim-2020.yaml", verbosity=0)
    assert not SblIntervention.objects.filter(code="6.3").exists()  # named files only: no bundle
    added = care_bundle_load(element_model=SblElement, intervention_model=SblIntervention)

    assert added == 1
    assert SblIntervention.objects.filter(code="6.3").exists()
    corrected.refresh_from_db()
    assert corrected.text == "Corrected against the published bundle." and corrected.wording_checked


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("checked: false\nsource: x\nelements:\n  - number: 1\n", "malformed"),
        (
            "checked: false\nsource: x\nelements:\n"
            "  - {number: 1, name: A, interventions: [{code: '1', text: a}, {code: '1', text: b}]}\n",
            "repeated",
        ),
        ("checked: [unclosed", "cannot be read"),
    ],
)
def test_a_malformed_care_bundle_file_is_refused_whole(tmp_path: Path, text, problem):
    path = tmp_path / "bundle.yaml"
    path.write_text(text)
    with pytest.raises(CareBundleFileError, match=problem):
        read_care_bundle(path)


# --- Quarters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "label"),
    [
        (date(2026, 4, 1), "Q1 2026/27 (April to June 2026)"),
        (date(2026, 10, 1), "Q3 2026/27 (October to December 2026)"),
        (date(2027, 1, 1), "Q4 2026/27 (January to March 2027)"),
    ],
)
def test_quarters_are_the_nhs_financial_years(start, label):
    assert quarter_label(start) == label
    assert quarter_start_of(start + timedelta(days=45)) == start


def test_starting_a_quarter_asks_every_active_intervention_once(world, alice):
    SblIntervention.objects.filter(code="3.2").update(is_active=False)
    assessment = make_sbl_assessment(world.a1, by=alice)

    assert assessment.state == SblState.IN_PROGRESS
    codes = set(assessment.answers.values_list("intervention__code", flat=True))
    assert codes == set(SblIntervention.objects.filter(is_active=True).values_list("code", flat=True))
    assert "3.2" not in codes
    assert set(assessment.answers.values_list("implementation", flat=True)) == {Implementation.NOT_ANSWERED}
    assert assessment.history.count() == 1 and SblAnswer.history.count() == len(codes)


@pytest.mark.parametrize(
    ("quarter_start", "message"),
    [
        (date(2026, 5, 1), "starts on 1 January"),
        (date(2022, 10, 1), "starts in April 2023"),
        ("next", "has not started"),
        ("again", "already has an assessment"),
    ],
)
def test_a_quarter_is_refused_when_it_is_not_one_that_can_be_assessed(world, alice, quarter_start, message):
    if quarter_start == "next":
        quarter_start = quarter_start_of(this_quarter() + timedelta(days=100))
    elif quarter_start == "again":
        make_sbl_assessment(world.a1, by=alice)
        quarter_start = this_quarter()
    before = SblAssessment.objects.count()
    with pytest.raises(ValidationError, match=message):
        services.sbl_assessment_start(provider=world.a1, quarter_start=quarter_start, by=alice)
    assert SblAssessment.objects.count() == before


# --- Percentages --------------------------------------------------------------------------------


def test_a_percentage_is_fully_implemented_over_applicable_rounded_down():
    score = selectors.Score(fully=2, applicable=3, answered=4, total=4)
    assert score.percent == 66
    assert selectors.Score(fully=0, applicable=0, answered=2, total=2).percent is None


def test_not_applicable_leaves_the_denominator_and_unanswered_stays_in_it(world, alice):
    assessment = make_sbl_assessment(world.a1, by=alice)
    # Element 3 has two interventions, element 5 six.
    answer_all(
        assessment,
        by=alice,
        overrides={
            "3.1": Implementation.NOT_APPLICABLE,
            "5.1": Implementation.PARTIALLY,
            "5.2": Implementation.NOT_IMPLEMENTED,
            "5.3": Implementation.NOT_APPLICABLE,
            "5.4": Implementation.NOT_ANSWERED,
        },
    )
    scores = selectors.assessment_scores(assessment)
    total = SblIntervention.objects.count()

    assert scores.by_element[3] == selectors.Score(fully=1, applicable=1, answered=2, total=2)
    assert scores.by_element[3].percent == 100
    assert scores.by_element[5] == selectors.Score(fully=2, applicable=5, answered=5, total=6)
    assert scores.by_element[5].percent == 40
    assert scores.overall == selectors.Score(
        fully=total - 5, applicable=total - 2, answered=total - 1, total=total
    )


def test_an_element_with_every_intervention_not_applicable_has_no_percentage(world, alice):
    assessment = make_sbl_assessment(world.a1, by=alice)
    answer_all(
        assessment,
        by=alice,
        overrides={code: Implementation.NOT_APPLICABLE for code in ("6.1", "6.2", "6.3")},
    )
    scores = selectors.assessment_scores(assessment)
    assert scores.by_element[6].percent is None
    assert scores.overall.percent == 100


# --- Answers and the two keys -----------------------------------------------------------------


def test_answers_save_all_or_nothing(world, alice):
    assessment = make_sbl_assessment(world.a1, by=alice)
    first, second = assessment.answers.order_by("pk")[:2]
    with pytest.raises(ValidationError):
        services.sbl_answers_update(
            assessment=assessment,
            by=alice,
            answers={
                first.pk: {"implementation": Implementation.FULLY, "note": "In place."},
                second.pk: {"implementation": "perfectly", "note": ""},
            },
        )
    first.refresh_from_db()
    assert first.implementation == Implementation.NOT_ANSWERED


def test_an_answer_cannot_cite_another_providers_evidence(world, alice):
    assessment = make_sbl_assessment(world.a1, by=alice)
    answer = assessment.answers.first()
    theirs = world.record("evidence", world.a2)
    with pytest.raises(ValidationError, match="own evidence"):
        services.sbl_answers_update(
            assessment=assessment,
            by=alice,
            answers={answer.pk: {"implementation": Implementation.FULLY, "evidence": [theirs]}},
        )
    ours = world.record("evidence", world.a1)
    services.sbl_answers_update(
        assessment=assessment,
        by=alice,
        answers={answer.pk: {"implementation": Implementation.FULLY, "evidence": [ours]}},
    )
    assert list(answer.evidence.all()) == [ours]


def test_a_quarter_is_submitted_only_once_every_intervention_is_answered(world, alice):
    assessment = make_sbl_assessment(world.a1, by=alice)
    answer_all(assessment, by=alice, overrides={"2.1": Implementation.NOT_ANSWERED})
    with pytest.raises(ValidationError, match="1 intervention not yet answered"):
        services.sbl_assessment_submit(assessment=assessment, by=alice)
    answer_all(assessment, by=alice)
    assessment = services.sbl_assessment_submit(assessment=assessment, by=alice)
    assert assessment.state == SblState.AWAITING and assessment.submitted_by == alice
    with pytest.raises(ValidationError, match="cannot change now"):
        answer_all(assessment, by=alice, implementation=Implementation.PARTIALLY)


def test_two_keys_challenge_then_validate(world, alice, officer):
    assessment = make_sbl_assessment(world.a1, by=alice)
    answer_all(assessment, by=alice)
    services.sbl_assessment_submit(assessment=assessment, by=alice)

    with pytest.raises(ValidationError, match="Say what the provider"):
        services.sbl_assessment_validate(assessment=assessment, by=officer, accept=False, comment=" ")
    challenged = services.sbl_assessment_validate(
        assessment=assessment, by=officer, accept=False, comment="Show the CO testing audit for 1.2."
    )
    assert challenged.state == SblState.CHALLENGED and challenged.is_editable

    # Sent back unchanged, the LMNS would see the same answers twice.
    with pytest.raises(ValidationError, match="Nothing has changed"):
        services.sbl_assessment_submit(assessment=challenged, by=alice)
    answer = challenged.answers.get(intervention__code="1.2")
    services.sbl_answers_update(
        assessment=challenged,
        by=alice,
        answers={answer.pk: {"implementation": Implementation.PARTIALLY, "note": "Audit: 80% at 36 weeks."}},
    )
    services.sbl_assessment_submit(assessment=challenged, by=alice)
    validated = services.sbl_assessment_validate(assessment=challenged, by=officer, accept=True)

    assert validated.state == SblState.VALIDATED and validated.validated_by == officer
    assert not validated.is_editable
    comments = [row.challenge_comment for row in validated.history.order_by("history_date")]
    assert "Show the CO testing audit for 1.2." in comments
    with pytest.raises(ValidationError, match="Only a quarter submitted"):
        services.sbl_assessment_validate(assessment=validated, by=officer, accept=True)


def test_whoever_prepared_a_quarter_cannot_validate_it(world):
    root = world.personas["superuser"]
    assessment = make_sbl_assessment(world.a1, by=root)
    answer_all(assessment, by=root)
    services.sbl_assessment_submit(assessment=assessment, by=root)
    with pytest.raises(ValidationError, match="You prepared this quarter"):
        services.sbl_assessment_validate(assessment=assessment, by=root, accept=True)

    # A second superuser who wrote one answer prepared it too.
    helper = make_user("second-root", is_superuser=True)
    other = make_sbl_assessment(world.a2, by=root)
    answer_all(other, by=root)
    answer = other.answers.first()
    services.sbl_answers_update(
        assessment=other, by=helper, answers={answer.pk: {"implementation": Implementation.PARTIALLY}}
    )
    services.sbl_assessment_submit(assessment=other, by=root)
    with pytest.raises(ValidationError, match="You prepared"):
        services.sbl_assessment_validate(assessment=other, by=helper, accept=True)
    assert SblAssessment.objects.get(pk=other.pk).state == SblState.AWAITING


# --- Citing a validated quarter as MIS safety action 6 evidence --------------------------------


def _sa6_item(provider, by):
    framework = make_framework(actions=2, requirements=1)
    framework.actions.filter(code="A2").update(code="SA6")
    assessment = assessment_start(provider=provider, framework=framework, by=by)
    return RequirementAssessment.objects.get(assessment=assessment, requirement__action__code="SA6")


def _validated(world, alice, officer):
    assessment = make_sbl_assessment(world.a1, by=alice)
    answer_all(assessment, by=alice, overrides={"1.1": Implementation.NOT_IMPLEMENTED})
    services.sbl_assessment_submit(assessment=assessment, by=alice)
    return services.sbl_assessment_validate(assessment=assessment, by=officer, accept=True)


def test_a_validated_quarter_is_cited_as_evidence_on_safety_action_6(world, alice, officer):
    item = _sa6_item(world.a1, alice)
    assessment = _validated(world, alice, officer)
    assert list(selectors.sa6_items(assessment)) == [item]

    evidence = services.sbl_cite_as_evidence(assessment=assessment, by=alice, items=[item])

    total = SblIntervention.objects.count()
    assert evidence.provider == world.a1 and evidence.effective_from == assessment.quarter_start
    assert evidence.url.endswith(assessment.get_absolute_url())
    assert f"{total - 1} of {total} applicable interventions fully implemented" in evidence.description
    assert assessment.quarter_label in evidence.description
    assert list(item.evidence.all()) == [evidence]

    # Cited again, on another MIS year's safety action 6, it stays one piece of evidence.
    other = _sa6_item(world.a1, alice)
    again = services.sbl_cite_as_evidence(assessment=assessment, by=alice, items=[other, item])
    assert again == evidence
    assert list(other.evidence.all()) == [evidence]
    assert Evidence.objects.filter(url=evidence.url).count() == 1


def test_only_a_validated_quarter_is_cited_and_only_on_its_providers_open_sa6(world, alice, officer):
    item = _sa6_item(world.a1, alice)
    theirs = _sa6_item(world.a2, alice)
    assessment = make_sbl_assessment(world.a1, by=alice)
    with pytest.raises(ValidationError, match="validated"):
        services.sbl_cite_as_evidence(assessment=assessment, by=alice, items=[item])
    assessment.delete()

    assessment = _validated(world, alice, officer)
    with pytest.raises(ValidationError):
        services.sbl_cite_as_evidence(assessment=assessment, by=alice, items=[theirs])
    item.assessment.framework.status = FrameworkStatus.CLOSED
    item.assessment.framework.save()
    with pytest.raises(ValidationError):
        services.sbl_cite_as_evidence(assessment=assessment, by=alice, items=[item])
    assert not Evidence.objects.filter(description__startswith="Saving Babies").exists()


def test_demo_data_has_a_quarter_per_demo_provider(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    states = dict(SblAssessment.objects.values_list("provider__ods_code", "state"))
    assert len(states) == 5
    assert states["ZZA"] == SblState.VALIDATED and states["ZZB"] == SblState.AWAITING
    assert {states[code] for code in states if code not in {"ZZA", "ZZB"}} == {SblState.IN_PROGRESS}

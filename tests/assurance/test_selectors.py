from datetime import date, timedelta

import pytest

from assurance.models import EvidenceLink, FrameworkAction, RequirementAssessment, Status, Verification
from assurance.selectors import Rag, assessment_positions, compliance_matrix
from assurance.services import assessment_start, evidence_add
from tests.factories import make_framework, make_lmns, make_provider, make_user

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)
NA = {"status": Status.NOT_APPLICABLE, "not_applicable_reason": "No freestanding unit."}
MET = {"status": Status.MET}
PLAN = {"action_plan": "Recruit", "action_owner": "Director of Midwifery"}


def _set(assessment, code, verification=Verification.NOT_SUBMITTED, **fields):
    RequirementAssessment.objects.filter(assessment=assessment, requirement__code=code).update(
        verification=verification, **fields
    )


def _start(framework, provider=None):
    return assessment_start(provider=provider or make_provider(), framework=framework, by=make_user())


def _position(assessment, code="A1"):
    positions = assessment_positions(assessment=assessment, today=TODAY)
    return next(p for p in positions if p.action.code == code)


def test_positions_count_each_kind_of_requirement():
    framework = make_framework(requirements=4)
    assessment = _start(framework)
    _set(assessment, "A1.1", Verification.ACCEPTED, **MET)
    _set(assessment, "A1.2", Verification.AWAITING, **NA)
    _set(
        assessment, "A1.3", Verification.CHALLENGED, status=Status.NOT_MET, action_due_on=TODAY - timedelta(1)
    )
    _set(assessment, "A1.4", Verification.ACCEPTED, status=Status.PARTIALLY_MET, action_due_on=TODAY, **PLAN)

    position = _position(assessment)
    counts = {
        name: getattr(position, name)
        for name in (
            "total",
            "done",
            "accepted",
            "accepted_done",
            "outstanding",
            "challenged",
            "not_met",
            "not_started",
        )
    }
    assert counts == {
        "total": 4,
        "done": 2,
        "accepted": 2,  # the LMNS accepted a met position and a "partially met" plan
        "accepted_done": 1,
        "outstanding": 2,
        "challenged": 1,
        "not_met": 1,
        "not_started": 0,
    }
    assert position.overdue_plans == 1  # due today is not yet overdue
    assert (position.is_met, position.is_verified_met) == (False, False)
    assert position.rag == Rag.RED
    assert position.reason == (
        "1 of 4 not met; 1 of 4 partly met; 1 challenged by the LMNS; 1 action plan overdue"
    )


def test_a_done_requirement_never_has_an_overdue_plan():
    assessment = _start(make_framework())
    _set(assessment, "A1.1", status=Status.MET, action_due_on=TODAY - timedelta(days=30))
    _set(assessment, "A1.2", status=Status.NOT_MET, action_due_on=TODAY - timedelta(days=1), **PLAN)
    assert _position(assessment).overdue_plans == 1
    # Judged on the day asked about.
    later = assessment_positions(assessment=assessment, today=TODAY - timedelta(days=1))[0]
    assert later.overdue_plans == 0


def test_positions_are_in_action_order_with_their_items_attached():
    framework = make_framework()
    FrameworkAction.objects.filter(framework=framework, code="A1").update(order=9)
    assessment = _start(framework)
    positions = assessment_positions(assessment=assessment, today=TODAY)
    assert [p.action.code for p in positions] == ["A2", "A1"]
    assert [[item.requirement.code for item in p.items] for p in positions] == [
        ["A2.1", "A2.2"],
        ["A1.1", "A1.2"],
    ]


def test_only_reviewed_evidence_counts_as_support():
    assessment = _start(make_framework())
    item = assessment.items.get(requirement__code="A1.1")
    user = make_user()
    for n in range(3):
        evidence_add(
            provider=assessment.provider,
            by=user,
            description=f"Audit {n}",
            effective_from=TODAY,
            url=f"https://example.org/{n}",
            items=[item],
        )
    EvidenceLink.objects.filter(evidence__description="Audit 0").update(to_review=True)
    [row] = [i for i in _position(assessment).items if i.pk == item.pk]
    assert (row.evidence_count, row.to_review_count) == (2, 1)


@pytest.mark.parametrize(
    ("first", "second", "rag", "reason"),
    [
        ({}, {}, Rag.GREY, "No requirement assessed yet"),
        (
            {"verification": Verification.ACCEPTED, **MET},
            {"verification": Verification.ACCEPTED, **NA},
            Rag.GREEN,
            "All 2 requirements met and verified",
        ),
        (
            {"verification": Verification.ACCEPTED, **MET},
            {"verification": Verification.AWAITING, **MET},
            Rag.AMBER,
            "All met; 1 awaiting LMNS verification",
        ),
        (MET, NA, Rag.AMBER, "All met; 2 awaiting LMNS verification"),
        (
            {"verification": Verification.ACCEPTED, **MET},
            {"verification": Verification.ACCEPTED, "status": Status.NOT_MET, **PLAN},
            Rag.RED,
            "1 of 2 not met",
        ),
        (
            {"verification": Verification.CHALLENGED, **MET},
            {"verification": Verification.ACCEPTED, **MET},
            Rag.RED,
            "1 challenged by the LMNS",
        ),
        # Met and verified beside not started is progress: nothing is assessed as not met.
        ({"verification": Verification.ACCEPTED, **MET}, {}, Rag.IN_PROGRESS, "1 of 2 not started"),
        (
            {"verification": Verification.ACCEPTED, **MET},
            {"status": Status.PARTIALLY_MET, **PLAN, "action_due_on": TODAY},
            Rag.IN_PROGRESS,
            "1 of 2 partly met",
        ),
        (
            {"status": Status.PARTIALLY_MET, "action_due_on": TODAY - timedelta(1), **PLAN},
            {"status": Status.NOT_MET, "action_due_on": TODAY - timedelta(2), **PLAN},
            Rag.RED,
            "1 of 2 not met; 1 of 2 partly met; 2 action plans overdue",
        ),
    ],
    ids=[
        "grey-none-started",
        "green-met-and-na-accepted",
        "amber-one-awaiting",
        "amber-none-submitted",
        "red-not-met-even-if-accepted",
        "red-challenged",
        "in-progress-part-started",
        "in-progress-partly-met",
        "red-overdue-plans",
    ],
)
def test_rag_rating_and_reason(first, second, rag, reason):
    assessment = _start(make_framework())
    _set(assessment, "A1.1", **first)
    _set(assessment, "A1.2", **second)
    position = _position(assessment)
    assert (position.rag, position.reason) == (rag, reason)
    assert rag in Rag.LABELS
    assert position.rag_name == Rag.NAMES[rag]


def test_an_action_without_requirements_is_grey():
    framework = make_framework()
    FrameworkAction.objects.create(framework=framework, code="A3", title="Empty", order=3)
    position = _position(_start(framework), "A3")
    assert (position.total, position.rag) == (0, Rag.GREY)


# --- compliance_matrix ------------------------------------------------------------------------


@pytest.fixture
def lmns():
    return make_lmns()


def test_matrix_has_a_row_per_provider_passed_in_with_cells_in_action_order(lmns):
    framework = make_framework()
    FrameworkAction.objects.filter(framework=framework, code="A1").update(order=9)
    first, second, left_out = (make_provider(lmns) for _ in range(3))
    assessment = _start(framework, first)
    _start(framework, left_out)
    _set(assessment, "A1.1", Verification.ACCEPTED, **MET)
    _set(assessment, "A1.2", Verification.ACCEPTED, **MET)
    _set(assessment, "A2.1", **MET)
    # Another framework's items for the same provider do not leak in.
    other = _start(make_framework(), first)
    _set(other, "A2.1", status=Status.NOT_MET, **PLAN)

    actions, rows = compliance_matrix(framework=framework, providers=[second, first], today=TODAY)

    assert [a.code for a in actions] == ["A2", "A1"]
    assert [row.provider for row in rows] == [second, first]
    assert [row.assessment_id for row in rows] == [None, assessment.pk]
    for row in rows:
        assert [cell.action for cell in row.cells] == actions
    assert [(c.rag, c.done, c.total) for c in rows[0].cells] == [(Rag.GREY, 0, 0), (Rag.GREY, 0, 0)]
    assert [(c.rag, c.done, c.total) for c in rows[1].cells] == [(Rag.IN_PROGRESS, 1, 2), (Rag.GREEN, 2, 2)]
    assert (rows[1].actions_met, rows[1].actions_verified) == (1, 1)


# compliance_matrix: the actions, the grouped requirement rows and the assessment ids.
MATRIX_QUERIES = 3


@pytest.mark.parametrize("providers", [1, 3])
def test_matrix_takes_a_fixed_number_of_queries(lmns, django_assert_max_num_queries, providers):
    framework = make_framework(actions=3, requirements=3)
    chosen = [make_provider(lmns) for _ in range(providers)]
    for provider in chosen:
        assessment = _start(framework, provider)
        _set(assessment, "A1.1", Verification.ACCEPTED, **MET)
        _set(assessment, "A2.1", status=Status.NOT_MET, action_due_on=TODAY - timedelta(1), **PLAN)
    with django_assert_max_num_queries(MATRIX_QUERIES):
        _, rows = compliance_matrix(framework=framework, providers=chosen, today=TODAY)
        ratings = [(cell.rag, cell.reason, cell.action.code) for row in rows for cell in row.cells]
    assert len(ratings) == 3 * providers

"""The thresholds a measure is rated against: the defaults, until an LMNS's safety lead sets its
own (RagThreshold), and the ones in force on a day."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lmns.models import RagDirection, RagMeasure, RagThreshold


@dataclass(frozen=True)
class Threshold:
    direction: str
    amber: Decimal
    red: Decimal


M, LOWER, HIGHER = RagMeasure, RagDirection.LOWER_IS_BETTER, RagDirection.HIGHER_IS_BETTER
# Used until the LMNS's safety lead sets its own in the admin. Counts are amber from the
# first and red from a number that needs a conversation; rates follow the national asks
# (1:1 care and a supernumerary coordinator every time; 90% training compliance in the MIS)
# and, for staffing, levels at which LMNSs commonly escalate.
DEFAULT_THRESHOLDS = {
    M.INCIDENTS_MODERATE_OR_WORSE: Threshold(LOWER, Decimal(1), Decimal(3)),
    M.PSIIS_OPEN: Threshold(LOWER, Decimal(1), Decimal(3)),
    M.SAFETY_ACTIONS_OVERDUE: Threshold(LOWER, Decimal(1), Decimal(3)),
    M.COMPLIANCE_ACTIONS_OUTSTANDING: Threshold(LOWER, Decimal(1), Decimal(3)),
    M.COMPLIANCE_PLANS_OVERDUE: Threshold(LOWER, Decimal(1), Decimal(2)),
    M.RECOMMENDATIONS_OVERDUE: Threshold(LOWER, Decimal(1), Decimal(2)),
    M.IMMEDIATE_CONCERNS: Threshold(LOWER, Decimal(1), Decimal(1)),
    M.VACANCY_RATE: Threshold(LOWER, Decimal(5), Decimal(10)),
    M.TURNOVER_RATE: Threshold(LOWER, Decimal(10), Decimal(15)),
    M.MSW_VACANCY_RATE: Threshold(LOWER, Decimal(10), Decimal(15)),
    M.ONE_TO_ONE_RATE: Threshold(HIGHER, Decimal(100), Decimal(95)),
    M.SUPERNUMERARY_RATE: Threshold(HIGHER, Decimal(100), Decimal(95)),
    M.FETAL_MONITORING_RATE: Threshold(HIGHER, Decimal(90), Decimal(85)),
    M.EMERGENCIES_RATE: Threshold(HIGHER, Decimal(90), Decimal(85)),
    M.NEWBORN_LIFE_SUPPORT_RATE: Threshold(HIGHER, Decimal(90), Decimal(85)),
    # A month's return overdue is amber; two in a quarter need a conversation.
    M.PERINATAL_RETURNS_OVERDUE: Threshold(LOWER, Decimal(1), Decimal(2)),
    # The national ask: a critical safety check within eight working days of its signal, so
    # one overdue is red.
    M.SAFETY_CHECKS_OVERDUE: Threshold(LOWER, Decimal(1), Decimal(1)),
}


def thresholds_for(*, lmns_ids, on: date) -> dict[int, dict[str, Threshold]]:
    """Each measure's threshold in force on ``on``, for each LMNS by pk, in one query."""
    thresholds = {lmns_id: dict(DEFAULT_THRESHOLDS) for lmns_id in lmns_ids}
    rows = RagThreshold.objects.filter(lmns_id__in=thresholds, effective_from__lte=on).order_by(
        "effective_from", "pk"
    )
    for row in rows:  # the latest in force is written last
        thresholds[row.lmns_id][row.measure] = Threshold(row.direction, row.amber, row.red)
    return thresholds

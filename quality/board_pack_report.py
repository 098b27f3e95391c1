"""The board pack's monthly report: each provider's month in the order a trust board reads its
perinatal report (deaths and their reviews first, then harm, incidents, staffing and training,
feedback, external concerns, the MIS and the outcome signals with their checks).

No figure is worked out here twice: the rows already in the quality view (incidents, staffing,
training, MIS) are taken from the provider's picture, live or frozen, and the rest from the
perinatal section's, oversight's and champions' own selectors. The rows not in the quality view
are kept in the month's snapshot with it, so a frozen pack shows them as they were known then.
"""

from dataclasses import asdict, dataclass
from datetime import date

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from assurance.oversight.selectors import providers_oversight
from lmns.models import Provider
from quality.quality import RAG_LABELS, RAG_TAGS, ProviderQuality
from workforce.champions.models import FeedbackStatus, MnvpFeedback
from workforce.champions.selectors import StaffVoice, providers_staff_voice
from workforce.perinatal.models import PerinatalReturn
from workforce.perinatal.quality import provider_section

DEATHS = "Deaths and their reviews"
HARM = "Harm to babies and mothers"
INCIDENTS = "Incidents"
STAFFING = "Staffing and training"
FEEDBACK = "Feedback from families and staff"
CONCERNS = "External concerns"
MIS = "Maternity Incentive Scheme and other frameworks"
SIGNALS = "Outcome signals and their critical safety checks"
SECTIONS = [DEATHS, HARM, INCIDENTS, STAFFING, FEEDBACK, CONCERNS, MIS, SIGNALS]

DEATH_RATES = {"stillbirth_rate", "neonatal_death_rate", "term_stillbirth_rate", "term_neonatal_death_rate",
               "late_fetal_loss_rate"}  # fmt: skip
FEEDBACK_RATES = {"fft_positive_rate"}
STAFFING_RATES = {"midwifery_fill_rate"}
# Rows of the quality view's incidents domain the board's report carries.
INCIDENT_ROWS = ("Moderate or worse harm", "Referred to MNSI", "Notified to PMRT", "MIS safety action 10")


@dataclass(frozen=True)
class ReportRow:
    section: str
    label: str
    value: str
    rag: str | None = None
    why: str = ""
    url: str = ""

    @property
    def rating_label(self) -> str:
        return RAG_LABELS.get(self.rag, "") if self.rag else ""

    @property
    def tag_class(self) -> str:
        return RAG_TAGS.get(self.rag, "") if self.rag else ""


def _from_quality(quality: ProviderQuality) -> list[ReportRow]:
    rows = []
    for domain in quality.domains:
        for row in domain.rows:
            if domain.title == "Incidents" and row.label.startswith(INCIDENT_ROWS):
                section = INCIDENTS
            elif domain.title == "Workforce":
                section = STAFFING
            elif domain.title == "Compliance" and row.label.endswith("actions met and verified by the LMNS"):
                section = MIS
            else:
                continue
            rating = row.rating
            rows.append(
                ReportRow(section, row.label, row.value, rating.rag if rating else None,
                          rating.reason if rating else "", row.url)
            )  # fmt: skip
    return rows


def perinatal_rows(
    *, user, providers: list[Provider], period, today: date | None = None
) -> dict[int, list[dict]]:
    """The report's rows that the quality view does not hold, for each provider, as data a
    snapshot can keep. A fixed number of queries per provider, however many records."""
    today = today or timezone.localdate()
    oversight = providers_oversight(user=user, providers=providers)
    feedback = _mnvp_counts(providers, period)
    staff = providers_staff_voice(user=user, providers=providers, period=period, today=today)
    complaints = _complaints(providers, period)
    result = {}
    for provider in providers:
        section = provider_section(user=user, provider=provider, period=period, today=today)
        # A death counted by a rate shows there, with its denominator; once is enough for a board.
        rated = {rate_row.rate.label for rate_row in section.rates}
        rows = []
        for rate_row in section.rates:
            key = rate_row.rate.key
            where = (
                DEATHS if key in DEATH_RATES
                else FEEDBACK if key in FEEDBACK_RATES
                else STAFFING if key in STAFFING_RATES
                else HARM
            )  # fmt: skip
            rows.append(ReportRow(where, rate_row.rate.label, rate_row.text, url=section.records_url))
        # The reviews follow the deaths they review (report_rows' sort keeps this order).
        rows += [
            ReportRow(DEATHS, label, f"{count:,}", url=section.records_url)
            for label, count in section.deaths
            if label not in rated
        ]
        # With no return, a count of none would read as a month without gaps.
        gaps = f"{section.rota_gaps:,}" if section.months_returned else "Not yet submitted"
        rows.append(ReportRow(STAFFING, "Obstetric rota gaps (shifts not filled)", gaps,
                              url=section.records_url))  # fmt: skip
        if not section.months_returned:
            rows.insert(0, ReportRow(DEATHS, "Monthly return", "Not yet submitted", "grey",
                                     "No perinatal figures for the month yet", section.url))  # fmt: skip
        counts = complaints.get(provider.pk, {})
        rows.append(ReportRow(FEEDBACK, "Complaints received", f"{counts.get('complaints') or 0:,}",
                              url=section.records_url))  # fmt: skip
        rows.append(ReportRow(FEEDBACK, "Compliments received", f"{counts.get('compliments') or 0:,}",
                              url=section.records_url))  # fmt: skip
        heard, awaiting = feedback.get(provider.pk, (0, 0))
        champions = f"{reverse('workforce:champions')}?provider={provider.ods_code}"
        rows.append(
            ReportRow(FEEDBACK, "MNVP feedback covering the month (themes from families)", str(heard),
                      url=champions)
        )  # fmt: skip
        rows.append(
            ReportRow(FEEDBACK, "MNVP feedback awaiting the provider's response", str(awaiting),
                      "amber" if awaiting else None,
                      f"{awaiting} set of MNVP themes awaiting a response" if awaiting else "", champions)
        )  # fmt: skip
        rows += _staff_rows(staff[provider.pk], champions)
        concerns = oversight[provider.pk]
        overdue = len(concerns.overdue_concerns)
        concern_list = f"{reverse('assurance:concern-list')}?provider={provider.ods_code}"
        rows.append(ReportRow(CONCERNS, "External concerns open", str(concerns.open_concerns),
                              url=f"{concern_list}&status=open"))  # fmt: skip
        rows.append(
            ReportRow(CONCERNS, "External concerns with a response overdue", str(overdue),
                      "red" if overdue else "green",
                      f"{overdue} response{'s' if overdue != 1 else ''} overdue today" if overdue
                      else "No response overdue today", f"{concern_list}&overdue=true")
        )  # fmt: skip
        if not section.signals:
            rows.append(ReportRow(SIGNALS, "Signals", "None open or raised in the month", url=section.url))
        for signal in section.signals:
            state = (
                f"check completed {signal.check_completed_on:%-d %B %Y}" if signal.is_complete
                else f"check overdue, due {signal.check_due_on:%-d %B %Y}" if signal.is_overdue
                else f"check due {signal.check_due_on:%-d %B %Y}"
            )  # fmt: skip
            rows.append(
                ReportRow(
                    SIGNALS,
                    f"{signal.get_kind_display()}: {signal.get_measure_display()}, {signal.unit.name}, "
                    f"{signal.month:%B %Y}",
                    f"{signal.get_level_display()}; {state}",
                    "red" if signal.is_overdue else None,
                    "The critical safety check is overdue" if signal.is_overdue else "",
                    signal.get_absolute_url(),
                )
            )
        result[provider.pk] = [asdict(row) for row in rows]
    return result


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _staff_rows(voice: StaffVoice, champions: str) -> list[ReportRow]:
    """Staff's voice beside families': the safety champions' walkabouts of the month, each linked
    to its record, and the "you said, we did" actions still open today."""
    rows = [
        ReportRow(FEEDBACK, "Safety champions' walkabouts held in the month", str(len(voice.walkabouts)),
                  url=champions)
    ]  # fmt: skip
    for walkabout in voice.walkabouts:
        overdue = walkabout.overdue_count
        value = _plural(walkabout.open_count, "action") + " open"
        rows.append(
            ReportRow(
                FEEDBACK,
                f"Walkabout: {walkabout.unit.name}, {walkabout.held_on:%-d %B %Y}",
                f"{value}, {overdue} overdue" if overdue else value,
                "red" if overdue else None,
                f"{_plural(overdue, 'action')} from it overdue today" if overdue else "",
                walkabout.get_absolute_url(),
            )
        )
    overdue = voice.overdue_actions
    rows.append(
        ReportRow(FEEDBACK, "“You said, we did” actions open (walkabouts and champions' meetings)",
                  str(voice.open_actions), url=champions)
    )  # fmt: skip
    rows.append(
        ReportRow(
            FEEDBACK,
            "“You said, we did” actions overdue",
            str(overdue),
            "red" if overdue else "green",
            f"{_plural(overdue, 'action')} overdue today" if overdue else "No action overdue today",
            champions,
        )
    )
    return rows


def _complaints(providers, period) -> dict[int, dict]:
    rows = (
        PerinatalReturn.objects.filter(
            workforce_return__provider__in=providers,
            workforce_return__month__gte=period.start,
            workforce_return__month__lt=period.end,
        )
        .values("workforce_return__provider")
        .annotate(complaints=Sum("complaints"), compliments=Sum("compliments"))
    )
    return {row["workforce_return__provider"]: row for row in rows}


def _mnvp_counts(providers, period) -> dict[int, tuple[int, int]]:
    counts: dict[int, list[int]] = {}
    covering = Q(period_start__lt=period.end, period_end__gte=period.start)
    for feedback in (
        MnvpFeedback.objects.filter(provider__in=providers)
        .filter(covering | Q(status=FeedbackStatus.AWAITING))
        .only("provider_id", "period_start", "period_end", "status")
    ):
        pair = counts.setdefault(feedback.provider_id, [0, 0])
        pair[0] += feedback.period_start < period.end and feedback.period_end >= period.start
        pair[1] += feedback.status == FeedbackStatus.AWAITING
    return {pk: (heard, awaiting) for pk, (heard, awaiting) in counts.items()}


def report_rows(quality: ProviderQuality, perinatal: list[dict] | None) -> list[ReportRow]:
    """The provider's report in the board's order; ``perinatal`` is None for a snapshot frozen
    before the report existed, which says so rather than mixing in today's figures."""
    rows = _from_quality(quality)
    if perinatal is None:
        rows.append(ReportRow(DEATHS, "Perinatal figures", "Not kept in this month's snapshot", "grey",
                              "Frozen before the board pack carried the perinatal report"))  # fmt: skip
    else:
        rows += [ReportRow(**row) for row in perinatal]
    order = {section: index for index, section in enumerate(SECTIONS)}
    return sorted(rows, key=lambda row: order[row.section])

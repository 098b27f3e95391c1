"""Spreadsheet exports (openpyxl workbook builders). Pure functions: the view saves the result."""

from django.utils import timezone
from openpyxl import Workbook

from incidents.models import IncidentStatus, ResponseType
from lmns.exports import person, stamp
from lmns.notifications import long_date
from lmns.spreadsheets import Column, write_table

# Widths in characters, within PRINT_WIDTH so that the text prints at 9 pt or more. The
# provider column holds a trust's name on two lines; long text wraps.
AGENDA_COLUMNS = [
    Column("Provider", 17),
    Column("Title", 15),
    Column("Themes", 12),
    Column("Incidents: type, harm, PSII, MNSI", 26),
    Column("What happened", 17),
    Column("What we learned", 17),
    Column("What we changed", 17),
    Column("Submitted by", 10),
    Column("Submitted on", 12),
    Column("Late accepted", 10),
]


def meeting_pack_workbook(*, meeting, submissions, generated_by) -> Workbook:
    """The SSIG meeting pack: the agenda, each item of learning once with its themes.

    ``submissions`` comes from ``selectors.ssig_agenda_submissions``, already scoped
    to what ``generated_by`` may read. Of the incidents behind the learning the pack
    gives only what the SSIG weighs: type, harm, and where the PSII and MNSI stand;
    never their references, dates or accounts, which stay with their provider.
    A sheet per theme printed each item again under each of its themes (issue #22);
    the Themes column filters the agenda to one theme instead.
    """
    submissions = list(submissions)
    generated = stamp(generated_by)
    workbook = generated.workbook()
    agenda = workbook.active
    agenda.title = "Agenda"
    cover = [
        meeting.lmns.name,
        f"Safety System Improvement Group: {long_date(meeting.meeting_on)}",
        f"Submission deadline: {long_date(meeting.submission_deadline)}",
        generated.line,
    ]
    rows = [
        [
            submission.learning.provider.name,
            submission.learning.title,
            ", ".join(theme.name for theme in submission.learning.themes.all()),
            "\n".join(incident_line(incident) for incident in submission.learning.incidents.all())
            or "Thematic: no single incident",
            submission.learning.what_happened,
            submission.learning.what_we_learned,
            submission.learning.what_we_changed,
            person(submission.submitted_by),
            # The day alone: with its time the date was too wide for its column and printed as ###.
            timezone.localtime(submission.submitted_at).date(),
            f"Accepted by {person(submission.late_accepted_by)}" if submission.late_accepted_by else "",
        ]
        for submission in submissions
    ]
    write_table(
        agenda,
        cover=cover,
        columns=AGENDA_COLUMNS,
        rows=rows,
        empty="No learning has been submitted that you can see.",
    )
    return workbook


def incident_line(incident) -> str:
    """An incident as the SSIG pack shows it: "Stillbirth; fatal physical harm, low
    psychological harm; PSII underway; MNSI accepted"."""
    harm = f"{incident.get_physical_harm_display()}, {incident.get_psychological_harm_display()}"
    parts = [str(incident.incident_type), harm.lower()]
    if incident.response_type == ResponseType.PSII:
        parts.append(f"PSII {PSII_STATES[incident.status]}")
    else:
        parts.append("no PSII")
    if not incident.mnsi_referred_on:
        parts.append("not referred to MNSI")
    elif incident.mnsi_decision:
        parts.append(f"MNSI {incident.get_mnsi_decision_display().lower()}")
    else:
        parts.append("MNSI decision awaited")
    return "; ".join(parts)


# Where a PSII stands, by its incident's status.
PSII_STATES = {
    IncidentStatus.REPORTED: "planned",
    IncidentStatus.UNDER_REVIEW: "planned",
    IncidentStatus.RESPONSE_UNDERWAY: "underway",
    IncidentStatus.CLOSED: "complete",
}

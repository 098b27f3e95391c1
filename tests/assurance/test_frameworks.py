import os
import subprocess
import sys
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from assurance.frameworks import (
    FRAMEWORKS_DIR,
    FrameworkFileError,
    load_all,
    load_framework_file,
    load_parsed,
    parse_framework_file,
)
from assurance.models import (
    Assessment,
    Deadline,
    Framework,
    FrameworkAction,
    Requirement,
    RequirementAssessment,
)
from tests.factories import make_provider

pytestmark = pytest.mark.django_db

# The titles in ../shared/domain.md, copied literally: the shipped files must match them action for action.
MIS_Y6_TITLES = [
    "Using the National Perinatal Mortality Review Tool to review perinatal deaths to the required standard",
    "Submitting data to the Maternity Services Data Set (MSDS) to the required standard",
    "Transitional care services in place to minimise separation of mothers and babies and support ATAIN "
    "recommendations",
    "Effective system of clinical (medical) workforce planning to the required standard",
    "Effective system of midwifery workforce planning to the required standard",
    "On track to comply with all elements of SBL v3",
    "Listen to women, parents and families; coproduce services",
    "Three elements of local training plans and in-house one-day MDT training",
    "Robust processes giving the Board assurance on maternity and neonatal safety and quality",
    "100% of qualifying cases reported to MNSI (HSIB) and NHSR Early Notification",
]
OCKENDEN_INTERIM_TITLES = [
    "Enhanced Safety",
    "Listening to Women and Families",
    "Staff Training and Working Together",
    "Managing Complex Pregnancy",
    "Risk Assessment Throughout Pregnancy",
    "Monitoring Fetal Wellbeing",
    "Informed Consent",
]
OCKENDEN_FINAL_TITLES = [
    "Workforce planning and sustainability",
    "Safe staffing",
    "Escalation and accountability",
    # En dashes, as written in domain.md.
    "Clinical governance – leadership",  # noqa: RUF001
    "Clinical governance – incident investigation and complaints",  # noqa: RUF001
    "Learning from maternal deaths",
    "Multidisciplinary training",
    "Complex antenatal care",
    "Preterm birth",
    "Labour and birth",
    "Obstetric anaesthesia",
    "Postnatal care",
    "Bereavement care",
    "Neonatal care",
    "Supporting families",
]

# A small valid file; the malformed cases below each break one line of it.
DEMO = """\
slug: demo
name: Demo framework
publisher: Test publisher
version: "1"
period_start: 2024-01-01
period_end: 2024-12-31
source_note: For tests.
previous: null
deadlines:
  - name: Return due
    due_on: 2025-01-31
actions:
  - code: A1
    title: First action
    requirements:
      - code: A1.1
        title: First requirement
        text: Do the first thing.
        evidence_guidance: Show the first thing.
      - code: A1.2
        title: Second requirement
        text: Do the second thing.
  - code: A2
    title: Second action
    summary: The second action.
    requirements:
      - code: A2.1
        title: Third requirement
        text: Do the third thing.
"""


def write(directory: Path, text: str, slug: str = "demo") -> Path:
    path = directory / f"{slug}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def titles(slug):
    return list(FrameworkAction.objects.filter(framework__slug=slug).values_list("title", flat=True))


def requirement_counts(slug):
    actions = FrameworkAction.objects.filter(framework__slug=slug).order_by("order")
    return [action.requirements.count() for action in actions]


def snapshot():
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (Framework, Deadline, FrameworkAction, Requirement)
    }


# --- The shipped files ------------------------------------------------------------------------


def test_shipped_files_match_domain_reference():
    load_all()

    assert titles("cnst-mis-year-6") == MIS_Y6_TITLES
    assert titles("ockenden-interim-2020") == OCKENDEN_INTERIM_TITLES
    assert titles("ockenden-final-2022") == OCKENDEN_FINAL_TITLES
    assert list(
        FrameworkAction.objects.filter(framework__slug="cnst-mis-year-6").values_list("code", flat=True)
    ) == [f"SA{n}" for n in range(1, 11)]
    # Requirements: MIS evidence elements (domain.md 1.4), interim sub-actions (2.1), one per final IEA.
    assert requirement_counts("cnst-mis-year-6") == [5, 3, 3, 3, 4, 2, 3, 2, 5, 4]
    assert requirement_counts("ockenden-interim-2020") == [3, 2, 3, 2, 1, 1, 3]
    assert requirement_counts("ockenden-final-2022") == [1] * 15
    assert Requirement.objects.get(action__framework__slug="ockenden-final-2022", code="IEA15.1")
    assert (
        Requirement.objects.filter(action__framework__slug="cnst-mis-year-6", code="SA1.1").get().title
        == "Deaths notified to MBRRACE-UK within 7 working days"
    )


def test_shipped_files_periods_deadlines_and_source_notes():
    load_all()
    mis = Framework.objects.get(slug="cnst-mis-year-6")
    interim = Framework.objects.get(slug="ockenden-interim-2020")
    final = Framework.objects.get(slug="ockenden-final-2022")

    assert (mis.name, mis.publisher, mis.version) == (
        "CNST Maternity Incentive Scheme",
        "NHS Resolution",
        "Year 6",
    )
    assert mis.period_start == date(2023, 12, 8)
    assert [(d.name, d.due_on) for d in mis.deadlines.all()] == [
        ("Board declaration to NHS Resolution", date(2025, 3, 3))
    ]
    assert mis.source_file == "assurance/frameworks/cnst-mis-year-6.yaml"
    # domain.md gives no Ockenden deadline, so none is invented.
    assert not interim.deadlines.exists() and not final.deadlines.exists()
    assert interim.actions.get(code="IEA1").summary.startswith(
        "Trusts and local networks work in partnership"
    )
    for framework in (mis, interim, final):
        assert "[M]" in framework.source_note and "published" in framework.source_note
        assert framework.previous is None
        assert all(
            r.text and r.evidence_guidance for r in Requirement.objects.filter(action__framework=framework)
        )


# --- Idempotent loading ---------------------------------------------------------------------


def test_loading_twice_changes_nothing():
    first, second = StringIO(), StringIO()
    call_command("load_frameworks", stdout=first)
    before = snapshot()
    loaded_at = dict(Framework.objects.values_list("slug", "loaded_at"))

    call_command("load_frameworks", stdout=second)

    assert first.getvalue().splitlines() == [
        "CNST Maternity Incentive Scheme (Year 6): 10 actions, 34 requirements, created",
        "Ockenden review (Final report, 30 Mar 2022): 15 actions, 15 requirements, created",
        "Ockenden review (Interim report, 10 Dec 2020): 7 actions, 15 requirements, created",
        "CNST Maternity Incentive Scheme (Year 7): 10 actions, 34 requirements, created",
        "CNST Maternity Incentive Scheme (Year 8): 10 actions, 34 requirements, created",
        "Visit template CQC five key questions (2026): 5 sections, created",
        "Visit template NHS England maternity self-assessment tool (2020): 6 sections, created",
        # The migration loaded the care bundle; loading adds only what a later file brings.
        "Saving Babies' Lives care bundle: 0 entries added",
    ]
    assert second.getvalue().splitlines() == [
        line.replace("created", "unchanged") for line in first.getvalue().splitlines()
    ]
    assert snapshot() == before
    assert dict(Framework.objects.values_list("slug", "loaded_at")) == loaded_at


def test_changed_title_in_a_copy_of_a_draft_updates_it(tmp_path):
    load_all()
    action = FrameworkAction.objects.get(framework__slug="cnst-mis-year-8", code="SA2")
    requirement_pks = list(Requirement.objects.values_list("pk", flat=True))
    copy = tmp_path / "cnst-mis-year-8.yaml"
    copy.write_text(
        (FRAMEWORKS_DIR / copy.name)
        .read_text()
        .replace(
            "title: Submitting data to the Maternity", "title: Submitting data (checked) to the Maternity"
        )
    )

    result = load_parsed(parse_framework_file(copy))

    assert result.status == "updated"
    action.refresh_from_db()
    assert action.title.startswith("Submitting data (checked)")
    assert sorted(Requirement.objects.values_list("pk", flat=True)) == sorted(requirement_pks)
    assert load_parsed(parse_framework_file(copy)).status == "unchanged"


def test_removed_deadline_action_and_requirement_are_deleted(tmp_path):
    load_framework_file(write(tmp_path, DEMO))
    smaller = DEMO.replace("  - name: Return due\n    due_on: 2025-01-31\n", "").replace(
        "deadlines:", "deadlines: []"
    )
    smaller = smaller.split("  - code: A2\n")[0].replace(
        "      - code: A1.2\n        title: Second requirement\n        text: Do the second thing.\n", ""
    )

    result = load_parsed(parse_framework_file(write(tmp_path, smaller)))

    assert (result.status, result.actions, result.requirements) == ("updated", 1, 1)
    assert list(Requirement.objects.values_list("code", flat=True)) == ["A1.1"]
    assert not Deadline.objects.exists()


def test_a_requirement_may_have_a_due_date(tmp_path):
    path = write(
        tmp_path,
        DEMO.replace("text: Do the third thing.", "text: Do the third thing.\n        due_on: 2025-03-31"),
    )

    load_framework_file(path)

    assert Requirement.objects.get(code="A2.1").due_on == date(2025, 3, 31)
    assert Requirement.objects.get(code="A1.1").due_on is None


def test_previous_is_loaded_first_whatever_the_file_order(tmp_path):
    write(tmp_path, DEMO.replace("slug: demo", "slug: z-year-1"), slug="z-year-1")
    write(
        tmp_path,
        DEMO.replace("slug: demo", "slug: a-year-2").replace("previous: null", "previous: z-year-1"),
        "a-year-2",
    )

    year_1, year_2 = load_all(tmp_path)

    assert (year_1.slug, year_2.slug) == ("z-year-1", "a-year-2")
    assert year_2.previous == year_1


# --- Malformed files are refused with the line and the reason ----------------------------------

MALFORMED = {
    "bad YAML syntax": (
        "title: First action",
        "title: First action: oops",
        14,
        "invalid YAML: mapping values",
    ),
    "unclosed quote": ("title: First action", 'title: "First action', 30, "quoted scalar from line 14"),
    "missing key": ("name: Demo framework\n", "", 1, "the framework is missing the key 'name'"),
    "missing key in an action": ("    title: Second action\n", "", 23, "action 2 is missing the key 'title'"),
    "duplicate action code": (
        "code: A2\n",
        "code: A1\n",
        23,
        "duplicate action code 'A1' (first on line 13)",
    ),
    "duplicate requirement code": ("code: A2.1", "code: A1.2", 27, "duplicate requirement code 'A1.2'"),
    "bad date": (
        "period_end: 2024-12-31",
        "period_end: 2024-02-30",
        6,
        "period_end '2024-02-30' is not a date",
    ),
    "date not ISO": (
        "due_on: 2025-01-31",
        "due_on: 31/01/2025",
        11,
        "'31/01/2025' is not a date written YYYY-MM-DD",
    ),
    "period ends before it starts": (
        "period_end: 2024-12-31",
        "period_end: 2023-12-31",
        6,
        "is before period_start",
    ),
    "unknown key": (
        "    title: Second action",
        "    titel: Second action",
        24,
        "unknown key 'titel' in action 2",
    ),
    "action without requirements": (
        "    requirements:\n      - code: A2.1\n        title: Third requirement\n"
        "        text: Do the third thing.\n",
        "    requirements: []\n",
        26,
        "action A2 has no requirements",
    ),
    "empty requirement text": (
        "text: Do the third thing.",
        'text: ""',
        29,
        "text of requirement A2.1 must not be empty",
    ),
    "duplicate key": (
        'version: "1"',
        'version: "1"\nname: Again',
        5,
        "duplicate key 'name' in the framework",
    ),
    "text where a list belongs": (
        "deadlines:\n  - name: Return due\n    due_on: 2025-01-31",
        "deadlines: soon",
        9,
        "list",
    ),
    "slug not the file name": (
        "slug: demo",
        "slug: other",
        1,
        "slug 'other' must match the file name 'demo.yaml'",
    ),
    "code with a space": ("code: A1.1", "code: A1 1", 16, "may contain only letters, digits"),
    # The same rules, and words, as a framework spreadsheet's rows (assurance/framework_rules.py).
    "requirement due date not ISO": (
        "text: Do the third thing.",
        "text: Do the third thing.\n        due_on: 31/01/2025",
        30,
        "due_on of A2.1 '31/01/2025' is not a date written YYYY-MM-DD",
    ),
    "title too long": (
        "title: Third requirement",
        "title: " + "T" * 301,
        28,
        "the title of requirement A2.1 is 301 characters long; the most allowed is 300",
    ),
}


@pytest.mark.parametrize(("old", "new", "line", "reason"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_file_is_refused_with_line_and_reason(tmp_path, old, new, line, reason):
    assert old in DEMO
    path = write(tmp_path, DEMO.replace(old, new, 1))

    with pytest.raises(FrameworkFileError) as refused:
        load_framework_file(path)

    message = str(refused.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert reason in message
    assert not Framework.objects.exists()


def test_unknown_previous_is_refused_and_nothing_written(tmp_path):
    path = write(tmp_path, DEMO.replace("previous: null", "previous: no-such-framework"))

    with pytest.raises(
        FrameworkFileError, match=rf"^{path}:8: previous names 'no-such-framework', which is not"
    ):
        load_framework_file(path)

    assert not Framework.objects.exists()


def test_one_malformed_file_stops_the_whole_batch(tmp_path):
    write(tmp_path, DEMO)
    write(tmp_path, DEMO.replace("slug: demo", "slug: later").replace("A2.1", "A1.1"), slug="later")

    with pytest.raises(FrameworkFileError, match=r"later.yaml:27: duplicate requirement code"):
        load_all(tmp_path)

    assert not Framework.objects.exists()


def test_previous_cycle_is_refused(tmp_path):
    write(tmp_path, DEMO.replace("slug: demo", "slug: one").replace("previous: null", "previous: two"), "one")
    write(tmp_path, DEMO.replace("slug: demo", "slug: two").replace("previous: null", "previous: one"), "two")

    with pytest.raises(FrameworkFileError, match=r"one.yaml:8: previous 'two' leads back to 'one'"):
        load_all(tmp_path)


def test_empty_file_is_refused(tmp_path):
    path = write(tmp_path, "# nothing here\n")

    with pytest.raises(FrameworkFileError, match=rf"^{path}:1: the file is empty"):
        load_framework_file(path)


# --- Assessed requirements are never deleted -------------------------------------------------


def assess(code):
    requirement = Requirement.objects.get(code=code)
    assessment, _ = Assessment.objects.get_or_create(
        provider=make_provider(), framework=requirement.action.framework
    )
    return RequirementAssessment.objects.create(assessment=assessment, requirement=requirement)


def test_removing_an_assessed_requirement_is_refused(tmp_path):
    load_framework_file(write(tmp_path, DEMO))
    assess("A1.2")
    before = snapshot()
    # Also retitle an action, to show that a refused file changes nothing.
    changed = DEMO.replace(
        "      - code: A1.2\n        title: Second requirement\n        text: Do the second thing.\n", ""
    ).replace("title: First action", "title: Renamed action")

    with pytest.raises(FrameworkFileError) as refused:
        load_framework_file(write(tmp_path, changed))

    assert str(refused.value).startswith(
        f"{tmp_path / 'demo.yaml'}:13: requirement A1.2 is no longer in the file"
    )
    assert "providers have assessed it" in str(refused.value)
    assert snapshot() == before
    assert FrameworkAction.objects.get(code="A1").title == "First action"


def test_removing_an_action_whose_assessed_requirement_is_kept_elsewhere(tmp_path):
    load_framework_file(write(tmp_path, DEMO))
    item = assess("A2.1")
    # A2 goes; its requirement moves under A1 and keeps its assessment.
    moved = DEMO.split("  - code: A2\n")[0] + (
        "      - code: A2.1\n        title: Third requirement\n        text: Do the third thing.\n"
    )

    load_framework_file(write(tmp_path, moved))

    item.refresh_from_db()
    assert item.requirement.action.code == "A1"
    assert list(FrameworkAction.objects.values_list("code", flat=True)) == ["A1"]


# --- The management command ------------------------------------------------------------------


def test_command_loads_the_files_given(tmp_path):
    out = StringIO()

    call_command("load_frameworks", str(write(tmp_path, DEMO)), stdout=out)

    assert out.getvalue() == "Demo framework (1): 2 actions, 3 requirements, created\n"


def test_command_refuses_a_malformed_file(tmp_path):
    path = write(tmp_path, DEMO.replace("code: A2\n", "code: A1\n"))

    with pytest.raises(CommandError, match=rf"^{path}:23: duplicate action code 'A1'") as refused:
        call_command("load_frameworks", str(path), stdout=StringIO())

    assert refused.value.returncode == 1
    assert not Framework.objects.exists()


def test_command_line_prints_the_error_to_stderr_and_exits_non_zero(tmp_path):
    # Refused while parsing, so this never opens the development database.
    path = write(tmp_path, DEMO.replace("    title: Second action", "    titel: Second action"))

    completed = subprocess.run(
        [sys.executable, "manage.py", "load_frameworks", str(path)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DEBUG": "false"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert completed.returncode == 1
    assert f"{path}:24: unknown key 'titel' in action 2; did you mean 'title'?" in completed.stderr
    assert completed.stdout == ""

"""Frameworks as data: parse, validate and load the files in assurance/frameworks/.

Each framework version (an Ockenden report, a CNST MIS year) is one YAML file; a new MIS year is a new
file, not new code. Files are validated completely before anything is written, every error names the
file and line (``file:line: reason``), and loading the same file twice changes nothing.
"""

import difflib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assurance import framework_rules as rules
from assurance.framework_rules import RuleError, Where
from assurance.models import Deadline, Framework, FrameworkAction, FrameworkStatus, Requirement

FRAMEWORKS_DIR = Path(__file__).resolve().parent / "frameworks"

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

FRAMEWORK_KEYS = (
    "slug",
    "name",
    "publisher",
    "version",
    "period_start",
    "period_end",
    "source_note",
    "previous",
    "deadlines",
    "actions",
)
FRAMEWORK_OPTIONAL = ("status",)
# A data file may ship a framework as a draft (checked and published in the product), in force
# (the deployment administrator vouches for it by loading it), or closed.
FILE_STATUSES = ("draft", "published", "closed")
DEADLINE_KEYS = ("name", "due_on")
ACTION_KEYS = ("code", "title", "requirements")
ACTION_OPTIONAL = ("summary",)
REQUIREMENT_KEYS = ("code", "title", "text")
REQUIREMENT_OPTIONAL = ("evidence_guidance", "threshold", "due_on", "wording_checked", "replaces")


class FrameworkFileError(ValueError):
    """A framework file that cannot be loaded. The message reads ``file:line: reason``."""


@dataclass
class RequirementData:
    where: Where
    code: str
    title: str
    text: str
    evidence_guidance: str
    threshold: str = ""
    due_on: date | None = None
    wording_checked: bool = False
    # The code of the requirement it replaces in the previous version; "" for none, None when the
    # file does not say, which means the requirement of the same code, if there is one.
    replaces: str | None = None


@dataclass
class ActionData:
    where: Where  # where its code is given
    code: str
    title: str
    summary: str
    requirements: list[RequirementData]
    requirements_where: Where  # where an action without requirements is reported


@dataclass
class DeadlineData:
    name: str
    due_on: date


@dataclass
class FrameworkData:
    """A framework file, validated, with the line numbers needed to report errors found later."""

    path: str
    slug: str
    slug_line: int
    name: str
    publisher: str
    version: str
    period_start: date | None
    period_end: date | None
    source_note: str
    previous: str | None
    previous_line: int
    status: str
    status_line: int
    deadlines: list[DeadlineData]
    actions: list[ActionData]
    actions_line: int

    def error(self, line: int, reason: str) -> FrameworkFileError:
        return FrameworkFileError(f"{self.path}:{line}: {reason}")


@dataclass
class LoadResult:
    framework: Framework
    status: str  # "created", "updated" or "unchanged"
    actions: int
    requirements: int


# --- Parsing: YAML nodes keep their line numbers, so every error can point at its line ---------


def line_number(node) -> int:
    return node.start_mark.line + 1


class DataFileParser:
    def __init__(self, shown: str):
        self.shown = shown

    def error(self, node, reason: str) -> FrameworkFileError:
        return FrameworkFileError(f"{self.shown}:{line_number(node)}: {reason}")

    def mapping(self, node, what: str, required: tuple, optional: tuple = ()) -> dict:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, f"{what} must be a mapping of keys ({', '.join(required)})")
        allowed = required + optional
        found = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                suggestion = f"; did you mean '{hint[0]}'?" if hint else f"; expected {', '.join(allowed)}"
                raise self.error(key_node, f"unknown key '{key}' in {what}{suggestion}")
            if key in found:
                first = line_number(found[key][0])
                raise self.error(key_node, f"duplicate key '{key}' in {what} (first given on line {first})")
            found[key] = (key_node, value_node)
        for key in required:
            if key not in found:
                raise self.error(node, f"{what} is missing the key '{key}'")
        return {key: value for key, (_, value) in found.items()}

    def sequence(self, node, what: str) -> list:
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(node, f"{what} must be a list")
        return node.value

    def where(self, node) -> Where:
        return Where(self.shown, line_number(node))

    def text(self, node, what: str, max_length: int | None = None, *, blank: bool = False) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(
                node, f"{what} must be text, not a {'list' if node.id == 'sequence' else 'mapping'}"
            )
        # A bare number or yes/no is still read as the text written (version: 2020 means "2020").
        value = "" if node.tag == "tag:yaml.org,2002:null" else node.value
        return self._rule(node, rules.text, value, what, max_length, blank=blank)

    def code(self, node, what: str, max_length: int) -> str:
        return self._rule(node, rules.code, self.text(node, what, blank=True), what, max_length)

    def boolean(self, node, what: str) -> bool:
        if node is None:
            return False
        return self._rule(node, rules.boolean, self.text(node, what), what)

    def date(self, node, what: str, *, null: bool = False) -> date | None:
        return self._rule(node, rules.iso_date, self.text(node, what, blank=True), what, blank=null)

    def _rule(self, node, rule, *args, **kwargs):
        try:
            return rule(*args, **kwargs)
        except RuleError as error:
            raise self.error(node, str(error)) from None


def read_data_file(path: Path) -> tuple[yaml.Node, str]:
    """The YAML tree of a data file (a framework, visit template or maturity model) and the path
    its errors name, or a FrameworkFileError saying which line is wrong."""
    shown = _shown_path(path)
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkFileError(f"{shown}:1: cannot read the file: {exc}") from exc
    try:
        root = yaml.compose(content, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise _yaml_error(shown, content, exc) from exc
    if root is None:
        raise FrameworkFileError(f"{shown}:1: the file is empty")
    return root, shown


def parse_framework_file(path) -> FrameworkData:
    """Read and validate one framework file without touching the database."""
    path = Path(path)
    root, shown = read_data_file(path)
    p = DataFileParser(shown)
    top = p.mapping(root, "the framework", FRAMEWORK_KEYS, FRAMEWORK_OPTIONAL)
    slug = p.text(top["slug"], "slug", 80)
    if not SLUG_RE.match(slug):
        raise p.error(top["slug"], f"slug '{slug}' must be lower-case letters and digits joined by hyphens")
    # One slug, one file: a copied file whose slug was not changed would otherwise overwrite the original.
    if slug != path.stem:
        raise p.error(top["slug"], f"slug '{slug}' must match the file name '{path.stem}{path.suffix}'")
    period_start = p.date(top["period_start"], "period_start", null=True)
    period_end = p.date(top["period_end"], "period_end", null=True)
    if period_start and period_end and period_end < period_start:
        raise p.error(top["period_end"], f"period_end {period_end} is before period_start {period_start}")
    previous = p.text(top["previous"], "previous", 80, blank=True) or None
    status = p.text(top["status"], "status", 20) if "status" in top else "draft"
    if status not in FILE_STATUSES:
        raise p.error(top["status"], f"status '{status}' must be one of {', '.join(FILE_STATUSES)}")
    if previous == slug:
        raise p.error(top["previous"], "previous names this framework itself")

    deadlines = []
    deadline_lines = {}
    for node in p.sequence(top["deadlines"], "deadlines"):
        fields = p.mapping(node, "a deadline", DEADLINE_KEYS)
        name = p.text(fields["name"], "deadline name", 200)
        if name in deadline_lines:
            raise p.error(
                fields["name"], f"duplicate deadline '{name}' (first on line {deadline_lines[name]})"
            )
        deadline_lines[name] = line_number(fields["name"])
        deadlines.append(DeadlineData(name=name, due_on=p.date(fields["due_on"], f"due_on of '{name}'")))

    actions = []
    action_nodes = p.sequence(top["actions"], "actions")
    if not action_nodes:
        raise p.error(top["actions"], "actions is empty; a framework needs at least one action")
    for number, node in enumerate(action_nodes, start=1):
        fields = p.mapping(node, f"action {number}", ACTION_KEYS, ACTION_OPTIONAL)
        code = p.code(fields["code"], f"the code of action {number}", rules.ACTION_CODE_LENGTH)
        requirements = []
        requirement_nodes = p.sequence(fields["requirements"], f"the requirements of action {code}")
        for r_number, r_node in enumerate(requirement_nodes, start=1):
            what = f"requirement {r_number} of action {code}"
            r_fields = p.mapping(r_node, what, REQUIREMENT_KEYS, REQUIREMENT_OPTIONAL)
            requirements.append(_requirement(p, r_fields, what))
        summary = fields.get("summary")
        actions.append(
            ActionData(
                where=p.where(fields["code"]),
                code=code,
                title=p.text(fields["title"], f"the title of action {code}", rules.TITLE_LENGTH),
                summary=p.text(summary, f"the summary of action {code}", blank=True) if summary else "",
                requirements=requirements,
                requirements_where=p.where(fields["requirements"]),
            )
        )
    if errors := rules.structure_errors(actions):
        where, reason = errors[0]
        raise FrameworkFileError(f"{where}: {reason}")

    return FrameworkData(
        path=shown,
        slug=slug,
        slug_line=line_number(top["slug"]),
        name=p.text(top["name"], "name", 200),
        publisher=p.text(top["publisher"], "publisher", 200),
        version=p.text(top["version"], "version", 50),
        period_start=period_start,
        period_end=period_end,
        source_note=p.text(top["source_note"], "source_note", blank=True),
        previous=previous,
        previous_line=line_number(top["previous"]),
        status=status,
        status_line=line_number(top["status"]) if "status" in top else line_number(top["slug"]),
        deadlines=deadlines,
        actions=actions,
        actions_line=line_number(top["actions"]),
    )


def _requirement(p: DataFileParser, fields: dict, what: str) -> RequirementData:
    code = p.code(fields["code"], f"the code of {what}", rules.REQUIREMENT_CODE_LENGTH)
    guidance = fields.get("evidence_guidance")
    threshold = fields.get("threshold")
    due_on = fields.get("due_on")
    replaces = fields.get("replaces")
    return RequirementData(
        where=p.where(fields["code"]),
        code=code,
        title=p.text(fields["title"], f"the title of requirement {code}", rules.TITLE_LENGTH),
        text=p.text(fields["text"], f"the text of requirement {code}"),
        evidence_guidance=p.text(guidance, "evidence_guidance", blank=True) if guidance else "",
        threshold=p.text(threshold, f"the threshold of {code}", rules.THRESHOLD_LENGTH, blank=True)
        if threshold
        else "",
        due_on=p.date(due_on, f"due_on of {code}", null=True) if due_on else None,
        wording_checked=p.boolean(fields.get("wording_checked"), f"wording_checked of {code}"),
        replaces=p.text(replaces, f"replaces of {code}", rules.REQUIREMENT_CODE_LENGTH, blank=True)
        if replaces
        else None,
    )


def _yaml_error(shown: str, content: str, exc: yaml.YAMLError) -> FrameworkFileError:
    if isinstance(exc, yaml.reader.ReaderError):  # e.g. a control character pasted from a document
        line = content.count("\n", 0, exc.position) + 1
        return FrameworkFileError(f"{shown}:{line}: invalid YAML: {exc.reason}")
    problem, context = exc.problem_mark, exc.context_mark
    line = (problem or context).line + 1 if (problem or context) else 1
    reason = exc.problem or str(exc)
    if exc.context:
        # e.g. an unclosed quote is found at the end of the file; say where the quote opened.
        where = f" from line {context.line + 1}" if context and context.line + 1 != line else ""
        reason += f" ({exc.context}{where})"
    return FrameworkFileError(f"{shown}:{line}: invalid YAML: {reason}")


def _shown_path(path: Path) -> str:
    """The path as given in messages and stored in Framework.source_file: relative to the project."""
    try:
        shown = str(path.resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        shown = str(path)
    return shown if len(shown) <= 200 else path.name


def parse_files(paths) -> list[FrameworkData]:
    """Validate every file, then order them so each comes after the file its ``previous`` names."""
    parsed = [parse_framework_file(path) for path in paths]
    by_slug = {}
    for data in parsed:
        if data.slug in by_slug:
            raise data.error(data.slug_line, f"slug '{data.slug}' is also used by {by_slug[data.slug].path}")
        by_slug[data.slug] = data
    ordered, placed, pending = [], set(), list(parsed)
    while pending:
        ready = [d for d in pending if d.previous not in by_slug or d.previous in placed]
        if not ready:
            data = pending[0]
            raise data.error(data.previous_line, f"previous '{data.previous}' leads back to '{data.slug}'")
        for data in ready:
            ordered.append(data)
            placed.add(data.slug)
            pending.remove(data)
    return ordered


def framework_files(directory=None) -> list[Path]:
    return sorted(Path(directory or FRAMEWORKS_DIR).glob("*.yaml"))


# --- Loading ---------------------------------------------------------------------------------


def _sync(existing: dict, key, model, values: dict):
    """Create the row or update only the fields that differ; returns (object, changed)."""
    obj = existing.get(key)
    if obj is None:
        return model.objects.create(**values), True
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save(update_fields=changed)
    return obj, bool(changed)


@transaction.atomic
def load_parsed(data: FrameworkData) -> LoadResult:
    """Create or update one framework from a validated file; all of it or none of it."""
    previous = None
    if data.previous:
        previous = Framework.objects.filter(slug=data.previous).first()
        if previous is None:
            raise data.error(
                data.previous_line,
                f"previous names '{data.previous}', which is not loaded; "
                "load its file first or correct the slug",
            )
    framework = Framework.objects.select_for_update().filter(slug=data.slug).first()
    codes = {r.code for a in data.actions for r in a.requirements}
    if framework:
        # Assessments PROTECT their requirement: refuse before writing anything, and say which codes.
        assessed = dict(
            Requirement.objects.filter(action__framework=framework, assessments__isnull=False)
            .exclude(code__in=codes)
            .order_by("action__order", "order")
            .values_list("code", "action__code")
        )
        if assessed:
            # Point at the action that held the first of them, if it is still in the file.
            action_lines = {a.code: a.where.line for a in data.actions}
            line = action_lines.get(next(iter(assessed.values())), data.actions_line)
            raise data.error(
                line,
                f"requirement {', '.join(assessed)} is no longer in the file but providers have assessed it; "
                "keep it, or publish the change as a new framework version (a new file with "
                f"previous: {data.slug})",
            )

    earlier = (
        dict(Requirement.objects.filter(action__framework=previous).values_list("code", "pk"))
        if previous
        else {}
    )
    if errors := rules.replaces_errors(data.actions, earlier=set(earlier), previous=data.previous):
        where, reason = errors[0]
        raise FrameworkFileError(f"{where}: {reason}")
    replaces = {}
    for action_data in data.actions:
        for r_item in action_data.requirements:
            # Not saying means the requirement of the same code, if the previous version has one.
            code = r_item.code if r_item.replaces is None else r_item.replaces
            replaces[r_item.code] = earlier.get(code)
    was_settled = framework is not None and framework.status != FrameworkStatus.DRAFT

    values = {
        "name": data.name,
        "publisher": data.publisher,
        "version": data.version,
        "period_start": data.period_start,
        "period_end": data.period_end,
        "source_file": data.path,
        "source_note": data.source_note,
        "previous_id": previous.pk if previous else None,
    }
    if framework is None:
        framework = Framework.objects.create(slug=data.slug, **values)
        created, changed = True, True
    else:
        created = False
        changed = any(getattr(framework, name) != value for name, value in values.items())
        for name, value in values.items():
            setattr(framework, name, value)

    deadlines = {d.name: d for d in framework.deadlines.all()}
    for item in data.deadlines:
        values = {"framework_id": framework.pk, "name": item.name, "due_on": item.due_on}
        changed |= _sync(deadlines, item.name, Deadline, values)[1]
    stale = framework.deadlines.exclude(name__in=[d.name for d in data.deadlines])
    changed |= stale.delete()[0] > 0

    actions = {a.code: a for a in framework.actions.all()}
    requirements = {r.code: r for r in Requirement.objects.filter(action__framework=framework)}
    for order, item in enumerate(data.actions, start=1):
        values = {
            "framework_id": framework.pk,
            "code": item.code,
            "title": item.title,
            "summary": item.summary,
            "order": order,
        }
        action, action_changed = _sync(actions, item.code, FrameworkAction, values)
        changed |= action_changed
        for r_order, r_item in enumerate(item.requirements, start=1):
            # Looked up by code across the framework, so a requirement moved to another action
            # keeps its assessments.
            values = {
                "action_id": action.pk,
                "code": r_item.code,
                "title": r_item.title,
                "text": r_item.text,
                "evidence_guidance": r_item.evidence_guidance,
                "threshold": r_item.threshold,
                "due_on": r_item.due_on,
                "wording_checked": r_item.wording_checked,
                "replaces_id": replaces[r_item.code],
                "order": r_order,
            }
            changed |= _sync(requirements, r_item.code, Requirement, values)[1]
    changed |= Requirement.objects.filter(action__framework=framework).exclude(code__in=codes).delete()[0] > 0
    action_codes = [a.code for a in data.actions]
    changed |= framework.actions.exclude(code__in=action_codes).delete()[0] > 0

    if changed and was_settled:
        raise data.error(
            data.slug_line,
            f"'{data.slug}' is {framework.get_status_display().lower()} and is never edited in place; "
            "correct it as a revision in the product, or as a new file with "
            f"previous: {data.slug}",
        )
    changed |= _apply_status(framework, data)
    if changed:
        framework.save()  # also stamps loaded_at
    status = "created" if created else "updated" if changed else "unchanged"
    return LoadResult(framework=framework, status=status, actions=len(data.actions), requirements=len(codes))


_STATUS_ORDER = [FrameworkStatus.DRAFT, FrameworkStatus.PUBLISHED, FrameworkStatus.CLOSED]


def _apply_status(framework: Framework, data: FrameworkData) -> bool:
    """Move the framework forward to the file's status; a file never takes one back."""
    current = framework.status
    if current == FrameworkStatus.AWAITING_APPROVAL:
        current = FrameworkStatus.DRAFT
    wanted = FrameworkStatus(data.status)
    if _STATUS_ORDER.index(wanted) < _STATUS_ORDER.index(current):
        raise data.error(
            data.status_line,
            f"status '{data.status}' would take '{data.slug}' back from "
            f"{framework.get_status_display().lower()}",
        )
    if wanted == current:
        return framework.status != current  # awaiting approval stays as it is
    now = timezone.now()
    if wanted in (FrameworkStatus.PUBLISHED, FrameworkStatus.CLOSED) and not framework.published_at:
        framework.published_at = now
    if wanted == FrameworkStatus.CLOSED:
        framework.closed_at = now
    framework.status = wanted
    return True


def load_framework_file(path) -> Framework:
    """Load one file. A framework it names as ``previous`` must already be loaded."""
    return load_parsed(parse_framework_file(path)).framework


def load_all(directory=None) -> list[Framework]:
    """Load every ``*.yaml`` in ``directory`` (default assurance/frameworks/), each file atomically.

    Every file is validated before the first is loaded, so one malformed file loads nothing.
    """
    return [load_parsed(data).framework for data in parse_files(framework_files(directory))]

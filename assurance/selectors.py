"""Compliance positions: per action for one provider, and providers x actions for the LMNS.

An action (or IEA) is met only when every one of its requirements is met or not
applicable; it is LMNS-verified only when every requirement is also accepted.
Both are derived here from the requirement rows, never stored.
"""

import difflib
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from assurance.models import (
    DONE_STATUSES,
    FrameworkAction,
    Requirement,
    RequirementAssessment,
    Status,
    Verification,
    overdue_action_plan,
)


class Rag:
    """An action's rating: the one definition the matrix, the assessment page and every board
    workbook use, so that a colour means the same wherever the board sees it."""

    GREEN = "green"
    AMBER = "amber"
    IN_PROGRESS = "in_progress"
    RED = "red"
    GREY = "grey"

    LABELS = {
        GREEN: "Met and verified by the LMNS",
        AMBER: "Met by self-assessment, awaiting LMNS verification",
        IN_PROGRESS: "In progress: some requirements met or partly met, none not met or challenged",
        RED: "A requirement assessed as not met, or challenged by the LMNS",
        GREY: "Not started",
    }
    # Short words for a tag or a cell, beside the colour (never colour alone).
    NAMES = {
        GREEN: "Met, verified",
        AMBER: "Met, awaiting LMNS",
        IN_PROGRESS: "In progress",
        RED: "Not met or challenged",
        GREY: "Not started",
    }


@dataclass
class ActionPosition:
    action: FrameworkAction
    total: int = 0
    done: int = 0  # met or not applicable, as the provider assesses it
    accepted: int = 0  # accepted by the LMNS
    accepted_done: int = 0  # both: what the board should rely on
    challenged: int = 0
    not_met: int = 0  # assessed as not met: partly met is progress, not failure
    not_started: int = 0
    overdue_plans: int = 0
    items: list = field(default_factory=list)

    @property
    def outstanding(self) -> int:
        return self.total - self.done

    @property
    def is_met(self) -> bool:
        return self.total > 0 and self.done == self.total

    @property
    def is_verified_met(self) -> bool:
        return self.total > 0 and self.accepted_done == self.total

    @property
    def rag(self) -> str:
        if self.total == 0 or self.not_started == self.total:
            return Rag.GREY
        if self.is_verified_met:
            return Rag.GREEN
        if self.not_met or self.challenged:
            return Rag.RED
        if self.is_met:
            return Rag.AMBER
        return Rag.IN_PROGRESS

    @property
    def rag_name(self) -> str:
        return Rag.NAMES[self.rag]

    @property
    def reason(self) -> str:
        """The RAG rating in words, for the matrix and the board."""
        if self.rag == Rag.GREY:
            return "No requirement assessed yet"
        if self.rag == Rag.GREEN:
            return f"All {self.total} requirements met and verified"
        if self.rag == Rag.AMBER:
            return f"All met; {self.total - self.accepted_done} awaiting LMNS verification"
        parts = []
        partly_met = self.outstanding - self.not_met - self.not_started
        for count, words in (
            (self.not_met, "not met"),
            (partly_met, "partly met"),
            (self.not_started, "not started"),
        ):
            if count:
                parts.append(f"{count} of {self.total} {words}")
        if self.challenged:
            parts.append(f"{self.challenged} challenged by the LMNS")
        if self.overdue_plans:
            parts.append(f"{self.overdue_plans} action plan{'s' if self.overdue_plans > 1 else ''} overdue")
        return "; ".join(parts)


def action_position(action, rows) -> ActionPosition:
    position = ActionPosition(action=action)
    for row in rows:
        _count(position, row)
    return position


def _count(position: ActionPosition, row: dict) -> None:
    """Add one of ``grouped_rows`` to an action's position."""
    n = row["n"]
    position.total += n
    done = row["status"] in DONE_STATUSES
    accepted = row["verification"] == Verification.ACCEPTED
    position.done += n if done else 0
    position.accepted += n if accepted else 0
    position.accepted_done += n if done and accepted else 0
    position.challenged += n if row["verification"] == Verification.CHALLENGED else 0
    position.not_met += n if row["status"] == Status.NOT_MET else 0
    position.not_started += n if row["status"] == Status.NOT_STARTED else 0
    position.overdue_plans += row["overdue"]


def requirement_rag(*, status: str, verification: str) -> str:
    """One requirement's rating, by the same rules as an action of that one requirement."""
    position = ActionPosition(action=None)
    _count(position, {"n": 1, "status": status, "verification": verification, "overdue": 0})
    return position.rag


def grouped_rows(items, today=None):
    """Requirement rows counted by (provider, action, status, verification), in one query."""
    overdue = overdue_action_plan(today)
    return (
        items.values("assessment__provider", "requirement__action", "status", "verification")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=overdue))
        .order_by()
    )


def assessment_positions(*, assessment, today=None) -> list[ActionPosition]:
    """Each action of the assessment's framework, with its requirement items attached."""
    actions = list(FrameworkAction.objects.filter(framework_id=assessment.framework_id))
    rows = defaultdict(list)
    for row in grouped_rows(assessment.items.all(), today):
        rows[row["requirement__action"]].append(row)
    positions = {action.pk: action_position(action, rows[action.pk]) for action in actions}
    items = assessment.items.select_related("requirement").annotate(
        evidence_count=Count("evidence_links", filter=Q(evidence_links__to_review=False)),
        to_review_count=Count("evidence_links", filter=Q(evidence_links__to_review=True)),
    )
    for item in items:
        positions[item.requirement.action_id].items.append(item)
    return [positions[action.pk] for action in actions]


@dataclass
class MatrixRow:
    provider: object
    assessment_id: int | None
    cells: list  # ActionPosition per action, in framework order

    @property
    def actions_met(self) -> int:
        return sum(cell.is_met for cell in self.cells)

    @property
    def actions_verified(self) -> int:
        return sum(cell.is_verified_met for cell in self.cells)


def compliance_matrix(*, framework, providers, today=None) -> tuple[list[FrameworkAction], list[MatrixRow]]:
    """Providers x actions for one framework, each cell an ActionPosition, in three queries."""
    actions = list(FrameworkAction.objects.filter(framework=framework))
    providers = list(providers)
    items = RequirementAssessment.objects.filter(
        assessment__framework=framework, assessment__provider__in=[p.pk for p in providers]
    )
    positions = {(p.pk, a.pk): ActionPosition(action=a) for p in providers for a in actions}
    # Streamed and counted as they come: there is a grouped row for each status and
    # verification in use, so for an LMNS's providers they can outweigh the whole workbook.
    for row in grouped_rows(items, today).iterator(chunk_size=2000):
        _count(positions[(row["assessment__provider"], row["requirement__action"])], row)
    assessment_ids = dict(
        framework.assessments.filter(provider__in=[p.pk for p in providers]).values_list("provider", "pk")
    )
    matrix = [
        MatrixRow(
            provider=provider,
            assessment_id=assessment_ids.get(provider.pk),
            cells=[positions[(provider.pk, action.pk)] for action in actions],
        )
        for provider in providers
    ]
    return actions, matrix


@dataclass(frozen=True)
class Challenge:
    at: object
    by: object
    comment: str


def item_challenges(*, item) -> list[Challenge]:
    """Every challenge the LMNS made to a requirement, oldest first, read from its history so
    that an answered, resubmitted or later accepted requirement still shows what was asked."""
    records = (
        item.history.filter(verification=Verification.CHALLENGED)
        .exclude(challenge_comment="")
        .select_related("verified_by")
        .order_by("history_date")
    )
    challenges = {}
    for record in records:
        # Later saves of a challenged item repeat its challenge: one per time it was made.
        challenges.setdefault(
            (record.verified_at, record.challenge_comment),
            Challenge(at=record.verified_at, by=record.verified_by, comment=record.challenge_comment),
        )
    return list(challenges.values())


# --- Year on year: what a version changed from the one before it ---------------------------------


class Change:
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    RETIRED = "retired"

    LABELS = {NEW: "New", CHANGED: "Changed", UNCHANGED: "Unchanged", RETIRED: "Retired"}


@dataclass
class RequirementChange:
    kind: str
    requirement: object  # this version's requirement; the retired one for RETIRED
    replaces: object = None
    # Word-level difference of the wording: (operation, text) with operation "same", "added" or "removed".
    difference: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return Change.LABELS[self.kind]


def word_difference(old: str, new: str) -> list[tuple[str, str]]:
    old_words, new_words = old.split(), new.split()
    parts = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for operation, a1, a2, b1, b2 in matcher.get_opcodes():
        if operation == "equal":
            parts.append(("same", " ".join(old_words[a1:a2])))
            continue
        if a2 > a1:
            parts.append(("removed", " ".join(old_words[a1:a2])))
        if b2 > b1:
            parts.append(("added", " ".join(new_words[b1:b2])))
    return parts


def _wording(requirement) -> str:
    # The threshold is part of what a provider is held to: a changed one must show in the difference.
    threshold = f" Threshold: {requirement.threshold}." if requirement.threshold else ""
    return f"{requirement.title}. {requirement.text}{threshold}"


def requirement_change(*, requirement, framework) -> RequirementChange | None:
    """One requirement against the one it replaces (None when the framework follows no version)."""
    if not framework.previous_id:
        return None
    old = requirement.replaces
    if old is None:
        return RequirementChange(Change.NEW, requirement)
    if _wording(old) == _wording(requirement):
        return RequirementChange(Change.UNCHANGED, requirement, old)
    return RequirementChange(
        Change.CHANGED, requirement, old, word_difference(_wording(old), _wording(requirement))
    )


def framework_changes(*, framework) -> dict[int, RequirementChange] | None:
    """For each requirement of ``framework`` (by pk), whether it is new, changed or unchanged against
    the one it replaces, plus the previous version's retired requirements under the key ``None`` as a
    list. None when the framework follows no earlier version."""
    if not framework.previous_id:
        return None
    current = list(
        Requirement.objects.filter(action__framework=framework).select_related("replaces", "action")
    )
    changes = {
        requirement.pk: requirement_change(requirement=requirement, framework=framework)
        for requirement in current
    }
    replaced = {r.replaces_id for r in current if r.replaces_id}
    changes[None] = [
        RequirementChange(Change.RETIRED, old)
        for old in Requirement.objects.filter(action__framework_id=framework.previous_id)
        .exclude(pk__in=replaced)
        .select_related("action")
    ]
    return changes


@dataclass
class ChangeSummary:
    """What a provider's assessment of a new version needs to know first: how much changed since the
    version it follows, and how much evidence came forward from it to review."""

    previous: object
    new: int
    changed: int
    retired: int
    to_review: int


def assessment_changes(*, assessment, positions: list[ActionPosition]) -> ChangeSummary | None:
    """Marks each item of ``positions`` (from ``assessment_positions``) with its requirement's change
    since the previous version, as ``item.change``; None when the framework follows no version."""
    changes = framework_changes(framework=assessment.framework)
    if changes is None:
        return None
    items = [item for position in positions for item in position.items]
    for item in items:
        item.change = changes.get(item.requirement_id)
    kinds = Counter(change.kind for key, change in changes.items() if key is not None)
    return ChangeSummary(
        previous=assessment.framework.previous,
        new=kinds[Change.NEW],
        changed=kinds[Change.CHANGED],
        retired=len(changes[None]),
        to_review=sum(item.to_review_count for item in items),
    )

"""Authoring compliance frameworks in the product: new versions, drafts, two-key publishing.

A framework moves draft → awaiting approval → published → closed. Only a draft is edited. One
person prepares a draft for approval and a different one approves it (the deployment
administrator, or a safety lead: ``lmns.access.approves_framework``). A published framework is
never edited in place: a correction is a new revision, and publishing it closes the one it
corrects, whose assessments keep the wording that was answered.
"""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from assurance.models import Deadline, Framework, FrameworkAction, FrameworkStatus, Requirement
from lmns import access
from lmns.uploads import PDF, check_upload

FRAMEWORK_FIELDS = (
    "name",
    "publisher",
    "version",
    "period_start",
    "period_end",
    "source_note",
    "source_publisher",
    "source_title",
    "source_date",
    "source_url",
    "change_note",
)
ACTION_FIELDS = ("code", "title", "summary")
DEADLINE_FIELDS = ("name", "due_on")
REQUIREMENT_FIELDS = (
    "code",
    "title",
    "text",
    "evidence_guidance",
    "threshold",
    "due_on",
    "wording_checked",
    "replaces",
)


def ensure_draft(framework: Framework) -> None:
    """Refuse to change a framework that is not a draft."""
    if not framework.is_draft:
        raise ValidationError(
            f"{framework} is {framework.get_status_display().lower()}, so it cannot be edited. "
            "A published framework is corrected by starting a revision."
        )


def assign_fields(obj, fields: dict, allowed: tuple) -> None:
    for name, value in fields.items():
        if name not in allowed:
            raise TypeError(f"{name} is not a field of {type(obj).__name__} that authoring changes")
        setattr(obj, name, value)


def _ensure_author(framework: Framework, by) -> None:
    if not access.authors_framework(by, framework):
        raise PermissionDenied


def unique_slug(*parts: str) -> str:
    base = slugify("-".join(p for p in parts if p))[:70].strip("-") or "framework"
    slug, n = base, 1
    while Framework.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def framework_copy(
    *, source: Framework, by, name: str, version: str, lmns=None, change_note: str = "", revision=False
) -> Framework:
    """A new draft with the source's actions and requirements, each requirement replacing the one it
    was copied from.

    A new version (next year's scheme) follows the source, so providers' evidence is carried
    forward; its wording is not yet checked against the new year's guidance. A revision corrects
    a published framework in place of it: same predecessor, same checks.
    """
    draft = Framework(
        slug=unique_slug(name, version, lmns.code if lmns else ""),
        name=name,
        version=version,
        lmns=lmns,
        publisher=source.publisher,
        period_start=source.period_start,
        period_end=source.period_end,
        # A revision keeps the provenance it corrects; a new version's note would describe last year's
        # checks, so it starts by saying what it is until its author records how it was checked.
        source_note=source.source_note
        if revision
        else (
            f"Copied from {source}: its wording, thresholds, period and deadlines are that version's "
            "until each is checked against this version's published guidance."
        ),
        change_note=change_note,
        previous=source.previous if revision else source,
        revises=source if revision else None,
    )
    if revision:
        for field in ("source_publisher", "source_title", "source_date", "source_url"):
            setattr(draft, field, getattr(source, field))
    _ensure_author(draft, by)
    draft.full_clean()
    draft.save()
    if revision:
        copy_source_document(source, draft)
    for deadline in source.deadlines.all():
        draft.deadlines.create(name=deadline.name, due_on=deadline.due_on)
    for action in source.actions.prefetch_related("requirements"):
        copy = FrameworkAction.objects.create(
            framework=draft, code=action.code, title=action.title, summary=action.summary, order=action.order
        )
        Requirement.objects.bulk_create(
            Requirement(
                action=copy,
                code=r.code,
                title=r.title,
                text=r.text,
                evidence_guidance=r.evidence_guidance,
                threshold=r.threshold,
                due_on=r.due_on,
                order=r.order,
                # A revision replaces what the corrected one replaced; a new version replaces the copy.
                replaces_id=r.replaces_id if revision else r.pk,
                wording_checked=r.wording_checked if revision else False,
            )
            for r in action.requirements.all()
        )
    return draft


@transaction.atomic
def framework_update(*, framework: Framework, by, **fields) -> Framework:
    ensure_draft(framework)
    _ensure_author(framework, by)
    assign_fields(framework, fields, FRAMEWORK_FIELDS)
    framework.full_clean()
    if framework.period_start and framework.period_end and framework.period_end < framework.period_start:
        raise ValidationError({"period_end": "The period must end after it starts."})
    framework.save()
    return framework


@transaction.atomic
def framework_attach_source(*, framework: Framework, by, file) -> Framework:
    """Keep the source document itself, checked by content like evidence."""
    ensure_draft(framework)
    _ensure_author(framework, by)
    keep_source_document(framework, file)
    return framework


def keep_source_document(record, file) -> None:
    """Check a source document by its content and keep it on ``record``, which has the
    ``source_document``, ``source_token``, ``source_document_name`` and ``source_document_type``
    fields (a framework or a visit template). The caller checks who may and that it is a draft."""
    try:
        kind = check_upload(file)
    except ValueError as error:
        raise ValidationError({"source_document": str(error)}) from error
    if kind != PDF and not file.name.lower().endswith((".docx", ".xlsx")):
        raise ValidationError(
            {"source_document": "Attach the published guidance as a PDF, Word or Excel file."}
        )
    record.source_token = secrets.token_urlsafe(24)
    record.source_document_name = file.name[-255:]
    record.source_document_type = kind.content_type
    record.source_document = file
    record.save()


SOURCE_DOCUMENT_FIELDS = ("source_document", "source_token", "source_document_name", "source_document_type")


def copy_source_document(source, draft) -> None:
    """A revision keeps the file its corrected record kept: the same stored file, not a copy."""
    if source.source_document:
        for field in SOURCE_DOCUMENT_FIELDS:
            setattr(draft, field, getattr(source, field))
        draft.source_document = source.source_document.name
        draft.save(update_fields=list(SOURCE_DOCUMENT_FIELDS))


@transaction.atomic
def deadline_save(*, framework: Framework, by, deadline: Deadline | None = None, **fields) -> Deadline:
    """Add or change a draft's deadline, e.g. next year's board declaration date after a copy."""
    ensure_draft(framework)
    _ensure_author(framework, by)
    if deadline is None:
        deadline = Deadline(framework=framework)
    assign_fields(deadline, fields, DEADLINE_FIELDS)
    if framework.deadlines.filter(name=deadline.name).exclude(pk=deadline.pk).exists():
        raise ValidationError({"name": f"This framework already has a deadline called {deadline.name}."})
    deadline.full_clean(validate_constraints=False)
    deadline.save()
    return deadline


@transaction.atomic
def deadline_remove(*, deadline: Deadline, by) -> None:
    ensure_draft(deadline.framework)
    _ensure_author(deadline.framework, by)
    deadline.delete()


@transaction.atomic
def action_save(
    *, framework: Framework, by, action: FrameworkAction | None = None, **fields
) -> FrameworkAction:
    ensure_draft(framework)
    _ensure_author(framework, by)
    if action is None:
        last = framework.actions.aggregate(last=Max("order"))["last"] or 0
        action = FrameworkAction(framework=framework, order=last + 1)
    assign_fields(action, fields, ACTION_FIELDS)
    if framework.actions.filter(code=action.code).exclude(pk=action.pk).exists():
        raise ValidationError({"code": f"Another action of this framework is coded {action.code}."})
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def action_retire(*, action: FrameworkAction, by) -> None:
    """Remove an action and its requirements from a draft. What the previous version had and this one
    no longer replaces shows as retired."""
    ensure_draft(action.framework)
    _ensure_author(action.framework, by)
    action.delete()
    renumber(action.framework.actions.order_by("order"))


@transaction.atomic
def requirement_save(
    *, action: FrameworkAction, by, requirement: Requirement | None = None, **fields
) -> Requirement:
    framework = action.framework
    ensure_draft(framework)
    _ensure_author(framework, by)
    if requirement is None:
        last = action.requirements.aggregate(last=Max("order"))["last"] or 0
        requirement = Requirement(action=action, order=last + 1)
    assign_fields(requirement, fields, REQUIREMENT_FIELDS)
    if (
        Requirement.objects.filter(action__framework=framework, code=requirement.code)
        .exclude(pk=requirement.pk)
        .exists()
    ):
        raise ValidationError({"code": f"Another requirement of this framework is coded {requirement.code}."})
    replaces = requirement.replaces
    if replaces is not None and replaces.action.framework_id != framework.previous_id:
        raise ValidationError({"replaces": "A requirement can only replace one of the previous version."})
    requirement.full_clean()
    requirement.save()
    return requirement


@transaction.atomic
def requirement_retire(*, requirement: Requirement, by) -> None:
    action = requirement.action
    ensure_draft(action.framework)
    _ensure_author(action.framework, by)
    requirement.delete()
    renumber(action.requirements.order_by("order"))


@transaction.atomic
def move(*, item: FrameworkAction | Requirement, by, up: bool) -> None:
    """Swap an action or a requirement with its neighbour."""
    framework = item.framework if isinstance(item, FrameworkAction) else item.action.framework
    ensure_draft(framework)
    _ensure_author(framework, by)
    siblings = list(
        framework.actions.order_by("order")
        if isinstance(item, FrameworkAction)
        else item.action.requirements.order_by("order")
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == item.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
        renumber(siblings)


@transaction.atomic
def framework_replace_contents(*, framework: Framework, by, actions) -> Framework:
    """Make a draft's actions and requirements exactly ``actions`` (checked ActionData, e.g. from an
    uploaded spreadsheet), in their order.

    Matched by code, so what is unchanged is not written and keeps its history; what the list
    lacks is retired, what is new is added.
    """
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    ensure_draft(framework)
    _ensure_author(framework, by)
    earlier = dict(
        Requirement.objects.filter(action__framework_id=framework.previous_id).values_list("code", "pk")
    )
    codes = [r.code for a in actions for r in a.requirements]
    Requirement.objects.filter(action__framework=framework).exclude(code__in=codes).delete()
    existing_actions = {a.code: a for a in framework.actions.all()}
    existing = {r.code: r for r in Requirement.objects.filter(action__framework=framework)}
    for order, item in enumerate(actions, start=1):
        action = _saved(
            existing_actions.get(item.code) or FrameworkAction(framework=framework),
            code=item.code,
            title=item.title,
            summary=item.summary,
            order=order,
        )
        for r_order, r_item in enumerate(item.requirements, start=1):
            _saved(
                existing.get(r_item.code) or Requirement(),
                action_id=action.pk,
                code=r_item.code,
                title=r_item.title,
                text=r_item.text,
                evidence_guidance=r_item.evidence_guidance,
                threshold=r_item.threshold,
                due_on=r_item.due_on,
                wording_checked=r_item.wording_checked,
                replaces_id=earlier.get(r_item.replaces) if r_item.replaces else None,
                order=r_order,
            )
    # Last, so a requirement moved out of a retired action is kept.
    framework.actions.exclude(code__in=[a.code for a in actions]).delete()
    return framework


def _saved(obj, **values):
    """Save ``obj`` with ``values`` if any differs (or it is new): an unchanged row is not written."""
    changed = [name for name, value in values.items() if _same(getattr(obj, name)) != _same(value)]
    for name in changed:
        setattr(obj, name, values[name])
    if obj.pk is None or changed:
        obj.full_clean(validate_unique=False, validate_constraints=False)
        obj.save()
    return obj


def _same(value):
    # Text typed in a browser keeps its CRLF line endings; a spreadsheet gives the same words with LF.
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def renumber(items) -> None:
    for order, item in enumerate(items, start=1):
        if item.order != order:
            item.order = order
            item.save(update_fields=["order"])


@transaction.atomic
def framework_prepare(*, framework: Framework, by) -> Framework:
    """The first key: the author says the draft is ready and asks another person to approve it."""
    ensure_draft(framework)
    _ensure_author(framework, by)
    actions = list(framework.actions.prefetch_related("requirements"))
    if not actions:
        raise ValidationError("A framework needs at least one action before it is approved.")
    empty = [a.code for a in actions if not a.requirements.all()]
    if empty:
        raise ValidationError(f"Every action needs a requirement: {', '.join(empty)} has none.")
    framework.status = FrameworkStatus.AWAITING_APPROVAL
    framework.prepared_by = by
    framework.prepared_at = timezone.now()
    framework.save()
    return framework


@transaction.atomic
def framework_return_to_draft(*, framework: Framework, by) -> Framework:
    """The approver sends it back (or the preparer withdraws it) to be edited again."""
    if framework.status != FrameworkStatus.AWAITING_APPROVAL:
        raise ValidationError("Only a framework awaiting approval can be returned to draft.")
    if not (access.authors_framework(by, framework) or access.approves_framework(by, framework)):
        raise PermissionDenied
    framework.status = FrameworkStatus.DRAFT
    framework.prepared_by = None
    framework.prepared_at = None
    framework.save()
    return framework


@transaction.atomic
def framework_publish(*, framework: Framework, by) -> Framework:
    """The second key: a different person approves, and providers may assess it from now on."""
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    return publish_with_second_key(framework, by=by, noun="framework", approves=access.approves_framework)


def publish_with_second_key(record, *, by, noun: str, approves):
    """Publish an authored record (a framework, a visit template) prepared by someone else, whom
    ``approves(by, record)`` allows; a revision closes the published record it corrects. The
    caller holds the record's row lock."""
    if record.status != FrameworkStatus.AWAITING_APPROVAL:
        raise ValidationError(f"Only a {noun} prepared for approval can be published.")
    if by.pk == record.prepared_by_id:
        raise ValidationError(f"A different person must approve the {noun} from the one who prepared it.")
    if not approves(by, record):
        raise PermissionDenied
    now = timezone.now()
    record.status = FrameworkStatus.PUBLISHED
    record.approved_by = by
    record.published_at = now
    record.save()
    # Work done with the corrected record keeps what it copied or answered.
    if record.revises_id:
        corrected = record.revises
        if corrected.status == FrameworkStatus.PUBLISHED:
            corrected.status = FrameworkStatus.CLOSED
            corrected.closed_at = now
            corrected.save()
    return record


@transaction.atomic
def framework_close(*, framework: Framework, by) -> Framework:
    """Close a published framework: its assessments become read-only and stay exportable."""
    if framework.status != FrameworkStatus.PUBLISHED:
        raise ValidationError("Only a published framework can be closed.")
    _ensure_author(framework, by)
    framework.status = FrameworkStatus.CLOSED
    framework.closed_at = timezone.now()
    framework.save()
    return framework

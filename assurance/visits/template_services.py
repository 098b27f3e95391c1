"""Authoring visit templates in the product, the way frameworks are authored (assurance.authoring).

A template moves draft → awaiting approval → published → closed. Only a draft is edited; one person
prepares it and a different one approves it. A published template is never edited in place: a
correction is a new revision, which closes the one it corrects when it is published; a new edition
of the source (the CQC's final framework, say) is a new version. Either way visits already planned
keep the wording they copied.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from assurance.authoring import (
    assign_fields,
    copy_source_document,
    keep_source_document,
    publish_with_second_key,
    renumber,
)
from assurance.models import FrameworkStatus, VisitTemplate, VisitTemplateLine, VisitTemplateSection
from lmns import access
from lmns.models import Role

TEMPLATE_FIELDS = (
    "name",
    "version",
    "source_note",
    "source_publisher",
    "source_title",
    "source_date",
    "source_url",
    "revise_note",
    "change_note",
)
SECTION_FIELDS = ("code", "title")
LINE_FIELDS = ("code", "prompt", "guidance", "wording_checked")

# Visits are run by LMNS officers and safety leads, so both may write their LMNS's own templates;
# publishing still needs a second key from a safety lead (lmns.access.approves_framework).
TEMPLATE_AUTHOR_ROLES = frozenset({Role.LMNS_OFFICER, Role.LMNS_SAFETY_LEAD})


def authors_visit_template(user, template: VisitTemplate) -> bool:
    """Deployment-wide templates are the deployment administrator's; an LMNS's own also its
    officers' and safety leads'."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    if template.lmns_id is None:
        return False
    return bool(access.roles_at(user, template.lmns) & TEMPLATE_AUTHOR_ROLES)


def approves_visit_template(user, template: VisitTemplate) -> bool:
    return access.approves_framework(user, template)


def _ensure_author(template: VisitTemplate, by) -> None:
    if not authors_visit_template(by, template):
        raise PermissionDenied


def _ensure_draft(template: VisitTemplate) -> None:
    if not template.is_draft:
        raise ValidationError(
            f"{template} is {template.get_status_display().lower()}, so it cannot be edited. "
            "Start a new version from it instead."
        )


def _editable(template: VisitTemplate, by) -> None:
    _ensure_draft(template)
    _ensure_author(template, by)


def _unique_slug(*parts: str) -> str:
    base = slugify("-".join(p for p in parts if p))[:70].strip("-") or "visit-template"
    slug, n = base, 1
    while VisitTemplate.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def visit_template_copy(
    *,
    source: VisitTemplate,
    by,
    name: str,
    version: str,
    lmns=None,
    change_note: str = "",
    revision: bool = False,
) -> VisitTemplate:
    """A new draft with the source's sections and lines.

    A new version's lines are marked "wording not checked", as it is checked against its own source
    before it is published. A revision corrects a published template in place of it: it keeps the
    source document, the predecessor and each line's check, and its change note says what it fixes.
    """
    if revision and not source.is_published:
        raise ValidationError("Only a published template is corrected by a revision.")
    draft = VisitTemplate(
        slug=_unique_slug(name, version, lmns.code if lmns else ""),
        name=name,
        version=version,
        lmns=lmns,
        source_note=source.source_note,
        source_publisher=source.source_publisher,
        source_title=source.source_title,
        source_date=source.source_date,
        source_url=source.source_url,
        revise_note=source.revise_note,
        change_note=change_note,
        previous=source.previous if revision else source,
        revises=source if revision else None,
    )
    _ensure_author(draft, by)
    if revision and not change_note.strip():
        raise ValidationError({"change_note": "Enter what the revision corrects, and why."})
    draft.full_clean()
    draft.save()
    if revision:
        copy_source_document(source, draft)
    for section in source.sections.prefetch_related("lines"):
        copy = VisitTemplateSection.objects.create(
            template=draft, code=section.code, title=section.title, order=section.order
        )
        VisitTemplateLine.objects.bulk_create(
            VisitTemplateLine(
                section=copy,
                code=line.code,
                prompt=line.prompt,
                guidance=line.guidance,
                order=line.order,
                wording_checked=line.wording_checked if revision else False,
            )
            for line in section.lines.all()
        )
    return draft


@transaction.atomic
def visit_template_update(*, template: VisitTemplate, by, **fields) -> VisitTemplate:
    _editable(template, by)
    assign_fields(template, fields, TEMPLATE_FIELDS)
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def section_save(
    *, template: VisitTemplate, by, section: VisitTemplateSection | None = None, **fields
) -> VisitTemplateSection:
    _editable(template, by)
    if section is None:
        last = template.sections.aggregate(last=Max("order"))["last"] or 0
        section = VisitTemplateSection(template=template, order=last + 1)
    assign_fields(section, fields, SECTION_FIELDS)
    if template.sections.filter(code=section.code).exclude(pk=section.pk).exists():
        raise ValidationError({"code": f"Another section of this template is coded {section.code}."})
    section.full_clean()
    section.save()
    return section


@transaction.atomic
def section_retire(*, section: VisitTemplateSection, by) -> None:
    """Remove a section and its lines from a draft."""
    template = section.template
    _editable(template, by)
    section.delete()
    renumber(template.sections.order_by("order"))


@transaction.atomic
def line_save(
    *, section: VisitTemplateSection, by, line: VisitTemplateLine | None = None, **fields
) -> VisitTemplateLine:
    template = section.template
    _editable(template, by)
    if line is None:
        last = section.lines.aggregate(last=Max("order"))["last"] or 0
        line = VisitTemplateLine(section=section, order=last + 1)
    assign_fields(line, fields, LINE_FIELDS)
    if (
        VisitTemplateLine.objects.filter(section__template=template, code=line.code)
        .exclude(pk=line.pk)
        .exists()
    ):
        raise ValidationError({"code": f"Another line of enquiry of this template is coded {line.code}."})
    line.full_clean()
    line.save()
    return line


@transaction.atomic
def line_retire(*, line: VisitTemplateLine, by) -> None:
    section = line.section
    _editable(section.template, by)
    line.delete()
    renumber(section.lines.order_by("order"))


@transaction.atomic
def template_item_move(*, item: VisitTemplateSection | VisitTemplateLine, by, up: bool) -> None:
    """Swap a section or a line with its neighbour."""
    is_section = isinstance(item, VisitTemplateSection)
    template = item.template if is_section else item.section.template
    _editable(template, by)
    siblings = list(
        template.sections.order_by("order") if is_section else item.section.lines.order_by("order")
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == item.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
        renumber(siblings)


@transaction.atomic
def visit_template_prepare(*, template: VisitTemplate, by) -> VisitTemplate:
    """The first key: the author says the draft is ready for a different person to approve."""
    _editable(template, by)
    sections = list(template.sections.prefetch_related("lines"))
    if not sections:
        raise ValidationError("A visit template needs at least one section before it is approved.")
    if empty := [s.title for s in sections if not s.lines.all()]:
        raise ValidationError(f"Every section needs a line of enquiry: {', '.join(empty)} has none.")
    template.status = FrameworkStatus.AWAITING_APPROVAL
    template.prepared_by = by
    template.prepared_at = timezone.now()
    template.save()
    return template


@transaction.atomic
def visit_template_return_to_draft(*, template: VisitTemplate, by) -> VisitTemplate:
    if template.status != FrameworkStatus.AWAITING_APPROVAL:
        raise ValidationError("Only a template awaiting approval can be returned to draft.")
    if not (authors_visit_template(by, template) or approves_visit_template(by, template)):
        raise PermissionDenied
    template.status = FrameworkStatus.DRAFT
    template.prepared_by = None
    template.prepared_at = None
    template.save()
    return template


@transaction.atomic
def visit_template_publish(*, template: VisitTemplate, by) -> VisitTemplate:
    """The second key: a different person approves, and visits may be planned with it from now on."""
    template = VisitTemplate.objects.select_for_update().get(pk=template.pk)
    return publish_with_second_key(template, by=by, noun="template", approves=approves_visit_template)


@transaction.atomic
def visit_template_attach_source(*, template: VisitTemplate, by, file) -> VisitTemplate:
    """Keep the source document itself, checked by content like evidence and frameworks' sources."""
    _editable(template, by)
    keep_source_document(template, file)
    return template


@transaction.atomic
def visit_template_close(*, template: VisitTemplate, by) -> VisitTemplate:
    """Stop new visits choosing it; visits already planned with it keep their lines."""
    if template.status != FrameworkStatus.PUBLISHED:
        raise ValidationError("Only a published template can be closed.")
    _ensure_author(template, by)
    template.status = FrameworkStatus.CLOSED
    template.closed_at = timezone.now()
    template.save()
    return template

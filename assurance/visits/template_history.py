"""The template's History page: its own changes, and below them the changes to its sections and
lines of enquiry, which are separate records with their own history rows.

A fixed number of queries whatever the template holds: its own page (lmns.history), then one for
its sections' history and one for its lines'.
"""

from dataclasses import dataclass

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from assurance.models import VisitTemplate, VisitTemplateLine, VisitTemplateSection
from lmns import access
from lmns.history import KINDS, Change, actor_name, field_changes, record_history, shown_fields

# Beyond this, the page says how many more there are; a template has tens of lines, so this holds
# a whole authoring round.
PART_CHANGES_SHOWN = 100


@dataclass(frozen=True)
class PartChange:
    part: str
    change: Change


def part_changes(rows, *, describe) -> list[PartChange]:
    """Each row against the row before it of the same section or line."""
    if not rows:
        return []
    fields = [f for f in shown_fields(type(rows[0])) if not f.is_relation]
    before_of = {}
    changes = []
    for row in sorted(rows, key=lambda r: (r.history_date, r.history_id)):
        before = before_of.get(row.id) if row.history_type == "~" else None
        shown = field_changes(row, before, fields, {}, {}) if row.history_type != "-" else []
        changes.append(
            PartChange(
                describe(row),
                Change(
                    when=row.history_date,
                    day_only=False,
                    who=actor_name(row.history_user),
                    kind=KINDS[row.history_type],
                    fields=shown,
                ),
            )
        )
        before_of[row.id] = row
    return changes


def template_part_changes(template: VisitTemplate) -> tuple[list[PartChange], int]:
    """The newest changes to the template's sections and lines, and how many there are in all."""
    section_rows = list(
        VisitTemplateSection.history.filter(template_id=template.pk).select_related("history_user")
    )
    # Sections deleted since still name the lines that went with them.
    titles = {}
    for row in sorted(section_rows, key=lambda r: (r.history_date, r.history_id)):
        titles[row.id] = row.title
    line_rows = list(
        VisitTemplateLine.history.filter(section_id__in=list(titles)).select_related("history_user")
    )
    changes = part_changes(section_rows, describe=lambda row: f"Section {titles[row.id]}") + part_changes(
        line_rows,
        describe=lambda row: (
            f"Line of enquiry {row.code}"
            + (f" ({titles[row.section_id]})" if row.section_id in titles else "")
        ),
    )
    changes.sort(key=lambda c: c.change.when, reverse=True)
    return changes[:PART_CHANGES_SHOWN], len(changes)


@never_cache
def visit_template_history(request, slug):
    template = access.get_for_user(VisitTemplate.objects, request.user, slug=slug)
    parts, total = template_part_changes(template)
    return render(
        request,
        "assurance/visit_templates/history.html",
        {
            "record": template,
            "page": record_history(template, page_number=request.GET.get("page")),
            "parts": parts,
            "parts_total": total,
        },
    )

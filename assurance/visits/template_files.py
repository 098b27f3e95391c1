"""Visit templates as data: parse, validate and load the files in assurance/visit_templates/.

The same rules as framework files (assurance.frameworks): every file is checked before any is
loaded, every error reads ``file:line: reason``, loading twice changes nothing, and a template that
is published is never changed in place by a file: it is corrected as a new version in the product.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from assurance.frameworks import SLUG_RE, DataFileParser, FrameworkFileError, line_number, read_data_file
from assurance.models import FrameworkStatus, VisitTemplate, VisitTemplateLine, VisitTemplateSection
from assurance.models.visit_templates import LINE_CODE_LENGTH, PROMPT_LENGTH, SECTION_CODE_LENGTH

VISIT_TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "visit_templates"

TEMPLATE_KEYS = ("slug", "name", "version", "source_note", "sections")
TEMPLATE_OPTIONAL = (
    "status",
    "source_publisher",
    "source_title",
    "source_date",
    "source_url",
    "revise_note",
)
FILE_STATUSES = ("draft", "published", "closed")
SECTION_KEYS = ("code", "title", "lines")
LINE_KEYS = ("code", "prompt")
LINE_OPTIONAL = ("guidance", "wording_checked")


@dataclass
class LineData:
    code: str
    prompt: str
    guidance: str
    wording_checked: bool


@dataclass
class SectionData:
    code: str
    title: str
    lines: list[LineData]


@dataclass
class TemplateData:
    path: str
    slug: str
    slug_line: int
    status: str
    status_line: int
    values: dict = field(default_factory=dict)
    sections: list[SectionData] = field(default_factory=list)

    def error(self, line: int, reason: str) -> FrameworkFileError:
        return FrameworkFileError(f"{self.path}:{line}: {reason}")


def parse_template_file(path) -> TemplateData:
    """Read and validate one visit template file without touching the database."""
    path = Path(path)
    root, shown = read_data_file(path)
    p = DataFileParser(shown)
    top = p.mapping(root, "the visit template", TEMPLATE_KEYS, TEMPLATE_OPTIONAL)
    slug = p.text(top["slug"], "slug", 80)
    if not SLUG_RE.match(slug) or slug != path.stem:
        raise p.error(
            top["slug"], f"slug '{slug}' must be lower-case words joined by hyphens, as the file name"
        )
    status = p.text(top["status"], "status", 20) if "status" in top else "draft"
    if status not in FILE_STATUSES:
        raise p.error(top["status"], f"status '{status}' must be one of {', '.join(FILE_STATUSES)}")

    def optional(key, max_length=None):
        return p.text(top[key], key, max_length, blank=True) if key in top else ""

    source_date = p.date(top["source_date"], "source_date", null=True) if "source_date" in top else None
    values = {
        "name": p.text(top["name"], "name", 200),
        "version": p.text(top["version"], "version", 50),
        "source_note": p.text(top["source_note"], "source_note", blank=True),
        "source_publisher": optional("source_publisher", 200),
        "source_title": optional("source_title", 300),
        "source_date": source_date,
        "source_url": optional("source_url", 500),
        "revise_note": optional("revise_note"),
        "source_file": shown,
    }
    sections, section_codes, line_codes = [], {}, {}
    section_nodes = p.sequence(top["sections"], "sections")
    if not section_nodes:
        raise p.error(top["sections"], "sections is empty; a visit template needs at least one section")
    for number, node in enumerate(section_nodes, start=1):
        fields = p.mapping(node, f"section {number}", SECTION_KEYS)
        code = p.code(fields["code"], f"the code of section {number}", SECTION_CODE_LENGTH)
        if code in section_codes:
            raise p.error(fields["code"], f"duplicate section '{code}' (first on line {section_codes[code]})")
        section_codes[code] = line_number(fields["code"])
        lines = []
        line_nodes = p.sequence(fields["lines"], f"the lines of section {code}")
        if not line_nodes:
            raise p.error(fields["lines"], f"section {code} has no lines of enquiry")
        for l_number, l_node in enumerate(line_nodes, start=1):
            what = f"line {l_number} of section {code}"
            l_fields = p.mapping(l_node, what, LINE_KEYS, LINE_OPTIONAL)
            l_code = p.code(l_fields["code"], f"the code of {what}", LINE_CODE_LENGTH)
            if l_code in line_codes:
                raise p.error(
                    l_fields["code"], f"duplicate line '{l_code}' (first on line {line_codes[l_code]})"
                )
            line_codes[l_code] = line_number(l_fields["code"])
            guidance = l_fields.get("guidance")
            lines.append(
                LineData(
                    code=l_code,
                    prompt=p.text(l_fields["prompt"], f"the prompt of {l_code}", PROMPT_LENGTH),
                    guidance=p.text(guidance, f"the guidance of {l_code}", blank=True) if guidance else "",
                    wording_checked=p.boolean(
                        l_fields.get("wording_checked"), f"wording_checked of {l_code}"
                    ),
                )
            )
        sections.append(
            SectionData(code=code, title=p.text(fields["title"], f"the title of {code}", 200), lines=lines)
        )
    return TemplateData(
        path=shown,
        slug=slug,
        slug_line=line_number(top["slug"]),
        status=status,
        status_line=line_number(top["status"]) if "status" in top else line_number(top["slug"]),
        values=values,
        sections=sections,
    )


def template_files(directory=None) -> list[Path]:
    return sorted(Path(directory or VISIT_TEMPLATES_DIR).glob("*.yaml"))


def _contents(template: VisitTemplate) -> list:
    return [
        (s.code, s.title, [(ln.code, ln.prompt, ln.guidance, ln.wording_checked) for ln in s.lines.all()])
        for s in template.sections.prefetch_related("lines")
    ]


def _file_contents(data: TemplateData) -> list:
    return [
        (s.code, s.title, [(ln.code, ln.prompt, ln.guidance, ln.wording_checked) for ln in s.lines])
        for s in data.sections
    ]


_STATUS_ORDER = [FrameworkStatus.DRAFT, FrameworkStatus.PUBLISHED, FrameworkStatus.CLOSED]


@transaction.atomic
def load_template(data: TemplateData) -> tuple[VisitTemplate, str]:
    """Create or update one template from a checked file; returns it and created/updated/unchanged."""
    template = VisitTemplate.objects.select_for_update().filter(slug=data.slug).first()
    created = template is None
    if created:
        template = VisitTemplate.objects.create(slug=data.slug, **data.values)
    changed = created or any(getattr(template, k) != v for k, v in data.values.items())
    contents_differ = _contents(template) != _file_contents(data)
    if not created and (changed or contents_differ) and not template.is_draft:
        raise data.error(
            data.slug_line,
            f"'{data.slug}' is {template.get_status_display().lower()} and is never edited in place; "
            "start a new version from it in the product",
        )
    for name, value in data.values.items():
        setattr(template, name, value)
    if contents_differ:
        # A draft is not yet chosen by any visit, so its contents are simply replaced.
        template.sections.all().delete()
        for order, section in enumerate(data.sections, start=1):
            row = VisitTemplateSection.objects.create(
                template=template, code=section.code, title=section.title, order=order
            )
            VisitTemplateLine.objects.bulk_create(
                VisitTemplateLine(section=row, order=l_order, **line.__dict__)
                for l_order, line in enumerate(section.lines, start=1)
            )
    changed |= contents_differ
    current = (
        FrameworkStatus.DRAFT if template.status == FrameworkStatus.AWAITING_APPROVAL else template.status
    )
    wanted = FrameworkStatus(data.status)
    if _STATUS_ORDER.index(wanted) < _STATUS_ORDER.index(current):
        raise data.error(
            data.status_line,
            f"status '{data.status}' would take '{data.slug}' back from "
            f"{template.get_status_display().lower()}",
        )
    if wanted != current:
        now = timezone.now()
        template.status = wanted
        template.published_at = template.published_at or now
        if wanted == FrameworkStatus.CLOSED:
            template.closed_at = now
        changed = True
    if changed:
        template.save()
    return template, "created" if created else "updated" if changed else "unchanged"


def load_template_files(paths=None) -> list[tuple[VisitTemplate, str]]:
    """Check every file, then load each atomically: one malformed file loads nothing."""
    parsed = [parse_template_file(path) for path in (paths if paths is not None else template_files())]
    return [load_template(data) for data in parsed]

"""Visit templates for tests: a small published one made in the database, and, for the access
matrix, an LMNS's own draft, made on first use so tests/conftest.py's World needs no change."""

from django.core.files.base import ContentFile

from assurance.models import FrameworkStatus, VisitTemplate, VisitTemplateLine, VisitTemplateSection

CQC_SECTIONS = [
    ("safe", "Safe", [("S1", "Is triage timely?", "Triage audit.")]),
    ("well_led", "Well-led", [("W1", "Is leadership visible?", "")]),
]


def make_visit_template(
    *,
    slug="test-cqc",
    name="CQC five key questions",
    lmns=None,
    status=FrameworkStatus.PUBLISHED,
    sections=None,
) -> VisitTemplate:
    template = VisitTemplate.objects.create(slug=slug, name=name, version="1", lmns=lmns, status=status)
    for order, (code, title, lines) in enumerate(sections or CQC_SECTIONS, start=1):
        section = VisitTemplateSection.objects.create(template=template, code=code, title=title, order=order)
        for l_order, (l_code, prompt, guidance) in enumerate(lines, start=1):
            VisitTemplateLine.objects.create(
                section=section, code=l_code, prompt=prompt, guidance=guidance, order=l_order
            )
    return template


def visit_template_record(world, kind: str, provider) -> dict:
    """URL kwargs for ``provider``'s LMNS's draft template (``draft``), its first section
    (``section``), that section's first line (``line``), or the LMNS's published template
    (``published``)."""
    records = world.records.setdefault(("visit_templates", provider.lmns_id), {})
    if kind == "published":
        published = records.get("published")
        if published is None or not VisitTemplate.objects.filter(pk=published.pk).exists():
            published = records["published"] = make_visit_template(
                slug=f"local-visits-published-{provider.lmns.code}".lower(),
                name=f"Published local visits of {provider.lmns.code}",
                lmns=provider.lmns,
            )
        return {"slug": published.slug}
    template = records.get("draft")
    # A record made by an earlier test is gone once that test's transaction rolled back.
    if template is None or not VisitTemplate.objects.filter(pk=template.pk).exists():
        template = records["draft"] = make_visit_template(
            slug=f"local-visits-{provider.lmns.code}".lower(),
            name=f"Local visits of {provider.lmns.code}",
            lmns=provider.lmns,
            status=FrameworkStatus.DRAFT,
            sections=[
                ("first", "First", [("F1", "One?", ""), ("F2", "Two?", "")]),
                ("second", "Second", [("S1", "Three?", "")]),
            ],
        )
        # So that its download answers for whoever may see it.
        template.source_token = f"token-{provider.lmns.code}"
        template.source_document_name = "guidance.pdf"
        template.source_document_type = "application/pdf"
        template.source_document.save("guidance.pdf", ContentFile(b"%PDF-1.4 local guidance"), save=True)
    section = template.sections.order_by("order").first()
    if kind == "section":
        return {"pk": section.pk}
    if kind == "line":
        return {"pk": section.lines.order_by("order").first().pk}
    return {"slug": template.slug}

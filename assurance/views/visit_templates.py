"""Visit template pages: the list, a template with its sections and lines, and authoring them
(new versions, drafts, two-key publishing), as framework authoring does for frameworks."""

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from assurance.forms import FrameworkReviseForm, SourceDocumentForm
from assurance.models import VisitTemplate, VisitTemplateLine, VisitTemplateSection
from assurance.visits import template_services as services
from assurance.visits.template_forms import (
    VisitTemplateCopyForm,
    VisitTemplateForm,
    VisitTemplateLineForm,
    VisitTemplateSectionForm,
)
from lmns import access
from lmns.forms_service import run_service, save_with
from lmns.responses import stored_file_response


def template_for(user, slug) -> VisitTemplate:
    return get_object_or_404(
        VisitTemplate.objects.visible_to(user).select_related("lmns", "previous", "revises"), slug=slug
    )


def _authored(request, template: VisitTemplate) -> VisitTemplate:
    if not services.authors_visit_template(request.user, template):
        raise PermissionDenied
    return template


def _section_for(request, pk) -> VisitTemplateSection:
    section = get_object_or_404(VisitTemplateSection.objects.select_related("template"), pk=pk)
    template_for(request.user, section.template.slug)  # 404 when out of scope
    _authored(request, section.template)
    return section


def _line_for(request, pk) -> VisitTemplateLine:
    line = get_object_or_404(VisitTemplateLine.objects.select_related("section__template"), pk=pk)
    template_for(request.user, line.section.template.slug)
    _authored(request, line.section.template)
    return line


def _form_page(request, form, *, template, heading, submit="Save", intro="", multipart=False):
    return render(
        request,
        "assurance/visit_templates/form.html",
        {
            "form": form,
            "template": template,
            "heading": heading,
            "submit": submit,
            "intro": intro,
            "multipart": multipart,
        },
    )


def _authoring_lmnss(user):
    """LMNSs at which the user may write local templates."""
    return access.lmnss_where(user, "run_visits")


def visit_template_list(request):
    templates = (
        VisitTemplate.objects.visible_to(request.user)
        .select_related("lmns")
        .annotate(
            section_count=Count("sections", distinct=True),
            unchecked=Count("sections__lines", filter=Q(sections__lines__wording_checked=False)),
        )
    )
    return render(request, "assurance/visit_templates/list.html", {"templates": templates})


def visit_template_detail(request, slug):
    template = template_for(request.user, slug)
    sections = list(template.sections.prefetch_related("lines"))
    unchecked = sum(not line.wording_checked for section in sections for line in section.lines.all())
    can_author = services.authors_visit_template(request.user, template)
    return render(
        request,
        "assurance/visit_templates/detail.html",
        {
            "template": template,
            "sections": sections,
            "unchecked": unchecked,
            "can_author": can_author,
            "can_approve": services.approves_visit_template(request.user, template),
            "can_copy": request.user.is_superuser or _authoring_lmnss(request.user).exists(),
            "visits_using": template.visits.count(),
        },
    )


def visit_template_copy(request, slug):
    """Start a new version (e.g. after the CQC's final framework) or a local copy."""
    source = template_for(request.user, slug)
    lmnss = _authoring_lmnss(request.user)
    if not (request.user.is_superuser or lmnss.exists()):
        raise PermissionDenied
    form = VisitTemplateCopyForm(request.POST or None, source=source, lmnss=lmnss, user=request.user)
    if request.method == "POST" and form.is_valid():
        draft = save_with(
            form, services.visit_template_copy, source=source, by=request.user, **form.cleaned_data
        )
        if draft:
            messages.success(request, f"{draft} started as a draft from {source}.")
            return redirect(draft)
    return _form_page(
        request,
        form,
        template=source,
        heading="Start a new version",
        submit="Start the draft",
        intro="Every section and line of enquiry is copied into a draft, marked 'wording not checked' until "
        "you compare it with the source. Visits already planned keep the lines they have.",
    )


def visit_template_revise(request, slug):
    """Correct a published template: a new revision, published with two keys like the first."""
    template = _authored(request, template_for(request.user, slug))
    if not template.is_published:
        raise Http404("Only a published template is revised.")
    form = FrameworkReviseForm(request.POST or None)
    form.fields["change_note"].help_text = "Shown on the template beside its source."
    if request.method == "POST" and form.is_valid():
        draft = save_with(
            form,
            services.visit_template_copy,
            source=template,
            by=request.user,
            name=template.name,
            version=f"{template.version}, revised",
            lmns=template.lmns,
            change_note=form.cleaned_data["change_note"],
            revision=True,
        )
        if draft:
            messages.success(
                request, "Revision started as a draft. Visits use the published one until it is approved."
            )
            return redirect(draft)
    return _form_page(
        request,
        form,
        template=template,
        heading="Correct a published template",
        submit="Start the revision",
        intro="The sections and lines of enquiry are copied into a draft with their checks. Once a different "
        "person approves it, it replaces this one; visits already planned keep the lines they have.",
    )


def visit_template_source(request, slug):
    template = _authored(request, template_for(request.user, slug))
    form = SourceDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["source_document"]
        if save_with(
            form, services.visit_template_attach_source, template=template, by=request.user, file=file
        ):
            messages.success(request, f"{file.name} kept as the source document.")
            return redirect(template)
    return _form_page(
        request,
        form,
        template=template,
        heading="Attach the source document",
        submit="Upload",
        multipart=True,
    )


def visit_template_source_download(request, slug):
    template = template_for(request.user, slug)
    if not template.source_document:
        raise Http404("No source document is kept for this template.")
    return stored_file_response(
        template.source_document,
        filename=template.source_document_name,
        content_type=template.source_document_type,
    )


def visit_template_edit(request, slug):
    template = _authored(request, template_for(request.user, slug))
    form = VisitTemplateForm(request.POST or None, instance=template)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(
            form, services.visit_template_update, template=template, by=request.user, **form.cleaned_data
        )
    ):
        messages.success(request, "Saved.")
        return redirect(template)
    return _form_page(request, form, template=template, heading="Edit the template and its source")


@require_POST
def visit_template_transition(request, slug):
    template = template_for(request.user, slug)
    steps = {
        "prepare": (
            services.visit_template_prepare,
            "Ready for approval: a different person must now approve it.",
        ),
        "return": (services.visit_template_return_to_draft, "Returned to draft."),
        "publish": (services.visit_template_publish, "Published: visits can now be planned with it."),
        "close": (services.visit_template_close, "Closed: new visits can no longer choose it."),
    }
    step = steps.get(request.POST.get("step", ""))
    if step is None:
        raise Http404("Unknown step.")
    service, success = step
    run_service(request, service, success, template=template, by=request.user)
    return redirect(template)


def section_add(request, slug):
    template = _authored(request, template_for(request.user, slug))
    form = VisitTemplateSectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        section = save_with(
            form, services.section_save, template=template, by=request.user, **form.cleaned_data
        )
        if section:
            messages.success(request, f"{section.title} added.")
            return redirect(template)
    return _form_page(request, form, template=template, heading="Add a section")


def section_edit(request, pk):
    section = _section_for(request, pk)
    form = VisitTemplateSectionForm(request.POST or None, instance=section)
    if request.method == "POST" and form.is_valid():
        saved = save_with(
            form,
            services.section_save,
            template=section.template,
            section=section,
            by=request.user,
            **form.cleaned_data,
        )
        if saved:
            messages.success(request, f"{saved.title} saved.")
            return redirect(section.template)
    return _form_page(request, form, template=section.template, heading=f"Edit {section.title}")


@require_POST
def section_change(request, pk):
    """Retire a section or move it up or down."""
    section = _section_for(request, pk)
    retire = partial(services.section_retire, section=section)
    return _retire_or_move(request, section, section.template, retire=retire, name=section.title)


def line_add(request, pk):
    section = _section_for(request, pk)
    form = VisitTemplateLineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        line = save_with(form, services.line_save, section=section, by=request.user, **form.cleaned_data)
        if line:
            messages.success(request, f"{line.code} added.")
            return redirect(section.template)
    return _form_page(
        request, form, template=section.template, heading=f"Add a line of enquiry to {section.title}"
    )


def line_edit(request, pk):
    line = _line_for(request, pk)
    template = line.section.template
    form = VisitTemplateLineForm(request.POST or None, instance=line)
    if request.method == "POST" and form.is_valid():
        saved = save_with(
            form, services.line_save, section=line.section, line=line, by=request.user, **form.cleaned_data
        )
        if saved:
            messages.success(request, f"{saved.code} saved.")
            return redirect(template)
    return _form_page(request, form, template=template, heading=f"Edit {line.code}")


@require_POST
def line_change(request, pk):
    line = _line_for(request, pk)
    retire = partial(services.line_retire, line=line)
    return _retire_or_move(request, line, line.section.template, retire=retire, name=line.code)


def _retire_or_move(request, item, template, *, retire, name):
    step = request.POST.get("step")
    if step == "retire":
        run_service(request, retire, f"{name} retired.", by=request.user)
    elif step in {"up", "down"}:
        run_service(request, services.template_item_move, "", item=item, by=request.user, up=step == "up")
    else:
        raise Http404("Unknown step.")
    return redirect(template)

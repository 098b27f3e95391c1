"""Framework pages for the people who author them: new versions, drafts, two-key publishing."""

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from assurance import authoring, framework_workbook
from assurance.forms import (
    DeadlineForm,
    FrameworkActionForm,
    FrameworkCopyForm,
    FrameworkForm,
    FrameworkReviseForm,
    FrameworkUploadForm,
    RequirementForm,
    SourceDocumentForm,
)
from assurance.models import Deadline, Framework, FrameworkAction, Requirement
from lmns import access
from lmns.forms_service import run_service, save_with
from lmns.responses import stored_file_response, xlsx_response


def framework_for(user, slug) -> Framework:
    return get_object_or_404(Framework.objects.visible_to(user), slug=slug)


def _authored(request, framework: Framework) -> Framework:
    if not access.authors_framework(request.user, framework):
        raise PermissionDenied
    return framework


def _action_for(request, pk) -> FrameworkAction:
    action = get_object_or_404(FrameworkAction.objects.select_related("framework"), pk=pk)
    framework_for(request.user, action.framework.slug)  # 404 when out of scope
    _authored(request, action.framework)
    return action


def _requirement_for(request, pk) -> Requirement:
    requirement = get_object_or_404(Requirement.objects.select_related("action__framework"), pk=pk)
    framework_for(request.user, requirement.action.framework.slug)
    _authored(request, requirement.action.framework)
    return requirement


def _deadline_for(request, pk) -> Deadline:
    deadline = get_object_or_404(Deadline.objects.select_related("framework"), pk=pk)
    framework_for(request.user, deadline.framework.slug)
    _authored(request, deadline.framework)
    return deadline


def _form_page(request, form, *, framework, heading, submit="Save", intro="", multipart=False, remove=""):
    return render(
        request,
        "assurance/authoring_form.html",
        {
            "form": form,
            "framework": framework,
            "heading": heading,
            "submit": submit,
            "intro": intro,
            "multipart": multipart,
            "remove": remove,
        },
    )


def framework_copy(request, slug):
    """Start a new version (e.g. next year's scheme) from this one."""
    source = framework_for(request.user, slug)
    form = FrameworkCopyForm(request.POST or None, source=source, user=request.user)
    if not form.fields["lmns"].queryset.exists() and not request.user.is_superuser:
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        draft = save_with(form, authoring.framework_copy, source=source, by=request.user, **form.cleaned_data)
        if draft:
            messages.success(request, f"{draft} started as a draft from {source}.")
            return redirect(draft)
    return _form_page(
        request,
        form,
        framework=source,
        heading="Start a new version",
        submit="Start the draft",
        intro="Every action and requirement is copied into a draft. Each copied requirement replaces the one "
        "it came from, so providers' evidence is carried forward, and is marked 'wording not checked' "
        "until you compare it with the new guidance.",
    )


def framework_revise(request, slug):
    """Correct a published framework: a new revision, published with two keys like the first."""
    framework = _authored(request, framework_for(request.user, slug))
    if not framework.is_assessable:
        raise Http404("Only a published framework is revised.")
    form = FrameworkReviseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        draft = save_with(
            form,
            authoring.framework_copy,
            source=framework,
            by=request.user,
            name=framework.name,
            version=f"{framework.version}, revised",
            lmns=framework.lmns,
            change_note=form.cleaned_data["change_note"],
            revision=True,
        )
        if draft:
            messages.success(
                request, "Revision started as a draft. Providers keep the published one until it is approved."
            )
            return redirect(draft)
    return _form_page(
        request,
        form,
        framework=framework,
        heading="Correct a published framework",
        submit="Start the revision",
    )


def framework_edit(request, slug):
    framework = _authored(request, framework_for(request.user, slug))
    form = FrameworkForm(request.POST or None, instance=framework)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(
            form, authoring.framework_update, framework=framework, by=request.user, **form.cleaned_data
        )
    ):
        messages.success(request, "Saved.")
        return redirect(framework)
    return _form_page(request, form, framework=framework, heading="Edit the framework and its source")


def framework_source(request, slug):
    framework = _authored(request, framework_for(request.user, slug))
    form = SourceDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["source_document"]
        if save_with(
            form, authoring.framework_attach_source, framework=framework, by=request.user, file=file
        ):
            messages.success(request, f"{file.name} kept as the source document.")
            return redirect(framework)
    return _form_page(
        request,
        form,
        framework=framework,
        heading="Attach the source document",
        submit="Upload",
        multipart=True,
    )


def framework_source_download(request, slug):
    framework = framework_for(request.user, slug)
    if not framework.source_document:
        raise Http404("No source document is kept for this framework.")
    return stored_file_response(
        framework.source_document,
        filename=framework.source_document_name,
        content_type=framework.source_document_type,
    )


def framework_spreadsheet(request, slug):
    framework = framework_for(request.user, slug)
    workbook = framework_workbook.framework_workbook(framework=framework, generated_by=request.user)
    return xlsx_response(workbook, f"{framework.slug}.xlsx")


def framework_upload(request, slug):
    """Replace a draft's actions and requirements with an edited spreadsheet's, all or nothing."""
    framework = _authored(request, framework_for(request.user, slug))
    form = FrameworkUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        if save_with(
            form, framework_workbook.framework_upload, framework=framework, file=file, by=request.user
        ):
            messages.success(
                request, f"{file.name} uploaded: the draft's actions and requirements are the sheet's."
            )
            return redirect(framework)
    return _form_page(
        request,
        form,
        framework=framework,
        heading="Upload an edited spreadsheet",
        submit="Check and replace",
        intro="The actions and requirements of the draft become those of the workbook's Actions and "
        "Requirements sheets. Every row is checked first: if any row has a problem, you see each one "
        "with its sheet and row number and nothing is changed.",
        multipart=True,
    )


@require_POST
def framework_transition(request, slug):
    framework = framework_for(request.user, slug)
    steps = {
        "prepare": (
            authoring.framework_prepare,
            "Ready for approval: a different person must now approve it.",
        ),
        "return": (authoring.framework_return_to_draft, "Returned to draft."),
        "publish": (authoring.framework_publish, "Published: providers can now assess it."),
        "close": (authoring.framework_close, "Closed: its assessments are now read-only."),
    }
    step = steps.get(request.POST.get("step", ""))
    if step is None:
        raise Http404("Unknown step.")
    service, success = step
    run_service(request, service, success, framework=framework, by=request.user)
    return redirect(framework)


def deadline_add(request, slug):
    framework = _authored(request, framework_for(request.user, slug))
    form = DeadlineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        deadline = save_with(
            form, authoring.deadline_save, framework=framework, by=request.user, **form.cleaned_data
        )
        if deadline:
            messages.success(request, f"{deadline.name} added.")
            return redirect(framework)
    return _form_page(request, form, framework=framework, heading="Add a deadline")


def deadline_edit(request, pk):
    """Change a draft's deadline, or remove it."""
    deadline = _deadline_for(request, pk)
    framework = deadline.framework
    if request.method == "POST" and request.POST.get("remove") == "yes":
        run_service(
            request,
            authoring.deadline_remove,
            f"{deadline.name} removed.",
            deadline=deadline,
            by=request.user,
        )
        return redirect(framework)
    form = DeadlineForm(request.POST or None, instance=deadline)
    if request.method == "POST" and form.is_valid():
        saved = save_with(
            form,
            authoring.deadline_save,
            framework=framework,
            deadline=deadline,
            by=request.user,
            **form.cleaned_data,
        )
        if saved:
            messages.success(request, f"{saved.name} saved.")
            return redirect(framework)
    return _form_page(
        request, form, framework=framework, heading="Change a deadline", remove="Remove this deadline"
    )


def action_add(request, slug):
    framework = _authored(request, framework_for(request.user, slug))
    form = FrameworkActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = save_with(
            form, authoring.action_save, framework=framework, by=request.user, **form.cleaned_data
        )
        if action:
            messages.success(request, f"{action.code} added.")
            return redirect(framework)
    return _form_page(request, form, framework=framework, heading="Add an action")


def action_edit(request, pk):
    action = _action_for(request, pk)
    form = FrameworkActionForm(request.POST or None, instance=action)
    if request.method == "POST" and form.is_valid():
        saved = save_with(
            form,
            authoring.action_save,
            framework=action.framework,
            action=action,
            by=request.user,
            **form.cleaned_data,
        )
        if saved:
            messages.success(request, f"{saved.code} saved.")
            return redirect(action.framework)
    return _form_page(request, form, framework=action.framework, heading=f"Edit {action.code}")


@require_POST
def action_change(request, pk):
    """Retire an action or move it up or down."""
    action = _action_for(request, pk)
    return _retire_or_move(request, action, retire=partial(authoring.action_retire, action=action))


def requirement_add(request, pk):
    action = _action_for(request, pk)
    form = RequirementForm(request.POST or None, framework=action.framework)
    if request.method == "POST" and form.is_valid():
        requirement = save_with(
            form, authoring.requirement_save, action=action, by=request.user, **form.cleaned_data
        )
        if requirement:
            messages.success(request, f"{requirement.code} added.")
            return redirect(action.framework)
    return _form_page(
        request, form, framework=action.framework, heading=f"Add a requirement to {action.code}"
    )


def requirement_edit(request, pk):
    requirement = _requirement_for(request, pk)
    framework = requirement.action.framework
    form = RequirementForm(request.POST or None, instance=requirement, framework=framework)
    if request.method == "POST" and form.is_valid():
        saved = save_with(
            form,
            authoring.requirement_save,
            action=requirement.action,
            requirement=requirement,
            by=request.user,
            **form.cleaned_data,
        )
        if saved:
            messages.success(request, f"{saved.code} saved.")
            return redirect(framework)
    return _form_page(request, form, framework=framework, heading=f"Edit {requirement.code}")


@require_POST
def requirement_change(request, pk):
    requirement = _requirement_for(request, pk)
    return _retire_or_move(
        request, requirement, retire=partial(authoring.requirement_retire, requirement=requirement)
    )


def _retire_or_move(request, item, *, retire):
    """The one-click steps shared by an action and a requirement of a draft."""
    step = request.POST.get("step")
    framework = item.framework if isinstance(item, FrameworkAction) else item.action.framework
    # Retiring deletes from the draft and stops evidence being carried forward: asked once more.
    if step == "retire" and request.POST.get("confirm") != "yes":
        return render(
            request,
            "assurance/retire_confirm.html",
            {"item": item, "framework": framework, "is_action": isinstance(item, FrameworkAction)},
        )
    if step == "retire":
        run_service(request, retire, f"{item.code} retired.", by=request.user)
    elif step in {"up", "down"}:
        run_service(request, authoring.move, "", item=item, by=request.user, up=step == "up")
    else:
        raise Http404("Unknown step.")
    return redirect(framework)

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assurance import services
from assurance.forms import EvidenceForm, EvidenceLinkForm
from assurance.models import Evidence, EvidenceLink, RequirementAssessment
from lmns import access
from lmns.forms_service import run_service, save_with
from lmns.responses import stored_file_response


def evidence_add(request, pk):
    item = access.get_for_user(
        RequirementAssessment.objects.select_related("assessment__provider", "requirement"),
        request.user,
        action="assess",
        pk=pk,
    )
    provider = item.assessment.provider
    form = EvidenceForm(
        request.POST or None, request.FILES or None, provider=provider, initial={"items": [item]}
    )
    if request.method == "POST" and form.is_valid():
        evidence = save_with(
            form, services.evidence_add, provider=provider, by=request.user, **form.cleaned_data
        )
        if evidence:
            messages.success(request, "Evidence added.")
            return redirect(item)
    return render(request, "assurance/evidence_form.html", {"form": form, "item": item})


@require_POST
def evidence_link(request, pk):
    item = access.get_for_user(RequirementAssessment.objects, request.user, action="assess", pk=pk)
    form = EvidenceLinkForm(request.POST, item=item)
    if form.is_valid():
        run_service(
            request,
            services.evidence_link,
            "Evidence linked.",
            evidence=form.cleaned_data["evidence"],
            items=[item],
            by=request.user,
        )
    else:
        messages.error(request, "Choose evidence your provider already holds.")
    return redirect(item)


@require_POST
def evidence_review(request, pk):
    link = access.get_for_user(EvidenceLink.objects, request.user, action="assess", pk=pk)
    keep = request.POST.get("keep") == "yes"
    run_service(
        request,
        services.evidence_review,
        "Evidence confirmed for this requirement." if keep else "Evidence removed from this requirement.",
        link=link,
        by=request.user,
        keep=keep,
    )
    return redirect(link.item)


def evidence_download(request, pk):
    """Evidence files are served only here, after the access check, and always as attachments."""
    evidence = access.get_for_user(Evidence.objects, request.user, pk=pk)
    if not evidence.is_file:
        raise Http404("This evidence is a link, not a file.")
    return stored_file_response(
        evidence.file, filename=evidence.original_name, content_type=evidence.content_type
    )

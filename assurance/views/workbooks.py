"""Board workbooks (one provider, or the whole LMNS built in the background) and the
offline return workbook a provider downloads, fills in and uploads."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from assurance import returns
from assurance.exports import board_workbook_for_provider
from assurance.forms import ReturnUploadForm
from assurance.models import IN_FORCE_OR_CLOSED, Assessment, BoardWorkbookJob, ExportStatus, Framework
from assurance.workbooks import board_workbook_job_start
from lmns import access
from lmns.forms_service import save_with
from lmns.responses import export_job_response, xlsx_response


@require_GET
def provider_workbook(request, pk):
    assessment = access.get_for_user(
        Assessment.objects.select_related("provider__lmns", "framework"), request.user, pk=pk
    )
    workbook = board_workbook_for_provider(assessment=assessment, generated_by=request.user)
    filename = f"board-{assessment.framework.slug}-{assessment.provider.ods_code}-{timezone.localdate()}.xlsx"
    return xlsx_response(workbook, filename)


@require_POST
def lmns_workbook_start(request, slug):
    # A draft has no positions to export; a closed year stays exportable.
    framework = get_object_or_404(
        Framework.objects.visible_to(request.user).filter(status__in=IN_FORCE_OR_CLOSED), slug=slug
    )
    lmns_pk = request.POST.get("lmns", "")
    if not (lmns_pk.isascii() and lmns_pk.isdigit()):
        raise Http404("Choose an LMNS.")
    lmns = get_object_or_404(access.lmnss_where(request.user, "lmns_workbook"), pk=lmns_pk)
    job = board_workbook_job_start(lmns=lmns, framework=framework, by=request.user)
    return redirect(job)


def lmns_workbook_job(request, pk):
    job = access.get_for_user(
        BoardWorkbookJob.objects.select_related("lmns", "framework"),
        request.user,
        action="lmns_workbook",
        pk=pk,
    )
    working = job.status in {ExportStatus.QUEUED, ExportStatus.RUNNING}
    return render(request, "assurance/workbook_job.html", {"job": job, "refresh": working})


@require_GET
def lmns_workbook_download(request, pk):
    job = access.get_for_user(BoardWorkbookJob.objects, request.user, action="lmns_workbook", pk=pk)
    return export_job_response(job)


@require_GET
def return_download(request, pk):
    assessment = access.get_for_user(
        Assessment.objects.select_related("provider", "framework"), request.user, action="assess", pk=pk
    )
    workbook = returns.return_workbook(assessment=assessment, generated_by=request.user)
    filename = (
        f"return-{assessment.framework.slug}-{assessment.provider.ods_code}-{timezone.localdate()}.xlsx"
    )
    return xlsx_response(workbook, filename)


def return_upload(request, pk):
    assessment = access.get_for_user(
        Assessment.objects.select_related("provider", "framework"), request.user, action="assess", pk=pk
    )
    form = ReturnUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        changed = save_with(form, returns.return_apply, assessment=assessment, file=file, by=request.user)
        if changed is not None:
            messages.success(
                request, f"Return applied: {changed} requirement{'s' if changed != 1 else ''} changed."
            )
            return redirect(assessment)
    return render(request, "assurance/return_upload.html", {"form": form, "assessment": assessment})

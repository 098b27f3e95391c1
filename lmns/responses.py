from django.http import FileResponse, Http404, HttpResponse

from lmns.models import ExportStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(workbook, filename: str) -> HttpResponse:
    """A workbook as a download that no shared cache keeps: exports hold provider data."""
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    workbook.save(response)
    return response


def export_job_response(job) -> FileResponse:
    """The stored workbook of a finished background job (lmns.jobs), as a private download."""
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404("This workbook is not ready.")
    response = FileResponse(
        job.file.open("rb"), as_attachment=True, filename=job.file.name.rsplit("/", 1)[-1]
    )
    response["Cache-Control"] = "private, no-store"
    return response

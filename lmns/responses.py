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


def stored_file_response(file, *, filename: str, content_type: str | None = None) -> FileResponse:
    """A stored file (a FileField's value) as a download that no shared cache keeps.

    The caller has checked access. The file is streamed through this process from the storage,
    whether the disk or an S3 bucket, rather than by redirecting to a signed S3 address: that
    address would let anyone holding it download the file, without sign-in, until it expired;
    it would need the bucket to be reachable from every user's browser; and it would leave the
    downloads out of this service's logs.
    """
    response = FileResponse(file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


def export_job_response(job) -> FileResponse:
    """The stored workbook of a finished background job (lmns.jobs), as a private download."""
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404("This workbook is not ready.")
    return stored_file_response(job.file, filename=job.file.name.rsplit("/", 1)[-1])

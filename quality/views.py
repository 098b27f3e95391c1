"""The pages that compose the apps: Home's work counts, the quality view and board packs."""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from assurance.oversight import selectors as oversight_selectors
from lmns import access
from lmns.models import BoardPackJob, ExportStatus, Provider
from lmns.query import BadQuery
from lmns.responses import export_job_response, xlsx_response
from quality import board_packs, work
from quality import quality as quality_selectors
from workforce.champions import selectors as champions_selectors
from workforce.perinatal import quality as perinatal_quality


def home(request):
    memberships = request.user.memberships.select_related("provider", "lmns")
    providers = Provider.objects.visible_to(request.user).select_related("lmns")
    return render(
        request,
        "lmns/home.html",
        {"memberships": memberships, "providers": providers, "work": work.work_for_request(request)},
    )


def _pack_month(query):
    """Board packs are monthly: the month asked for, or the last complete one."""
    if "quarter" in query:
        raise BadQuery("Board packs are for a month.")
    return quality_selectors.period_from(query).start


def quality(request):
    providers = access.readable(request.user, Provider.objects.select_related("lmns").order_by("name"))
    period = quality_selectors.period_from(request.GET)
    overview = quality_selectors.lmns_overview(user=request.user, providers=providers, period=period)
    return render(
        request,
        "lmns/quality.html",
        {
            "view": overview,
            "signals": perinatal_quality.lmns_signals(user=request.user, providers=providers, period=period),
            "choices": quality_selectors.period_choices(),
            "pack_lmnss": access.lmnss_where(request.user, "lmns_workbook").order_by("name"),
            "oversight": oversight_selectors.providers_oversight(
                user=request.user, providers=providers
            ).values(),
        },
    )


def quality_provider(request, ods_code):
    provider = access.get_for_user(Provider.objects.select_related("lmns"), request.user, ods_code=ods_code)
    period = quality_selectors.period_from(request.GET)
    return render(
        request,
        "lmns/quality_provider.html",
        {
            "view": quality_selectors.provider_quality(user=request.user, provider=provider, period=period),
            "perinatal": perinatal_quality.provider_section(
                user=request.user, provider=provider, period=period
            ),
            "choices": quality_selectors.period_choices(),
            "champions": champions_selectors.provider_champions_summary(
                user=request.user, provider=provider, period=period
            ),
            "oversight": oversight_selectors.provider_oversight(user=request.user, provider=provider),
        },
    )


def board_pack(request, ods_code):
    provider = access.get_for_user(Provider.objects.select_related("lmns"), request.user, ods_code=ods_code)
    (source,) = board_packs.pack_sources(
        user=request.user, providers=[provider], month=_pack_month(request.GET)
    )
    return render(request, "lmns/board_pack.html", {"view": source.quality, "source": source})


@require_GET
def board_pack_workbook(request, ods_code):
    provider = access.get_for_user(Provider.objects.select_related("lmns"), request.user, ods_code=ods_code)
    month = _pack_month(request.GET)
    workbook = board_packs.board_pack_workbook(
        sources=board_packs.pack_sources(user=request.user, providers=[provider], month=month),
        title=f"Perinatal quality surveillance board pack: {provider} ({provider.ods_code}), {month:%B %Y}",
        generated_by=request.user,
    )
    return xlsx_response(workbook, f"board-pack-{provider.ods_code}-{month:%Y-%m}.xlsx")


@require_POST
def board_pack_start(request):
    lmns_pk = request.POST.get("lmns", "")
    if not (lmns_pk.isascii() and lmns_pk.isdigit()):
        raise Http404("Choose an LMNS.")
    lmns = get_object_or_404(access.lmnss_where(request.user, "lmns_workbook"), pk=lmns_pk)
    job = board_packs.board_pack_job_start(lmns=lmns, month=_pack_month(request.POST), by=request.user)
    return redirect(job)


def board_pack_job(request, pk):
    job = access.get_for_user(
        BoardPackJob.objects.select_related("lmns"), request.user, action="lmns_workbook", pk=pk
    )
    working = job.status in {ExportStatus.QUEUED, ExportStatus.RUNNING}
    return render(request, "lmns/board_pack_job.html", {"job": job, "refresh": working})


@require_GET
def board_pack_download(request, pk):
    job = access.get_for_user(BoardPackJob.objects, request.user, action="lmns_workbook", pk=pk)
    return export_job_response(job)

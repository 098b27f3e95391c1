"""Freedom to Speak Up concerns, for the provider's guardians and the LMNS FTSU lead only.

Every concern is fetched through FtsuConcern.visible_to (by access.get_for_user), so
anyone else gets 404 whatever their other roles. Everyone who can see a provider gets
the suppressed counts on the overview page, and nothing more.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from incidents.views.common import run_service, save_with
from lmns import access
from lmns.pagination import paginate
from lmns.responses import xlsx_response
from workforce import crypto, exports, selectors, services
from workforce.forms import ConcernForm, MessageForm, NoteForm
from workforce.models import FtsuConcern

ACTION = "record_ftsu_concern"


def _may_report(user) -> bool:
    action = "ftsu_return"
    return access.providers_where(user, action).exists() or access.lmnss_where(user, action).exists()


def ftsu(request):
    quarters = selectors.recent_quarters()
    concerns = FtsuConcern.objects.visible_to(request.user).select_related("provider", "lmns", "handler")
    return render(
        request,
        "workforce/ftsu.html",
        {
            "quarters": quarters,
            "counts": selectors.ftsu_counts(user=request.user, quarters=quarters),
            "page": paginate(request, concerns),
            "reads_concerns": _may_report(request.user),
            "can_record": access.providers_where(request.user, ACTION).exists()
            or access.lmnss_where(request.user, ACTION).exists(),
        },
    )


def concern_create(request):
    form = ConcernForm(request.POST or None, user=request.user)
    if not form.fields["organisation"].choices:
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        concern = save_with(form, services.concern_record, by=request.user, **form.service_fields())
        if concern:
            messages.success(request, f"Concern {concern.reference} recorded.")
            return redirect(concern)
    return render(request, "workforce/concern_form.html", {"form": form})


def concern_detail(request, pk):
    concern = access.get_for_user(
        FtsuConcern.objects.select_related("provider", "lmns", "handler", "recorded_by"), request.user, pk=pk
    )
    is_handler = concern.handler_id == request.user.pk
    return render(
        request,
        "workforce/concern_detail.html",
        {
            "concern": concern,
            "is_handler": is_handler,
            # Decrypted only here, and only for the guardian handling the concern.
            "contact": crypto.decrypt(concern.contact_encrypted)
            if is_handler and concern.has_contact
            else "",
            "conversation": concern.messages.select_related("sent_by"),
            "notes": concern.notes.select_related("created_by"),
            "reply_form": MessageForm(),
            "note_form": NoteForm(),
        },
    )


def concern_edit(request, pk):
    concern = access.get_for_user(
        FtsuConcern.objects.select_related("provider", "lmns"), request.user, action=ACTION, pk=pk
    )
    form = ConcernForm(request.POST or None, user=request.user, concern=concern)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        if save_with(form, services.concern_update, concern=concern, by=request.user, **fields):
            messages.success(request, f"Concern {concern.reference} updated.")
            return redirect(concern)
    return render(request, "workforce/concern_form.html", {"form": form, "concern": concern})


@require_POST
def concern_reply(request, pk):
    concern = access.get_for_user(FtsuConcern.objects, request.user, action=ACTION, pk=pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            services.concern_reply,
            "Reply sent. The person reads it when they next open their case with their passphrase.",
            concern=concern,
            by=request.user,
            body=form.cleaned_data["body"],
        )
    else:
        messages.error(request, "Enter a message to send.")
    return redirect(concern)


@require_POST
def concern_note(request, pk):
    concern = access.get_for_user(FtsuConcern.objects, request.user, action=ACTION, pk=pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            services.concern_note_add,
            "Note added.",
            concern=concern,
            by=request.user,
            **form.cleaned_data,
        )
    else:
        messages.error(request, "Enter a note.")
    return redirect(concern)


@require_POST
def concern_take(request, pk):
    concern = access.get_for_user(FtsuConcern.objects, request.user, action=ACTION, pk=pk)
    run_service(
        request, services.concern_take, "You are now handling this concern.", concern=concern, by=request.user
    )
    return redirect(concern)


def _quarter(request):
    return selectors.Quarter.parse(request.GET.get("quarter", "")) or selectors.recent_quarters()[-1]


@require_GET
def ngo_return(request):
    if not _may_report(request.user):
        raise PermissionDenied
    quarter = _quarter(request)
    return render(
        request,
        "workforce/ngo_return.html",
        {
            "quarter": quarter,
            "quarters": selectors.recent_quarters(8),
            "rows": selectors.ngo_return(user=request.user, quarter=quarter),
            "columns": selectors.NGO_COLUMNS,
            "groups": selectors.ProfessionalGroup.choices,
        },
    )


@require_GET
def ngo_return_xlsx(request):
    if not _may_report(request.user):
        raise PermissionDenied
    quarter = _quarter(request)
    workbook = exports.ngo_return_workbook(
        quarter=quarter,
        rows=selectors.ngo_return(user=request.user, quarter=quarter),
        generated_by=request.user,
    )
    return xlsx_response(workbook, f"ftsu-return-{quarter.slug}.xlsx")

"""Freedom to Speak Up concerns, for the provider's guardians and the LMNS FTSU lead only.

Every concern is fetched through FtsuConcern.visible_to (by access.get_for_user), so
anyone else gets 404 whatever their other roles. Everyone who can see a provider gets
the suppressed counts on the overview page, and nothing more.

No page that shows a concern may be kept by a browser or proxy (``never_cache``: "private,
no-store"), and the text of a concern is left out of error reports (``sensitive_post_parameters``).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from lmns import access, query
from lmns.forms_service import run_service, save_with
from lmns.pagination import paginate
from lmns.responses import xlsx_response
from workforce import crypto, exports, selectors, services
from workforce.forms import ConcernForm, HandOverForm, MessageForm, NoteForm
from workforce.models import FtsuConcern

ACTION = "record_ftsu_concern"
# What someone wrote in a concern, or about who raised it: never in an error report.
SECRET_FIELDS = ("summary", "contact", "body", "actions_taken", "feedback_given", "outcome")


def _may_report(user) -> bool:
    action = "ftsu_return"
    return access.providers_where(user, action).exists() or access.lmnss_where(user, action).exists()


@never_cache
def ftsu(request):
    quarters = selectors.recent_quarters()
    concerns = FtsuConcern.objects.visible_to(request.user).select_related("provider", "lmns", "handler")
    # New concerns nobody has taken yet come first: they are the guardian's and lead's queue.
    concerns = concerns.alias(taken=Q(handler__isnull=False)).order_by("taken", "-received_on", "-pk")
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


@never_cache
@sensitive_post_parameters(*SECRET_FIELDS)
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


@never_cache
def concern_detail(request, pk):
    concern = access.get_for_user(
        FtsuConcern.objects.select_related("provider", "lmns", "handler", "recorded_by"), request.user, pk=pk
    )
    is_handler = concern.handler_id == request.user.pk
    handler_reads = concern.handler is not None and access.reads_ftsu_concern(concern.handler, concern)
    people = selectors.concern_handlers(concern=concern) if is_handler else None
    return render(
        request,
        "workforce/concern_detail.html",
        {
            "concern": concern,
            "is_handler": is_handler,
            # Someone else may take the concern over only when its handler can no longer read it.
            "can_take": not is_handler and not handler_reads,
            # Decrypted only here, and only for the guardian handling the concern.
            "contact": crypto.decrypt(concern.contact_encrypted)
            if access.reads_ftsu_contact(request.user, concern) and concern.has_contact
            else "",
            "conversation": concern.messages.select_related("sent_by"),
            "notes": concern.notes.select_related("created_by"),
            "reply_form": MessageForm(),
            "note_form": NoteForm(),
            "hand_over_form": HandOverForm(people=people) if people is not None and people.exists() else None,
        },
    )


@never_cache
@sensitive_post_parameters(*SECRET_FIELDS)
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


@never_cache
@sensitive_post_parameters(*SECRET_FIELDS)
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


@never_cache
@sensitive_post_parameters(*SECRET_FIELDS)
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


@never_cache
@require_POST
def concern_take(request, pk):
    concern = access.get_for_user(FtsuConcern.objects, request.user, action=ACTION, pk=pk)
    run_service(
        request, services.concern_take, "You are now handling this concern.", concern=concern, by=request.user
    )
    return redirect(concern)


@never_cache
@require_POST
def concern_hand_over(request, pk):
    concern = access.get_for_user(FtsuConcern.objects, request.user, action=ACTION, pk=pk)
    form = HandOverForm(request.POST, people=selectors.concern_handlers(concern=concern))
    if form.is_valid():
        to = form.cleaned_data["to"]
        run_service(
            request,
            services.concern_hand_over,
            f"{to.get_full_name() or to.get_username()} is now handling this concern.",
            concern=concern,
            by=request.user,
            to=to,
        )
    else:
        messages.error(request, "Choose a guardian or the LMNS Freedom to Speak Up lead to hand it over to.")
    return redirect(concern)


def _quarter(request):
    """The quarter asked for, or the current one."""
    if not (text := request.GET.get("quarter", "")):
        return selectors.quarters_to_date(1)[-1]
    if (quarter := selectors.Quarter.parse(text)) is None:
        raise query.BadQuery("Give the quarter as a financial year and quarter, for example 2025-Q4.")
    return quarter


@never_cache
@require_GET
def ftsu_return(request):
    if not _may_report(request.user):
        raise PermissionDenied
    quarter = _quarter(request)
    layout = selectors.return_layout()
    rows = selectors.ftsu_return(user=request.user, quarter=quarter)
    groups = selectors.return_groups(user=request.user, rows=rows)
    return render(
        request,
        "workforce/ftsu_return.html",
        {
            "quarter": quarter,
            "quarters": selectors.quarters_to_date(8),
            "rows": rows,
            "layout": layout,
            "table": layout.table(rows),
            "groups": groups,
            "group_table": [(row, row.counts_by_group(groups)) for row in rows],
        },
    )


@never_cache
@require_GET
def ftsu_return_xlsx(request):
    if not _may_report(request.user):
        raise PermissionDenied
    quarter = _quarter(request)
    workbook = exports.ftsu_return_workbook(
        quarter=quarter,
        rows=selectors.ftsu_return(user=request.user, quarter=quarter),
        generated_by=request.user,
    )
    return xlsx_response(workbook, f"ftsu-return-{quarter.slug}.xlsx")

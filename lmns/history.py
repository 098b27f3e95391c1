"""The audit trail of one record, as its History page shows it (issue #9).

Every domain model keeps django-simple-history rows (``Model.history``); this module turns
a page of them into changes a person can read: when, who, and each field's old and new
value under its label, with choice labels instead of codes and related records by name. A model
whose codes are labelled by data rather than choices (a visit finding's section, named by its
visit's template) names them through a ``history_display(field_name, value)`` method on the
record, called with the live record so the labels cost the same queries whatever the page holds.

Access is the caller's business: ``history_view`` fetches the record through the same
door as its detail page (``get_for_user``), so whoever may not see the record gets a 404
here too. The query count per page is fixed: a count, the page, the change just before
it, one query per kind of related record named on the page, and one per kind of link kept
(simple-history's ``m2m_fields``, such as a concern's categories).
"""

from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from lmns import access
from lmns.exports import person

PER_PAGE = 20

KINDS = {"+": "Created", "~": "Changed", "-": "Deleted"}


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str
    # The value is kept (encrypted) but never shown: only that it changed.
    withheld: bool = False


@dataclass(frozen=True)
class Change:
    when: datetime
    # Changes to FTSU concerns keep their day only (workforce.models.DayOnlyHistoricalRecords).
    day_only: bool
    who: str
    kind: str
    fields: list[FieldChange]
    # Why, where a workflow says so: "Imported from dashboard.xlsx (import 12)".
    reason: str = ""


@contextmanager
def unattributed():
    """Keep the changes made inside in history with no user, whoever is signed in.

    For what people write without an account (speaking up, answering on their case page,
    the health survey): simple-history takes the author from the request that
    HistoryRequestMiddleware hands it, so a member of staff who happened to be signed in
    would be kept, and shown on the History page, as the author of an anonymous concern.
    Usable as a decorator on the services that take those writes.
    """
    context = HistoricalRecords.context
    request = getattr(context, "request", None)
    if request is not None:
        del context.request
    try:
        yield
    finally:
        if request is not None:
            context.request = request


_recorded_as: ContextVar[tuple | None] = ContextVar("history_recorded_as", default=None)


@contextmanager
def recorded_as(*, user, reason: str):
    """Keep the changes made inside in history as made by ``user``, for ``reason``.

    For work done away from the user's request (an import applied by a Celery worker), where
    simple-history has no request to take the user from, and to say which import made a change.
    """
    token = _recorded_as.set((user, reason[:100]))
    try:
        yield
    finally:
        _recorded_as.reset(token)


def _attribute(sender, history_instance, **kwargs):
    recorded = _recorded_as.get()
    if recorded is not None:
        user, reason = recorded
        if user is not None and getattr(history_instance, "history_user_id", None) is None:
            history_instance.history_user = user
        history_instance.history_change_reason = reason


pre_create_historical_record.connect(_attribute, dispatch_uid="lmns.history.recorded_as")


def actor_name(user) -> str:
    # No user: a management command, a task, or someone speaking up without an account.
    return person(user) if user is not None else "the system"


def shown_fields(history_model):
    """The record's own fields, less its id and the timestamps set on every save."""
    return [
        field
        for field in history_model.tracked_fields
        if not field.primary_key
        and not getattr(field, "auto_now", False)
        and not getattr(field, "auto_now_add", False)
    ]


def _related_names(records, fields) -> dict:
    """{(field name, id): text} for every related record the page names, one query per model."""
    wanted = defaultdict(set)
    for field in fields:
        if field.is_relation:
            for record in records:
                if (pk := getattr(record, field.attname)) is not None:
                    # Most links hold the related pk; a few hold a code (to_field), such as a concern's
                    # professional group.
                    wanted[field.related_model, field.target_field.name].add(pk)
    names = {}
    for (model, key), pks in wanted.items():
        found = model._base_manager.select_related().in_bulk(pks, field_name=key)
        for pk in pks:
            related = found.get(pk)
            if related is None:
                names[(model, pk)] = f"A deleted record (#{pk})"
            elif hasattr(related, "get_full_name"):
                names[(model, pk)] = actor_name(related)
            else:
                names[(model, pk)] = str(related)
    return names


def _display(field, value, names) -> str:
    if value is None or value == "":
        return "Not recorded"
    if field.is_relation:
        return names[(field.related_model, value)]
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%-d %B %Y, %H:%M")
    if hasattr(value, "strftime"):
        return value.strftime("%-d %B %Y")
    return str(value)


def _label(field) -> str:
    text = str(field.verbose_name)
    return text[:1].upper() + text[1:]


def field_changes(record, before, fields, withheld, names, hook=None) -> list[FieldChange]:
    def shown(field, value):
        if hook is not None and value not in (None, "") and (text := hook(field.name, value)) is not None:
            return text
        return _display(field, value, names)

    changes = []
    for field in fields:
        new = getattr(record, field.attname)
        old = getattr(before, field.attname) if before is not None else None
        if before is not None and old == new:
            continue
        if before is None and new in (None, "", False):
            continue
        if field.name in withheld:
            changes.append(FieldChange(withheld[field.name], "", "", withheld=True))
            continue
        changes.append(
            FieldChange(
                _label(field),
                shown(field, old) if before is not None else "",
                shown(field, new),
            )
        )
    return changes


def _linked_names(history_model, records) -> dict:
    """{(history id, field name): text} for the many-to-many links each history row kept
    (simple-history's ``m2m_fields``), in one query per such field."""
    names = {}
    for field in getattr(history_model, "_history_m2m_fields", []):
        links_model = next(
            rel.related_model
            for rel in history_model._meta.related_objects
            if rel.related_model._meta.object_name == f"{history_model._meta.object_name}_{field.name}"
        )
        target = field.m2m_reverse_field_name()
        linked = defaultdict(list)
        for link in links_model.objects.filter(history__in=[r.history_id for r in records]).select_related(
            target
        ):
            linked[link.history_id].append(str(getattr(link, target)))
        for record in records:
            names[record.history_id, field] = ", ".join(sorted(linked[record.history_id]))
    return names


def _link_changes(record, before, fields, linked) -> list[FieldChange]:
    changes = []
    for field in fields:
        new = linked[record.history_id, field]
        old = linked[before.history_id, field] if before is not None else ""
        if new != old:
            changes.append(
                FieldChange(_label(field), (old or "Not recorded") if before else "", new or "Not recorded")
            )
    return changes


def record_history(obj, *, page_number=None) -> Page:
    """A page of the record's changes, newest first, as ``Change`` objects."""
    history = obj.history.select_related("history_user").order_by("-history_date", "-history_id")
    page = Paginator(history, PER_PAGE).get_page(page_number)
    records = list(page.object_list)
    if records and page.has_next():
        last = records[-1]
        earlier = history.filter(
            Q(history_date__lt=last.history_date)
            | Q(history_date=last.history_date, history_id__lt=last.history_id)
        ).first()
        records.append(earlier)
    history_model = obj.history.model
    fields = shown_fields(history_model)
    withheld = getattr(type(obj), "history_withheld_fields", {})
    names = _related_names([r for r in records if r is not None], fields)
    links = getattr(history_model, "_history_m2m_fields", [])
    linked = _linked_names(history_model, [r for r in records if r is not None])
    day_only = getattr(history_model, "day_only", False)
    hook = getattr(obj, "history_display", None)
    changes = []
    for index, record in enumerate(records[: len(page.object_list)]):
        before = records[index + 1] if record.history_type == "~" and index + 1 < len(records) else None
        shown = []
        if record.history_type != "-":
            shown = field_changes(record, before, fields, withheld, names, hook)
            shown += _link_changes(record, before, links, linked)
        changes.append(
            Change(
                when=record.history_date,
                day_only=day_only,
                who=actor_name(record.history_user),
                kind=KINDS[record.history_type],
                fields=shown,
                reason=getattr(record, "history_change_reason", None) or "",
            )
        )
    page.object_list = changes
    return page


def history_view(queryset):
    """A record's History page, fetched like its detail page: ``queryset.visible_to(user)``."""

    @never_cache
    def view(request, **lookup):
        obj = access.get_for_user(queryset, request.user, **lookup)
        page = record_history(obj, page_number=request.GET.get("page"))
        return render(request, "history.html", {"record": obj, "page": page})

    return view

"""Every change to workforce returns and Freedom to Speak Up concerns.

Services are keyword-only and atomic, take the acting user as ``by``, and raise
ValidationError with a message for the user when a rule refuses the change, so that
nothing is half-saved. Callers check access first (lmns.access, FtsuConcern.visible_to).

Nothing here logs, and no email carries a concern's summary, its raiser's contact
details or its reference: emails say where to sign in, nothing more.
"""

import secrets
from datetime import date

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from lmns import access
from lmns.exports import person as _person
from lmns.history import unattributed
from lmns.models import Lmns, Membership, Provider, Role
from lmns.work_email.models import WorkKind
from lmns.work_email.services import work_arrived, work_arrived_for
from workforce import crypto, selectors
from workforce.models import (
    ConcernStatus,
    FtsuCategory,
    FtsuConcern,
    FtsuMessage,
    FtsuNote,
    ProfessionalGroup,
    RaisedAs,
    ReceivedBy,
    Route,
    WorkforceReturn,
)
from workforce.training.selectors import training_flags
from workforce.training.services import FigureInput, training_figures_check, training_figures_save

# --- Workforce returns ---------------------------------------------------------------------


def _check_changes(
    workforce_return: WorkforceReturn, confirm_changes: bool, figures=(), also_flagged=()
) -> None:
    """Refuse implausible month-on-month jumps until the submitter confirms them, with those the
    caller found in figures submitted with the return (``also_flagged``, kept by the caller)."""
    flags = selectors.return_flags(workforce_return=workforce_return)
    flags += training_flags(workforce_return=workforce_return, figures=figures)
    if (flags or also_flagged) and not confirm_changes:
        messages = [
            "Some figures changed a lot since the previous month. Check them, then confirm "
            "that they are right.",
            *flags,
            *also_flagged,
        ]
        raise ValidationError([ValidationError(message, code="unconfirmed_changes") for message in messages])
    workforce_return.confirmed_changes = "\n".join(flags)


@transaction.atomic
def workforce_return_submit(
    *,
    provider: Provider,
    month: date,
    by,
    confirm_changes: bool = False,
    training: list[FigureInput] = (),
    also_flagged: list[str] = (),
    **fields,
) -> WorkforceReturn:
    """Submit a provider's return for a month: one per provider and month, with its training
    figures by module and staff group."""
    workforce_return = WorkforceReturn(
        provider=provider, month=month, submitted_by=by, submitted_at=timezone.now(), **fields
    )
    workforce_return.full_clean()  # one return per provider and month (unique_error_message)
    figures = training_figures_check(workforce_return=workforce_return, training=training)
    _check_changes(workforce_return, confirm_changes, figures, also_flagged)
    try:
        with transaction.atomic():
            workforce_return.save()
    except IntegrityError:  # submitted by someone else a moment ago
        raise ValidationError(f"{provider.name} has already submitted a return for {month:%B %Y}.") from None
    training_figures_save(workforce_return=workforce_return, figures=figures)
    return workforce_return


@transaction.atomic
def workforce_return_update(
    *,
    workforce_return: WorkforceReturn,
    by,
    confirm_changes: bool = False,
    training: list[FigureInput] = (),
    also_flagged: list[str] = (),
    **fields,
) -> WorkforceReturn:
    """Correct a submitted return. Its month and provider never change; lateness is kept."""
    if {"provider", "month", "submitted_at", "submitted_by"} & fields.keys():
        raise ValueError("A return's provider, month and submission cannot be changed.")
    workforce_return = WorkforceReturn.objects.select_for_update().get(pk=workforce_return.pk)
    for name, value in fields.items():
        setattr(workforce_return, name, value)
    workforce_return.full_clean()
    figures = training_figures_check(workforce_return=workforce_return, training=training)
    _check_changes(workforce_return, confirm_changes, figures, also_flagged)
    workforce_return.save()
    training_figures_save(workforce_return=workforce_return, figures=figures)
    return workforce_return


# --- FTSU concerns recorded by guardians and the LMNS FTSU lead ------------------------------

_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O or U


def _random_code(groups: int, size: int) -> str:
    return "-".join("".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(size)) for _ in range(groups))


def _new_reference() -> str:
    while True:
        reference = f"FTSU-{_random_code(2, 4)}"
        if not FtsuConcern.objects.filter(reference=reference).exists():
            return reference


def _choosable(model, codes, *, lmns_id: int, held: set[str], field: str) -> list:
    """The reference rows with these codes that a concern of LMNS ``lmns_id`` may hold: rows
    every LMNS uses or the LMNS's own, and, unless the concern holds them already, not retired."""
    codes = set(codes)
    rows = list(model.objects.filter(code__in=codes))
    if len(rows) != len(codes) or not all(row.available_in(lmns_id) for row in rows):
        raise ValidationError({field: "Choose from the list."})
    if retired := [row.label for row in rows if not row.is_active and row.code not in held]:
        raise ValidationError({field: f"{', '.join(retired)} can no longer be chosen."})
    return rows


def _categories_for(concern: FtsuConcern, codes, *, held: set[str] = frozenset()) -> list[FtsuCategory]:
    if not codes:
        raise ValidationError({"categories": "Select at least one thing the concern is about."})
    return _choosable(FtsuCategory, codes, lmns_id=concern.lmns_id, held=held, field="categories")


def _set_professional_group(concern: FtsuConcern, code: str, *, held: str = "") -> None:
    (group,) = _choosable(
        ProfessionalGroup, [code], lmns_id=concern.lmns_id, held={held}, field="professional_group"
    )
    concern.professional_group = group


def _set_contact(concern: FtsuConcern, contact: str) -> None:
    contact = (contact or "").strip()
    if concern.raised_as == RaisedAs.ANONYMOUS:
        # Anonymous means nobody knows who: never keep anything that says who.
        concern.contact_encrypted = ""
    elif contact:
        concern.contact_encrypted = crypto.encrypt(contact)


@transaction.atomic
def concern_record(
    *,
    by,
    provider: Provider | None,
    lmns: Lmns | None = None,
    route: str,
    received_on: date,
    raised_as: str,
    professional_group: str,
    categories: list[str],
    detriment_reported: bool,
    summary: str,
    actions_taken: str = "",
    feedback_given: str = "",
    contact: str = "",
) -> FtsuConcern:
    """Record a concern. A guardian records it for their provider; the LMNS FTSU lead
    records concerns received by the LMNS, naming a provider or not. The recorder
    handles it, and so is the one person shown the raiser's contact details."""
    is_guardian = provider is not None and (
        Membership.objects.filter(user=by, role=Role.PROVIDER_FTSU_GUARDIAN, provider=provider).exists()
    )
    concern = FtsuConcern(
        reference=_new_reference(),
        lmns=provider.lmns if provider else lmns,
        provider=provider,
        received_by=ReceivedBy.PROVIDER if is_guardian else ReceivedBy.LMNS,
        route=route,
        received_on=received_on,
        raised_as=raised_as,
        detriment_reported=detriment_reported,
        summary=summary,
        actions_taken=actions_taken,
        feedback_given=feedback_given,
        handler=by,
        recorded_by=by,
    )
    _set_professional_group(concern, professional_group)
    chosen = _categories_for(concern, categories)
    _set_contact(concern, contact)
    concern.full_clean()
    concern.save_with_categories(chosen)
    return concern


_UPDATABLE = {
    "route",
    "received_on",
    "raised_as",
    "professional_group",
    "detriment_reported",
    "summary",
    "actions_taken",
    "feedback_given",
    "status",
    "closed_on",
    "outcome",
}


@transaction.atomic
def concern_update(*, concern: FtsuConcern, by, categories: list[str], contact: str = "", **fields):
    """Change a concern's record, including its status and closure. Only the handler may
    change contact details (callers pass ``contact`` only for them), or how a concern that
    holds them was raised: making a concern anonymous erases them."""
    if unknown := fields.keys() - _UPDATABLE:
        raise ValueError(f"{', '.join(sorted(unknown))} cannot be changed here.")
    concern = FtsuConcern.objects.select_for_update().get(pk=concern.pk)
    if contact and concern.handler_id != by.pk:
        raise ValidationError("Only the guardian handling this concern can change the contact details.")
    changes_mode = fields.get("raised_as", concern.raised_as) != concern.raised_as
    if changes_mode and concern.has_contact and concern.handler_id != by.pk:
        # Making a concern anonymous erases the contact details, which nobody else may even see.
        raise ValidationError(
            "Only the guardian handling this concern can change how it was raised, because that "
            "can erase the person's contact details. Ask them, or ask them to hand it over to you."
        )
    held_group = concern.professional_group_id
    if "professional_group" in fields:
        _set_professional_group(concern, fields.pop("professional_group"), held=held_group)
    for name, value in fields.items():
        setattr(concern, name, value)
    if concern.status != ConcernStatus.CLOSED:
        concern.closed_on = None
    chosen = _categories_for(concern, categories, held={c.code for c in concern.categories.all()})
    _set_contact(concern, contact)
    concern.full_clean()
    concern.save_with_categories(chosen)
    return concern


@transaction.atomic
def concern_take(*, concern: FtsuConcern, by) -> FtsuConcern:
    """Become the guardian handling a concern that nobody handles, or whose handler can no
    longer read it (they left, or lost the role). A handler who can still read it hands it
    over (``concern_hand_over``): taking it from them would let any guardian see who raised
    it. The change is kept as a note, so who could see the contact details, and when, is known."""
    # Lock the concern row only: PostgreSQL cannot lock the nullable side of the outer join.
    concern = FtsuConcern.objects.select_for_update(of=("self",)).select_related("handler").get(pk=concern.pk)
    if concern.handler_id == by.pk:
        raise ValidationError("You are already handling this concern.")
    if not access.reads_ftsu_concern(by, concern):
        raise ValidationError(
            "Only the provider's guardians and the LMNS Freedom to Speak Up lead can handle this concern."
        )
    previous = concern.handler
    if previous is not None and access.reads_ftsu_concern(previous, concern):
        raise ValidationError(f"{_person(previous)} is handling this concern; ask them to hand it over.")
    concern.handler = by
    concern.save(update_fields=["handler"])
    FtsuNote.objects.create(
        concern=concern,
        created_by=by,
        body=f"Took over handling{f' from {_person(previous)}' if previous else ''}.",
    )
    return concern


@transaction.atomic
def concern_hand_over(*, concern: FtsuConcern, by, to) -> FtsuConcern:
    """The handler hands a concern to another person who can read it (a guardian of the
    provider, or the LMNS FTSU lead), who from then on is the one shown the contact details.
    Kept as a note."""
    concern = FtsuConcern.objects.select_for_update().get(pk=concern.pk)
    if concern.handler_id != by.pk:
        raise ValidationError("Only the guardian handling this concern can hand it over.")
    if to.pk == by.pk:
        raise ValidationError("You are already handling this concern. Choose someone else.")
    if not access.reads_ftsu_concern(to, concern):
        raise ValidationError(f"{_person(to)} cannot read this concern, so cannot handle it.")
    concern.handler = to
    concern.save(update_fields=["handler"])
    FtsuNote.objects.create(concern=concern, created_by=by, body=f"Handed over to {_person(to)}.")
    # The email says only that a concern was handed over: nothing of it, nor who raised it.
    work_arrived_for(
        kind=WorkKind.CONCERN_HANDED_OVER,
        url=reverse("workforce:concern-detail", kwargs={"pk": concern.pk}),
        by=by,
        people=[to],
    )
    return concern


@transaction.atomic
def concern_note_add(*, concern: FtsuConcern, by, body: str) -> FtsuNote:
    note = FtsuNote(concern=concern, created_by=by, body=body.strip())
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def concern_reply(*, concern: FtsuConcern, by, body: str) -> FtsuMessage:
    """Reply to someone who spoke up online; they read it with their passphrase."""
    concern = FtsuConcern.objects.select_for_update().get(pk=concern.pk)
    if not concern.raised_online:
        raise ValidationError(
            "This concern was not raised online, so there is no way to reply here. "
            "Give feedback the way the person asked."
        )
    if concern.status == ConcernStatus.CLOSED:
        raise ValidationError("This concern is closed. Reopen it before replying.")
    message = FtsuMessage(
        concern=concern, from_raiser=False, body=body.strip(), sent_on=timezone.localdate(), sent_by=by
    )
    message.full_clean()
    message.save()
    if concern.status == ConcernStatus.RECEIVED:
        concern.status = ConcernStatus.IN_PROGRESS
    if concern.handler_id is None:
        concern.handler = by
    concern.save(update_fields=["status", "handler"])
    return message


# --- Speaking up to the LMNS online, with no account ------------------------------------------

WRONG_CASE = "The case reference or passphrase is not right. Check both and try again."


def normalise_code(value: str, prefix: str = "") -> str:
    """What people type, as stored: capitals, and O read as 0 and I or L as 1 (Crockford)."""
    text = "".join(ch for ch in (value or "").upper() if ch.isalnum())
    text = text.translate(str.maketrans("OIL", "011"))
    if prefix and text.startswith(prefix):
        text = text[len(prefix) :]
    return text


def _hash_passphrase(passphrase: str) -> str:
    return make_password(normalise_code(passphrase))


@transaction.atomic
@unattributed()
def speak_up_submit(
    *,
    lmns: Lmns,
    provider: Provider | None,
    raised_as: str,
    professional_group: str,
    categories: list[str],
    detriment_reported: bool,
    summary: str,
    contact: str = "",
) -> tuple[FtsuConcern, str]:
    """Record a concern raised with the LMNS through the public form.

    Returns the concern and its passphrase, which is shown once and kept only as a hash.
    Nothing about the request (address, browser, account, time of day) is stored: not even
    in the concern's history when the person happens to be signed in.
    """
    passphrase = _random_code(4, 5)
    concern = FtsuConcern(
        reference=_new_reference(),
        lmns=lmns,
        provider=provider,
        received_by=ReceivedBy.LMNS,
        route=Route.ONLINE,
        received_on=timezone.localdate(),
        raised_as=raised_as,
        detriment_reported=detriment_reported,
        summary=summary.strip(),
        passphrase_hash=_hash_passphrase(passphrase),
    )
    _set_professional_group(concern, professional_group)
    chosen = _categories_for(concern, categories)
    _set_contact(concern, contact)
    concern.full_clean()
    concern.save_with_categories(chosen)
    _notify(concern, WorkKind.CONCERN_RAISED)
    return concern, passphrase


# Made once, when the module is imported, so that checking a reference that does not exist
# costs one hash like checking one that does, from the very first request.
_DUMMY_HASH = make_password(secrets.token_urlsafe(16))


def speak_up_open(*, reference: str, passphrase: str) -> FtsuConcern:
    """The concern whose reference and passphrase these are. A wrong reference and a wrong
    passphrase give the same message and take the same time, so a guess reveals nothing."""
    code = normalise_code(reference, prefix="FTSU")
    formatted = f"FTSU-{code[:4]}-{code[4:]}" if len(code) == 8 else None
    concern = FtsuConcern.objects.filter(reference=formatted).exclude(passphrase_hash="").first()
    encoded = concern.passphrase_hash if concern else _DUMMY_HASH
    if not check_password(normalise_code(passphrase), encoded) or concern is None:
        raise ValidationError(WRONG_CASE)
    return concern


@transaction.atomic
@unattributed()
def speak_up_answer(*, concern: FtsuConcern, body: str) -> FtsuMessage:
    """The person who spoke up answers, still anonymously."""
    concern = FtsuConcern.objects.select_for_update().get(pk=concern.pk)
    if concern.status == ConcernStatus.CLOSED:
        raise ValidationError(
            "This case is closed, so it cannot take new messages. You can raise a new concern."
        )
    message = FtsuMessage(concern=concern, from_raiser=True, body=body.strip(), sent_on=timezone.localdate())
    message.full_clean()
    message.save()
    _notify(concern, WorkKind.RAISER_WROTE)
    return message


def _notify(concern: FtsuConcern, kind: WorkKind) -> None:
    """Tell the handler, or every FTSU lead of the LMNS when nobody handles it yet, as each
    chose to hear of work (lmns.work_email): a link and nothing from the concern, since email
    passes through many hands, and no ``by``, since whoever spoke up is nobody's account."""
    url = reverse("workforce:concern-detail", kwargs={"pk": concern.pk})
    if concern.handler_id:
        work_arrived_for(kind=kind, url=url, by=None, people=[concern.handler])
    else:
        work_arrived(kind=kind, url=url, by=None, organisation=concern.lmns)

"""Inviting people, granting and removing their roles, and deactivating leavers.

Guards, so that an LMNS is never left unmanaged and no one reaches beyond their LMNS:
- everything is done at an LMNS the acting user (``by``) administers, or one of its providers;
- no one removes their own system administrator role, or deactivates themselves;
- an LMNS always keeps at least one active system administrator;
- a deployment administrator (superuser), or someone who also holds roles in another LMNS,
  is deactivated only by a deployment administrator: an LMNS's administrator removes their
  roles here instead;
- nothing here makes anyone a superuser or staff.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.module_loading import import_string
from django.utils.timesince import timesince
from kombu.exceptions import OperationalError

from lmns import access, notifications, services
from lmns.models import Lmns, Membership, Provider, Role
from lmns.people import selectors
from lmns.sessions import sessions_end

User = get_user_model()
logger = logging.getLogger(__name__)


def _lmns_of(organisation: Lmns | Provider) -> Lmns:
    return organisation if isinstance(organisation, Lmns) else organisation.lmns


def _require_administers(by, organisation: Lmns | Provider) -> None:
    if not access.can(by, "manage_people", _lmns_of(organisation)):
        raise PermissionDenied


def _require_manages(by, person) -> None:
    if not selectors.people_visible_to(by).filter(pk=person.pk).exists():
        raise PermissionDenied


def _other_active_administrators(lmns: Lmns, *, excluding) -> bool:
    # Locked, so that two administrators removing each other at once cannot both succeed.
    administrators = list(
        Membership.objects.select_for_update()
        .filter(lmns=lmns, role=Role.SYSTEM_ADMINISTRATOR)
        .values_list("user_id", "user__is_active")
    )
    return any(active and user_id != excluding.pk for user_id, active in administrators)


@transaction.atomic
def person_invite(*, email: str, first_name: str, last_name: str, organisation, role: str, by) -> User:
    """A new account for ``email`` with ``role`` at ``organisation``, and an email (sent by a
    worker once this commits) with a single-use link to choose a password. Until then the
    account has no usable password, so nobody can sign in to it."""
    _require_administers(by, organisation)
    email = email.strip().lower()
    try:
        UnicodeUsernameValidator()(email)
    except ValidationError:
        raise ValidationError(
            {"email": "The email address becomes the username: use letters, digits and @ . + - _ only"}
        ) from None
    if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        raise ValidationError(
            {
                "email": "Someone already has an account with this email address. If they are in your "
                "LMNS, give them a role from their page; if not, ask the deployment administrator"
            }
        )
    person = User(username=email, email=email, first_name=first_name.strip(), last_name=last_name.strip())
    person.set_unusable_password()
    person.full_clean()
    person.save()
    membership_grant(person=person, organisation=organisation, role=role, by=by)
    _invitation_queue(person)
    return person


def _invitation_queue(person) -> None:
    # Only the id goes to the broker: the link is made by the worker as it sends, so no
    # set-password link is ever kept at rest (not in lmns.outbox's UnsentEmail either). If
    # the broker cannot be reached the person stays "invited", and an administrator sends
    # it again from their page (invitation_resend).
    def send():
        try:
            import_string("lmns.tasks.send_invitation").delay(person.pk)
        except OperationalError:
            logger.warning("The broker could not be reached; invitation to user %s not sent", person.pk)

    transaction.on_commit(send)


@transaction.atomic
def invitation_resend(*, person, by) -> None:
    """A new set-password link for someone who has not yet chosen a password."""
    _require_manages(by, person)
    if person.has_usable_password():
        raise ValidationError(
            f"{person.get_full_name() or person.username} has already chosen a password. If they have "
            "forgotten it, they can ask for a new one from the sign-in page."
        )
    if not person.is_active:
        raise ValidationError("Reactivate the account before sending the invitation again.")
    _invitation_queue(person)


def invitation_send(*, user_id: int) -> int:
    """Email the invitation with a fresh link; returns the number sent (0 or 1).

    The link is Django's password reset token, which holds the password hash (so it works
    once: setting the password changes the hash) and its time (so it expires after
    PASSWORD_RESET_TIMEOUT). Nothing is sent to someone who has since chosen a password or
    been deactivated.
    """
    person = User.objects.filter(pk=user_id, is_active=True).first()
    if person is None or person.has_usable_password() or not person.email:
        return 0
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": default_token_generator.make_token(person),
        },
    )
    now = timezone.now()
    body = render_to_string(
        "lmns/people/email/invitation.txt",
        {
            "person": person,
            "link": notifications.absolute_url(path),
            "lifetime": timesince(now, now + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)),
            "sign_in": notifications.absolute_url(reverse("login")),
        },
    )
    return services.email_send(to=[person.email], subject="Your LMNS Safety account", body=body)


@transaction.atomic
def membership_grant(*, person, organisation: Lmns | Provider, role: str, by) -> Membership:
    """Give ``person`` ``role`` at an LMNS or one of its providers (LMNS roles at the LMNS,
    provider roles at a provider)."""
    _require_administers(by, organisation)
    level = "lmns" if isinstance(organisation, Lmns) else "provider"
    membership = Membership(user=person, role=role, **{level: organisation})
    # The roles' levels are checked by clean(), with a message the form can show; the
    # database's constraints remain the last word.
    membership.full_clean(validate_unique=False, validate_constraints=False)
    if Membership.objects.filter(user=person, role=role, **{level: organisation}).exists():
        raise ValidationError(
            {"role": f"They are already {membership.get_role_display().lower()} at {organisation}."}
        )
    membership.save()
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by) -> None:
    _require_administers(by, membership.organisation)
    if membership.role == Role.SYSTEM_ADMINISTRATOR:
        if membership.user_id == by.pk:
            raise ValidationError(
                "You cannot remove your own system administrator role: ask another system administrator."
            )
        if not _other_active_administrators(membership.lmns, excluding=membership.user):
            raise ValidationError(
                f"{membership.lmns} would have no active system administrator. Give someone else the "
                "role first."
            )
    membership.delete()


@transaction.atomic
def person_deactivate(*, person, by) -> None:
    """A leaver: they cannot sign in, and their sessions and API tokens end now. Their roles
    stay, so that reactivating them restores their access; their tokens do not come back."""
    _require_manages(by, person)
    if person.pk == by.pk:
        raise ValidationError("You cannot deactivate your own account.")
    if not by.is_superuser and (person.is_superuser or selectors.holds_roles_elsewhere(person=person, by=by)):
        raise ValidationError(
            "This person also has access beyond your LMNS, so only the deployment administrator "
            "can deactivate their account. Remove their roles here instead."
        )
    administered = person.memberships.filter(role=Role.SYSTEM_ADMINISTRATOR).select_related("lmns")
    for membership in administered:
        if not _other_active_administrators(membership.lmns, excluding=person):
            raise ValidationError(
                f"{membership.lmns} would have no active system administrator. Give someone else the "
                "role first."
            )
    if person.is_active:
        person.is_active = False
        person.save(update_fields=["is_active"])
    # Through the relation the API app adds to the user, so that this base module need not
    # import the API, which sits above the feature apps (quality.api).
    person.api_tokens.active().update(revoked_at=timezone.now())
    sessions_end(user=person)


@transaction.atomic
def person_reactivate(*, person, by) -> None:
    _require_manages(by, person)
    if not person.is_active:
        person.is_active = True
        person.save(update_fields=["is_active"])

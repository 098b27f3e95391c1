"""Who a system administrator may see and manage: people with a role at an LMNS they
administer or at one of its providers, and only those roles. Every people page reads
through ``people_visible_to`` or ``memberships_visible_to``, so that another LMNS's people
answer 404."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q

from lmns import access
from lmns.exports import person as person_name
from lmns.models import Membership, Provider

User = get_user_model()


def lmnss_administered(user):
    return access.lmnss_where(user, "manage_people")


def memberships_visible_to(user):
    lmnss = lmnss_administered(user)
    return Membership.objects.filter(Q(lmns__in=lmnss) | Q(provider__lmns__in=lmnss))


def people_visible_to(user):
    return User.objects.filter(pk__in=memberships_visible_to(user).values("user"))


def person_list(*, by):
    """People of the LMNSs ``by`` administers, each with ``roles_here``: their roles there only."""
    roles = memberships_visible_to(by).select_related("lmns", "provider").order_by("role", "pk")
    return (
        people_visible_to(by)
        .order_by("last_name", "first_name", "username")
        .prefetch_related(Prefetch("memberships", queryset=roles, to_attr="roles_here"))
    )


def person_roles(*, person, by):
    return memberships_visible_to(by).filter(user=person).select_related("lmns", "provider")


def holds_roles_elsewhere(*, person, by) -> bool:
    """Whether ``person`` has a role beyond the LMNSs ``by`` administers."""
    return person.memberships.exclude(pk__in=memberships_visible_to(by).values("pk")).exists()


def organisations_administered(*, by) -> list:
    """Each LMNS ``by`` administers, followed by its providers: where they may give roles."""
    organisations = []
    for lmns in (
        lmnss_administered(by)
        .order_by("name")
        .prefetch_related(Prefetch("providers", queryset=Provider.objects.order_by("name")))
    ):
        organisations += [lmns, *lmns.providers.all()]
    return organisations


@dataclass(frozen=True)
class RoleChange:
    when: datetime
    change: str
    role: str
    organisation: str
    who: str


ROLE_CHANGES = {"+": "Given", "-": "Removed", "~": "Changed"}


def person_role_changes(*, person, by) -> list[RoleChange]:
    """Every grant and removal of ``person``'s roles in the LMNSs ``by`` administers, newest first."""
    lmnss = lmnss_administered(by)
    records = (
        Membership.history.filter(user_id=person.pk)
        .filter(Q(lmns_id__in=lmnss) | Q(provider_id__in=Provider.objects.filter(lmns__in=lmnss)))
        .select_related("history_user", "lmns", "provider")
        .order_by("-history_date", "-history_id")
    )
    return [
        RoleChange(
            when=record.history_date,
            change=ROLE_CHANGES[record.history_type],
            role=record.get_role_display(),
            organisation=str(record.lmns or record.provider),
            # No user: a management command or the demo data.
            who=person_name(record.history_user) or "the system",
        )
        for record in records
    ]

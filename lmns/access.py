"""The one door to provider data: who can see which organisations, and do what.

Every provider-owned queryset filters through ``providers_for(user)`` (via a
``visible_to(user)`` method), and every object fetched for a user goes through
``get_for_user``. Another provider's record answers 404, never 403, so that
its existence is not revealed. Permission to act is decided by ``can``, from
the single ``ACTION_ROLES`` table below.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from lmns.models import Lmns, Membership, Provider, Role

# What each role may do at a provider it can see. A role held at an LMNS
# applies to every provider of that LMNS; viewing needs no entry here.
ACTION_ROLES = {
    "manage_units": frozenset({Role.PROVIDER_LEAD, Role.LMNS_SAFETY_LEAD, Role.SYSTEM_ADMINISTRATOR}),
}


def _is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def providers_for(user):
    """Providers whose records ``user`` may read: their own, or all of their LMNS's."""
    if not _is_signed_in(user):
        return Provider.objects.none()
    if user.is_superuser:
        return Provider.objects.all()
    memberships = Membership.objects.filter(user=user)
    return Provider.objects.filter(
        Q(pk__in=memberships.filter(provider__isnull=False).values("provider"))
        | Q(lmns__in=memberships.filter(lmns__isnull=False).values("lmns"))
    )


def lmnss_for(user):
    """LMNSs that ``user`` belongs to, directly or through one of its providers."""
    if not _is_signed_in(user):
        return Lmns.objects.none()
    if user.is_superuser:
        return Lmns.objects.all()
    memberships = Membership.objects.filter(user=user)
    return Lmns.objects.filter(
        Q(pk__in=memberships.filter(lmns__isnull=False).values("lmns"))
        | Q(pk__in=memberships.filter(provider__isnull=False).values("provider__lmns"))
    )


def roles_at(user, provider: Provider) -> frozenset[str]:
    """Roles ``user`` holds at ``provider``, directly or through its LMNS."""
    if not _is_signed_in(user):
        return frozenset()
    # Cached on the user object, which lives for one request.
    cache = user.__dict__.setdefault("_lmns_roles_at", {})
    if provider.pk not in cache:
        cache[provider.pk] = frozenset(
            Membership.objects.filter(user=user)
            .filter(Q(provider_id=provider.pk) | Q(lmns_id=provider.lmns_id))
            .values_list("role", flat=True)
        )
    return cache[provider.pk]


def can(user, action: str, provider: Provider) -> bool:
    """Whether ``user`` may perform ``action`` (a key of ACTION_ROLES) at ``provider``."""
    if not _is_signed_in(user):
        return False
    if user.is_superuser:
        return True
    return bool(roles_at(user, provider) & ACTION_ROLES[action])


def get_for_user(queryset, user, *, action: str | None = None, **lookup):
    """Fetch one object through ``queryset.visible_to(user)``.

    Raises Http404 when the object does not exist *or* is out of the user's
    scope, and PermissionDenied when it is visible but ``action`` is not allowed.
    """
    obj = get_object_or_404(queryset.visible_to(user), **lookup)
    if action is not None:
        provider = obj if isinstance(obj, Provider) else obj.provider
        if not can(user, action, provider):
            raise PermissionDenied
    return obj

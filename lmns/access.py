"""The one door to provider data: who can see which organisations, and do what.

Every provider-owned queryset filters through ``providers_for(user)`` (via a
``visible_to(user)`` method), and every object fetched for a user goes through
``get_for_user``. Another provider's record answers 404, never 403, so that
its existence is not revealed. Permission to act is decided by ``can``, from
the single ``ACTION_ROLES`` table below.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from lmns.models import Lmns, Membership, Provider, Role

# What each role may do at an organisation it can see. A role held at an LMNS
# applies to every provider of that LMNS; viewing needs no entry here.
ACTION_ROLES = {
    # Invite people to the LMNS and its providers, grant and remove their roles, deactivate leavers.
    "manage_people": frozenset({Role.SYSTEM_ADMINISTRATOR}),
    "manage_units": frozenset({Role.PROVIDER_LEAD, Role.LMNS_SAFETY_LEAD, Role.SYSTEM_ADMINISTRATOR}),
    # Log incidents, draft learning, record safety actions.
    "record_incident": frozenset({Role.PROVIDER_CONTRIBUTOR, Role.PROVIDER_LEAD}),
    # Move incidents through review; sign learning off and submit it to the SSIG.
    "review_incident": frozenset({Role.PROVIDER_LEAD}),
    # Run the SSIG: meetings, late submissions, outcomes, learning events.
    "run_ssig": frozenset({Role.LMNS_OFFICER, Role.LMNS_SAFETY_LEAD}),
    # Fill in compliance assessments and add evidence.
    "assess": frozenset({Role.PROVIDER_CONTRIBUTOR, Role.PROVIDER_LEAD}),
    # Submit the provider's position to the LMNS (the first key of two-key assurance).
    "submit_assessment": frozenset({Role.PROVIDER_LEAD}),
    # Verify submitted requirements: accept, or challenge back to the provider (the second key).
    "verify": frozenset({Role.LMNS_OFFICER, Role.LMNS_SAFETY_LEAD}),
    # Plan assurance visits, record findings and staff feedback, issue reports, and close
    # or send back the provider's answers to recommendations.
    "run_visits": frozenset({Role.LMNS_OFFICER, Role.LMNS_SAFETY_LEAD}),
    # Answer a visit recommendation with progress and evidence, and ask for it to be closed.
    "respond_recommendation": frozenset({Role.PROVIDER_CONTRIBUTOR, Role.PROVIDER_LEAD}),
    # Log concerns and notices from MNSI, NHS Resolution, the CQC and coroners, and their
    # responses: the trust receives and answers them; LMNS staff may log one they were sent.
    "record_external_concern": frozenset(
        {Role.PROVIDER_CONTRIBUTOR, Role.PROVIDER_LEAD, Role.LMNS_OFFICER, Role.LMNS_SAFETY_LEAD}
    ),
    # Record a published CQC maternity rating: a public fact either side may enter.
    "record_cqc_rating": frozenset({Role.PROVIDER_LEAD, Role.LMNS_OFFICER, Role.LMNS_SAFETY_LEAD}),
    # Set a provider's oversight level (routine, enhanced, intensive support): the LMNS's call alone.
    "set_oversight_level": frozenset({Role.LMNS_OFFICER, Role.LMNS_SAFETY_LEAD}),
    # LMNS-wide board workbooks hold every provider's position: LMNS members only.
    "lmns_workbook": frozenset(
        {Role.LMNS_OFFICER, Role.LMNS_SAFETY_LEAD, Role.BOARD_VIEWER, Role.SYSTEM_ADMINISTRATOR}
    ),
    # Write improvement plans, their measures and PDSA cycles; held at an LMNS, also run the
    # learning network's health survey.
    "plan_improvement": frozenset(
        {Role.PROVIDER_CONTRIBUTOR, Role.PROVIDER_LEAD, Role.LMNS_OFFICER, Role.LMNS_SAFETY_LEAD}
    ),
    # Write a provider plan's monthly highlight report to the LMNS; the provider's lead submits it,
    # and the LMNS's officers and safety leads review it (incidents.highlights).
    "write_highlight_report": frozenset({Role.PROVIDER_CONTRIBUTOR, Role.PROVIDER_LEAD}),
    "submit_highlight_report": frozenset({Role.PROVIDER_LEAD}),
    "review_highlight_report": frozenset({Role.LMNS_OFFICER, Role.LMNS_SAFETY_LEAD}),
    # Add and keep incident types and themes of their own LMNS; deployment-wide entries are
    # the deployment administrator's (a superuser), as every LMNS sees them.
    "keep_reference_data": frozenset({Role.LMNS_SAFETY_LEAD}),
    # Submit and correct the provider's monthly workforce return.
    "submit_workforce_return": frozenset({Role.PROVIDER_LEAD}),
    # Import monthly returns from a dashboard or data warehouse extract: the provider's lead for
    # its own sites; LMNS staff who keep the LMNS's figures for any of its providers.
    "import_monthly_returns": frozenset({Role.PROVIDER_LEAD, Role.LMNS_OFFICER, Role.LMNS_SAFETY_LEAD}),
    # Enter a national MOSS signal the trust received, and record the critical safety check
    # of any outcome signal: its findings and actions. The LMNS reads every one.
    "record_safety_check": frozenset({Role.PROVIDER_LEAD}),
    # Put records under legal hold, or lift it, so that retention keeps them (quality.retention).
    "hold_records": frozenset({Role.LMNS_SAFETY_LEAD, Role.SYSTEM_ADMINISTRATOR}),
    # Record and handle Freedom to Speak Up concerns. Reading one needs more than a role
    # here: ftsu_concern_scope below decides, concern by concern.
    "record_ftsu_concern": frozenset({Role.PROVIDER_FTSU_GUARDIAN, Role.LMNS_FTSU_LEAD}),
    # The quarterly return to NHS England's FTSU data collection (exact counts).
    "ftsu_return": frozenset({Role.PROVIDER_FTSU_GUARDIAN, Role.LMNS_FTSU_LEAD}),
    # Record safety champion walkabouts and meetings, their "you said, we did" actions, and the
    # MNVP's feedback with the provider's response. The LMNS reads them all but records none.
    "record_champions": frozenset({Role.PROVIDER_CONTRIBUTOR, Role.PROVIDER_LEAD}),
    # Keep the LMNS's calendar of activities: its events, their audience, materials and attendance.
    "keep_calendar": frozenset({Role.LMNS_OFFICER, Role.LMNS_SAFETY_LEAD}),
    # Run a SCORE culture survey wave (map the work settings, import the results, record the
    # debriefs and their actions) and read its results. SCORE's results belong to the teams
    # surveyed: the LMNS sees response rates and how many debriefs and actions are done, no more.
    "run_score_survey": frozenset({Role.PROVIDER_CONTRIBUTOR, Role.PROVIDER_LEAD}),
    # Author the LMNS's local compliance frameworks, and approve another's draft.
    "author_framework": frozenset({Role.LMNS_SAFETY_LEAD}),
    # Act on an immediate safety concern found on an assurance visit: told of it at once.
    "act_on_immediate_concern": frozenset({Role.LMNS_SAFETY_LEAD}),
}
# Speaking up is confidential, and SCORE results are the teams' own: a superuser account
# administers the deployment and gets these actions only by holding the role, like anyone else.
ROLE_ONLY_ACTIONS = frozenset({"record_ftsu_concern", "ftsu_return", "run_score_survey"})


def _is_superuser_for(user, action: str) -> bool:
    return user.is_superuser and action not in ROLE_ONLY_ACTIONS


def _is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def providers_for(user):
    """Providers whose records ``user`` may read: their own, or all of their LMNS's."""
    if not _is_signed_in(user):
        return Provider.objects.none()
    if user.is_superuser:
        return Provider.objects.all()
    own = Membership.objects.filter(user=user, provider__isnull=False).values("provider").order_by()
    of_their_lmns = Provider.objects.filter(lmns__memberships__user=user).values("pk").order_by()
    # A union, not an OR of the two: PostgreSQL estimates each part from its statistics,
    # but can only guess at an OR of subqueries, and its guess (most providers) made it
    # count an LMNS's incidents by reading the region's whole table.
    return Provider.objects.filter(pk__in=own.union(of_their_lmns))


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


def lmnss_staffed_by(user):
    """LMNSs the user is a member of directly (LMNS staff and LMNS board), not through a provider."""
    if not _is_signed_in(user):
        return Lmns.objects.none()
    if user.is_superuser:
        return Lmns.objects.all()
    return Lmns.objects.filter(memberships__user=user).distinct()


def roles_at(user, organisation: Provider | Lmns) -> frozenset[str]:
    """Roles ``user`` holds at a provider (directly or through its LMNS) or at an LMNS."""
    if not _is_signed_in(user):
        return frozenset()
    # Cached on the user object, which lives for one request.
    cache = user.__dict__.setdefault("_lmns_roles_at", {})
    key = (type(organisation).__name__, organisation.pk)
    if key not in cache:
        if isinstance(organisation, Provider):
            where = Q(provider_id=organisation.pk) | Q(lmns_id=organisation.lmns_id)
        else:
            where = Q(lmns_id=organisation.pk)
        cache[key] = frozenset(Membership.objects.filter(where, user=user).values_list("role", flat=True))
    return cache[key]


def can(user, action: str, organisation: Provider | Lmns) -> bool:
    """Whether ``user`` may perform ``action`` (a key of ACTION_ROLES) at ``organisation``."""
    if not _is_signed_in(user):
        return False
    if _is_superuser_for(user, action):
        return True
    return bool(roles_at(user, organisation) & ACTION_ROLES[action])


def providers_where(user, action: str):
    """Providers the user can see and may perform ``action`` at, in one query (the same
    rule as ``can``: a role held at the provider, or at its LMNS)."""
    if not _is_signed_in(user):
        return Provider.objects.none()
    if _is_superuser_for(user, action):
        return Provider.objects.order_by("name")
    granting = Membership.objects.filter(user=user, role__in=ACTION_ROLES[action])
    return Provider.objects.filter(
        Q(pk__in=granting.filter(provider__isnull=False).values("provider"))
        | Q(lmns__in=granting.filter(lmns__isnull=False).values("lmns"))
    ).order_by("name")


def lmnss_where(user, action: str):
    """LMNSs at which the user holds a role allowing ``action``, in one query."""
    if not _is_signed_in(user):
        return Lmns.objects.none()
    if _is_superuser_for(user, action):
        return Lmns.objects.all()
    granting = Membership.objects.filter(user=user, role__in=ACTION_ROLES[action], lmns__isnull=False)
    return Lmns.objects.filter(pk__in=granting.values("lmns"))


def users_who_can(action: str, organisation: Provider | Lmns, *, roles=None):
    """Active people who may perform ``action`` at ``organisation`` (the rule of ``can``: a role
    held at the provider, or at its LMNS): whom to tell of work waiting there.

    ``roles`` narrows them to the roles whose home page lists the work, so an email never points
    to work the person's own page does not show. Superusers are told only through a role they
    hold: the deployment's administrator is not emailed about every provider's work.
    """
    granting = ACTION_ROLES[action] if roles is None else ACTION_ROLES[action] & frozenset(roles)
    if isinstance(organisation, Provider):
        where = Q(provider_id=organisation.pk) | Q(lmns_id=organisation.lmns_id)
    else:
        where = Q(lmns_id=organisation.pk)
    members = Membership.objects.filter(where, role__in=granting).values("user")
    return get_user_model().objects.filter(is_active=True, pk__in=members).order_by("pk")


def organisation_of(obj) -> Provider | Lmns:
    """The provider or LMNS that owns a record."""
    if isinstance(obj, Provider | Lmns):
        return obj
    provider = getattr(obj, "provider", None)
    return provider if provider is not None else obj.lmns


def get_for_user(queryset, user, *, action: str | None = None, **lookup):
    """Fetch one object through ``queryset.visible_to(user)``.

    Raises Http404 when the object does not exist *or* is out of the user's
    scope, and PermissionDenied when it is visible but ``action`` is not allowed.
    """
    obj = get_object_or_404(queryset.visible_to(user), **lookup)
    if isinstance(obj, Provider):
        _known_readable(user).add(obj.pk)
    if action is not None and not can(user, action, organisation_of(obj)):
        raise PermissionDenied
    return obj


def may_hold_api_tokens(user) -> bool:
    """Superusers may not: their reach is every provider, and a token is a long-lived secret
    kept in another system. An integration acts as a person with a provider role instead. (The
    header offers the tokens page by the same rule.)"""
    return user.is_active and not user.is_superuser


def edits_reference_data(user) -> bool:
    """Whether the user keeps any reference data (incident types, themes): the deployment
    administrator keeps the deployment-wide entries, LMNS safety leads their LMNS's own."""
    return lmnss_where(user, "keep_reference_data").exists()


# Who checks a draft framework's wording against its source, and so may read drafts.
FRAMEWORK_CHECKER_ROLES = frozenset({Role.LMNS_OFFICER, Role.LMNS_SAFETY_LEAD})


def authors_framework(user, framework) -> bool:
    """Deployment-wide frameworks are authored by the deployment administrator; an LMNS's local
    frameworks also by its safety leads."""
    if not _is_signed_in(user):
        return False
    if user.is_superuser:
        return True
    if framework.lmns_id is None:
        return False
    return Role.LMNS_SAFETY_LEAD in roles_at(user, framework.lmns)


def approves_framework(user, framework) -> bool:
    """The second key: the deployment administrator, or a safety lead of the framework's LMNS (of
    any LMNS, for a deployment-wide framework). Never the person who prepared it."""
    if not _is_signed_in(user) or user.pk == framework.prepared_by_id:
        return False
    if user.is_superuser:
        return True
    if framework.lmns_id is None:
        return Membership.objects.filter(user=user, role=Role.LMNS_SAFETY_LEAD).exists()
    return Role.LMNS_SAFETY_LEAD in roles_at(user, framework.lmns)


# --- Freedom to Speak Up ---------------------------------------------------------------------------
# Concerns are stricter than any other record. A provider's FTSU guardians read the concerns
# received at that provider; the LMNS's FTSU lead reads every concern of the LMNS, including
# those raised with the LMNS directly, which the provider's guardians never see (people speak up
# to the LMNS when they do not want their own trust to know). Nobody else, whatever their other
# roles: LMNS officers, and the deployment's superusers, see counts only (workforce.selectors).
# The rule is written both ways here, for a user's concerns and for a concern's readers.

# ReceivedBy.PROVIDER's value (workforce.models): only those reach the provider's guardians.
_RECEIVED_BY_PROVIDER = "provider"


def ftsu_concern_scope(user) -> Q:
    """The FTSU concerns ``user`` may read, as a filter on concerns (FtsuConcern.visible_to)."""
    if not _is_signed_in(user):
        return Q(pk__in=[])
    memberships = Membership.objects.filter(user=user)
    guarded = memberships.filter(role=Role.PROVIDER_FTSU_GUARDIAN, provider__isnull=False)
    led = memberships.filter(role=Role.LMNS_FTSU_LEAD, lmns__isnull=False)
    return Q(lmns__in=led.values("lmns")) | Q(
        received_by=_RECEIVED_BY_PROVIDER, provider__in=guarded.values("provider")
    )


def ftsu_concern_readers(concern):
    """Active people who may read ``concern`` (and so handle it): the other side of
    ``ftsu_concern_scope``."""
    readers = Membership.objects.filter(role=Role.LMNS_FTSU_LEAD, lmns=concern.lmns_id)
    if concern.received_by == _RECEIVED_BY_PROVIDER:
        readers = readers | Membership.objects.filter(
            role=Role.PROVIDER_FTSU_GUARDIAN, provider=concern.provider_id
        )
    return get_user_model().objects.filter(is_active=True, pk__in=readers.values("user"))


def reads_ftsu_concern(user, concern) -> bool:
    """Whether ``user`` may read ``concern``, in one query: whether they may handle it, and
    whether its handler still can."""
    return _is_signed_in(user) and ftsu_concern_readers(concern).filter(pk=user.pk).exists()


def reads_ftsu_contact(user, concern) -> bool:
    """The raiser's contact details are shown to one person: the guardian handling the concern
    (who can read it, or they would not have it open)."""
    return _is_signed_in(user) and concern.handler_id == user.pk


# --- Assurance visits ------------------------------------------------------------------------------


def reads_staff_feedback(user, provider: Provider) -> bool:
    """Who said what on a visit, with their staff group, is for the visit team (those who run
    the provider's visits); the provider reads it in the report without the staff group, so that
    it cannot be traced to someone through a small team."""
    return can(user, "run_visits", provider)


def staff_feedback_providers(user):
    """Providers whose visits' staff feedback ``user`` may read (``reads_staff_feedback``)."""
    return providers_where(user, "run_visits")


# --- Summaries -------------------------------------------------------------------------------------


class _System:
    """The deployment itself as the reader, for scheduled jobs that work for no one person (the
    monthly snapshots of every provider's quality view): it reads every provider."""

    def __repr__(self):
        return "access.SYSTEM"


SYSTEM = _System()


def readable_among(user, providers):
    """Of ``providers``, those ``user`` (or ``SYSTEM``) may read, as a queryset to filter their
    records by: a subquery, with no query of its own. Every summary narrows the providers it is
    asked about through this, so that a caller's list can never show more than its reader may see."""
    chosen = Provider.objects.filter(pk__in=[provider.pk for provider in providers])
    if user is SYSTEM:
        return chosen
    return chosen.filter(pk__in=providers_for(user))


def readable(user, providers) -> list[Provider]:
    """Of ``providers``, those ``user`` (or ``SYSTEM``) may read, in the order given. A summary
    narrows its providers through this before building a row for each, so that a provider its
    reader may not see is left out rather than shown as zeros. A queryset is narrowed in the one
    query that reads it; a list costs one query, or none for ``SYSTEM`` or for providers this
    user was already found to read in this request (through here or ``get_for_user``)."""
    if user is SYSTEM:
        return list(providers)
    known = _known_readable(user)
    if isinstance(providers, QuerySet):
        chosen = list(providers.filter(pk__in=providers_for(user)))
    else:
        providers = list(providers)
        unknown = [provider.pk for provider in providers if provider.pk not in known]
        # With nothing unknown, pk__in=[] runs no query.
        found = set(providers_for(user).filter(pk__in=unknown).values_list("pk", flat=True))
        chosen = [provider for provider in providers if provider.pk in known or provider.pk in found]
    known.update(provider.pk for provider in chosen)
    return chosen


def _known_readable(user) -> set[int]:
    # Providers ``user`` was found to read, cached on the user object, which lives for one
    # request (as roles_at's roles are): a page asks several summaries about the same providers.
    return user.__dict__.setdefault("_lmns_readable", set())

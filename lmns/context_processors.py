from lmns.access import may_hold_api_tokens
from lmns.models import Lmns, Membership, Role

WORK_BADGES_SESSION_KEY = "work_badges"


def navigation(request):
    """The LMNS name for the header, which top-level section is current, and whether the
    user manages people (a system administrator) or may hold API tokens."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "header_lmns_name": "",
            "nav_section": "",
            "nav_people": False,
            "nav_tokens": False,
            "nav_badges": {},
        }
    if user.is_superuser:
        names = list(Lmns.objects.values_list("name", flat=True)[:2])
        manages_people = True
    else:
        # One query for both, as the header is on every page.
        memberships = list(
            Membership.objects.filter(user=user).values_list("role", "lmns__name", "provider__lmns__name")
        )
        names = sorted({lmns or provider_lmns for _, lmns, provider_lmns in memberships})
        manages_people = any(role == Role.SYSTEM_ADMINISTRATOR for role, _, _ in memberships)
    return {
        "header_lmns_name": names[0] if len(names) == 1 else "All LMNSs" if names else "",
        "nav_section": _section(getattr(request, "resolver_match", None)),
        "nav_people": manages_people,
        "nav_tokens": may_hold_api_tokens(user),
        "nav_badges": _badges(request),
    }


def _badges(request) -> dict[str, int]:
    """Counts of waiting work for the navigation: the home page counts them (quality.work) and
    keeps them in the session, so that other pages badge the navigation without a query."""
    return request.session.get(WORK_BADGES_SESSION_KEY, {}) if hasattr(request, "session") else {}


def _section(match) -> str:
    if match is None:
        return ""
    # The calendar gathers every section's dates, so it is a section of its own.
    if (match.url_name or "").startswith("calendar"):
        return "calendar"
    if match.namespace in {"incidents", "assurance", "workforce", "people"}:
        return match.namespace
    return "quality" if (match.url_name or "").startswith("quality") else "home"

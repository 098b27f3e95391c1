from lmns.access import lmnss_for


def navigation(request):
    """The LMNS name for the header, and which top-level section is current."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"header_lmns_name": "", "nav_section": ""}
    names = list(lmnss_for(user).values_list("name", flat=True)[:2])
    return {
        "header_lmns_name": names[0] if len(names) == 1 else "All LMNSs" if names else "",
        "nav_section": _section(getattr(request, "resolver_match", None)),
    }


def _section(match) -> str:
    if match is None:
        return ""
    if match.namespace in {"incidents", "assurance", "workforce"}:
        return match.namespace
    return "quality" if (match.url_name or "").startswith("quality") else "home"

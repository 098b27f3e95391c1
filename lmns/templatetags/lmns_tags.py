from django import template

register = template.Library()


@register.inclusion_tag("includes/_breadcrumbs.html")
def breadcrumbs(*links):
    """{% breadcrumbs url1 "Text 1" url2 "Text 2" %}: the trail above the current page."""
    if len(links) % 2:
        raise template.TemplateSyntaxError("breadcrumbs takes pairs of URL and text")
    return {"items": list(zip(links[::2], links[1::2], strict=True))}


@register.inclusion_tag("includes/_sort_header.html", takes_context=True)
def sort_header(context, key: str, label: str):
    """A table header that sorts by ``key`` (django-filter's OrderingFilter ``order`` parameter)."""
    request = context["request"]
    current = request.GET.get("order", "")
    query = request.GET.copy()
    query.pop("page", None)
    query["order"] = f"-{key}" if current == key else key
    direction = {key: "ascending", f"-{key}": "descending"}.get(current, "none")
    return {"href": f"?{query.urlencode()}", "label": label, "direction": direction}


@register.filter
def url_group(url_name: str) -> str:
    """'incident-detail' -> 'incident': the part of a section a page belongs to."""
    return (url_name or "").split("-")[0]

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

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


def _attrs(attrs: dict) -> SafeString:
    """An element's attributes as Django's widgets/attrs.html writes them."""
    return format_html_join(
        "",
        " {}{}",
        (
            (name, "" if value is True else format_html('="{}"', value))
            for name, value in attrs.items()
            if value is not False
        ),
    )


@register.simple_tag
def select_options(optgroups) -> SafeString:
    """A select's options, as Django's select.html and select_option.html write them.

    In Python rather than a template per option: a list's filter dropdowns hold a hundred or
    more options, and two included templates for each were most of a list page's rendering.
    """
    html = []
    for group_name, options, _ in optgroups:
        written = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>',
            ((o["value"], _attrs(o["attrs"]), o["label"]) for o in options),
        )
        html.append(
            format_html('\n  <optgroup label="{}">{}\n  </optgroup>', group_name, written)
            if group_name
            else written
        )
    return mark_safe("".join(html))  # every part above was escaped by format_html

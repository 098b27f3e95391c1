from django import template

register = template.Library()


@register.inclusion_tag("includes/_breadcrumbs.html")
def breadcrumbs(*links):
    """{% breadcrumbs url1 "Text 1" url2 "Text 2" %}: the trail above the current page."""
    if len(links) % 2:
        raise template.TemplateSyntaxError("breadcrumbs takes pairs of URL and text")
    return {"items": list(zip(links[::2], links[1::2], strict=True))}

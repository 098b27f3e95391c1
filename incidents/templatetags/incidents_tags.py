from django import template

from incidents.selectors import ssig_open_for_submissions

register = template.Library()


@register.inclusion_tag("incidents/_ssig_deadline.html", takes_context=True)
def ssig_deadline(context):
    """{% ssig_deadline %}: when the next SSIG meets and when its submissions close, on each page a
    contributor passes through on the way from an incident to the SSIG, so that nobody has to go
    looking for the date their learning must be signed off by. One query."""
    return {"meeting": ssig_open_for_submissions(user=context["request"].user)}

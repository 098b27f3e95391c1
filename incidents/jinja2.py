"""The incidents app's helpers for Jinja templates (settings TEMPLATES' ``app_globals``)."""

import jinja2
from markupsafe import Markup

from incidents import selectors


@jinja2.pass_context
def ssig_deadline(context) -> Markup:
    """``ssig_deadline()``: when the next SSIG meets and when its submissions close, on each page a
    contributor passes through on the way from an incident to the SSIG, so that nobody has to go
    looking for the date their learning must be signed off by. One query."""
    template = context.environment.get_template("incidents/_ssig_deadline.html")
    return Markup(template.render(meeting=selectors.ssig_open_for_submissions(user=context["request"].user)))

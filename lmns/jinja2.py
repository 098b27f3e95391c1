"""The Jinja2 environment the product's pages render in (issue #25).

Pages are Jinja templates that call the NHS.UK design system's own macros
(``nhsuk-frontend-jinja``, pinned to the release that matches the pinned ``nhsuk-frontend``), so
that a design-system release is a version bump rather than a diff of hand-written markup. The
admin keeps Django templates.

What Django's template language gave every page is here: ``url()``, ``static()``, the handful of
Django filters the pages use (dates, plurals, line breaks, numbers) with Django's own behaviour,
and the product's own helpers (breadcrumbs, sortable table headers); feature apps add theirs
through settings (``app_globals``).
"""

import itertools
from collections import namedtuple

import jinja2
from django.template import defaultfilters
from django.template.backends import jinja2 as django_jinja2
from django.templatetags.static import static
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.timezone import template_localtime
from markupsafe import Markup

from lmns import form_macros


class Jinja2(django_jinja2.Jinja2):
    """Django's Jinja2 backend, whose templates tell the test client what they rendered with, as
    Django templates do, so that tests can read ``response.context``. The signal is sent only
    while something listens to it (the test client), so serving pays nothing for it."""

    def from_string(self, template_code):
        return Template(self.env.from_string(template_code), self)

    def get_template(self, template_name):
        template = super().get_template(template_name)
        return Template(template.template, self)


class Template(django_jinja2.Template):
    @property
    def name(self) -> str:
        return self.template.name

    def render(self, context=None, request=None):
        if not template_rendered.has_listeners():
            return super().render(context, request)
        context = {} if context is None else context
        html = super().render(context, request)
        template_rendered.send(sender=self, template=self, context=context)
        return html


def environment(*, app_globals: dict[str, str] | None = None, **options) -> jinja2.Environment:
    """The environment, with ``app_globals`` (name: dotted path, from settings) added: a feature
    app's own helpers, which this base package may not import."""
    # The design system's macros read parameters several levels deep (params.hint.text) and
    # expect a missing one to be empty, as its Nunjucks original does: ChainableUndefined.
    options["undefined"] = jinja2.ChainableUndefined
    options["loader"] = jinja2.ChoiceLoader([options["loader"], jinja2.PackageLoader("nhsuk_frontend_jinja")])
    # Plain-text emails are written as they should read, not HTML-escaped.
    options["autoescape"] = jinja2.select_autoescape(disabled_extensions=("txt",), default=True)
    # Block tags on lines of their own leave no blank lines behind: lighter pages.
    options.setdefault("trim_blocks", True)
    options.setdefault("lstrip_blocks", True)
    # Every template stays compiled: ours and the design system's are about 400, Jinja's default
    # cache size, past which it would drop and recompile them as pages are served.
    options.setdefault("cache_size", -1)
    # {% do list.append(...) %}: building a macro's rows in a loop.
    options.setdefault("extensions", ["jinja2.ext.do"])
    env = jinja2.Environment(**options)
    env.globals.update(
        url=url,
        static=static,
        now=timezone.localtime,
        querystring=querystring,
        breadcrumbs=breadcrumbs,
        sort_header=sort_header,
        widthratio=widthratio,
        regroup=regroup,
        # Forms (includes/field.html and the select widget).
        nhsuk_field=form_macros.nhsuk_field,
        field_error_html=form_macros.error_html,
        widget_attrs=form_macros.widget_attrs,
        select_options=form_macros.select_options,
    )
    env.globals.update({name: import_string(path) for name, path in (app_globals or {}).items()})
    env.filters.update(
        # Django's own filters, so that a date, a plural or a number reads as it always has.
        date=_local_time(defaultfilters.date),
        time=_local_time(defaultfilters.time),
        linebreaksbr=_escaping(defaultfilters.linebreaksbr),
        linebreaks=_escaping(defaultfilters.linebreaks_filter),
        pluralize=defaultfilters.pluralize,
        floatformat=defaultfilters.floatformat,
        yesno=defaultfilters.yesno,
        truncatechars=defaultfilters.truncatechars,
        truncatewords=defaultfilters.truncatewords,
        stringformat=defaultfilters.stringformat,
        default_if_none=defaultfilters.default_if_none,
        filesizeformat=defaultfilters.filesizeformat,
        cut=defaultfilters.cut,
        capfirst=defaultfilters.capfirst,
        url_group=url_group,
    )
    return env


def _local_time(django_filter):
    """A Django date or time filter as Django templates apply it: to the time in the UK (a
    datetime from the database is in UTC, an hour behind all summer), and writing nothing for a
    missing value (Jinja passes an Undefined, which Django's filter cannot format)."""

    def jinja_filter(value, *args):
        if isinstance(value, jinja2.Undefined):
            return ""
        return django_filter(template_localtime(value), *args)

    return jinja_filter


def _escaping(django_filter):
    """A Django filter that escapes its input itself when autoescaping is on (linebreaksbr),
    told whether it is on in the template that calls it."""

    @jinja2.pass_eval_context
    def jinja_filter(eval_ctx, value):
        return Markup(django_filter(value, autoescape=eval_ctx.autoescape))

    return jinja_filter


def url(name: str, *args, **kwargs) -> str:
    """``url("incidents:detail", pk)``: the path of a named URL, as Django's ``{% url %}``."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


@jinja2.pass_context
def querystring(context, **changes) -> str:
    """The current query string with ``changes`` applied (``None`` removes a key), as Django's
    ``{% querystring %}``: ``querystring(page=2)``."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = str(value)
    return f"?{query.urlencode()}"


@jinja2.pass_context
def breadcrumbs(context, *links) -> Markup:
    """``breadcrumbs(url1, "Text 1", url2, "Text 2")``: the trail above the current page (the
    page itself is not listed), drawn by the design system's breadcrumb macro."""
    if len(links) % 2:
        raise TypeError("breadcrumbs takes pairs of URL and text")
    items = [{"href": href, "text": text} for href, text in zip(links[::2], links[1::2], strict=True)]
    macro = context.environment.get_template("nhsuk/components/breadcrumb/macro.jinja").module.breadcrumb
    return macro({"items": items})


@jinja2.pass_context
def sort_header(context, key: str, label: str) -> Markup:
    """A table header that sorts by ``key`` (django-filter's OrderingFilter ``order`` parameter)."""
    request = context["request"]
    current = request.GET.get("order", "")
    query = request.GET.copy()
    query.pop("page", None)
    query["order"] = f"-{key}" if current == key else key
    direction = {key: "ascending", f"-{key}": "descending"}.get(current, "none")
    template = context.environment.get_template("includes/_sort_header.html")
    return Markup(template.render(href=f"?{query.urlencode()}", label=label, direction=direction))


def url_group(url_name: str) -> str:
    """'incident-detail' -> 'incident': the part of a section a page belongs to."""
    return (url_name or "").split("-")[0]


def widthratio(value, max_value, max_width) -> int | str:
    """``value`` as a share of ``max_value`` scaled to ``max_width``, rounded, as Django's
    ``{% widthratio %}``; empty when it cannot be worked out."""
    try:
        return round(float(value) / float(max_value) * float(max_width))
    except (ValueError, TypeError, ZeroDivisionError):
        return ""


Group = namedtuple("Group", "grouper list")


@jinja2.pass_environment
def regroup(environment, items, attribute: str) -> list[Group]:
    """Consecutive items with the same ``attribute`` (dotted), as Django's ``{% regroup %}``:
    unlike Jinja's ``groupby`` it keeps the order the items came in."""
    key = jinja2.filters.make_attrgetter(environment, attribute)
    return [Group(grouper, list(group)) for grouper, group in itertools.groupby(items, key)]

"""The Jinja2 environment pages render in (lmns/jinja2.py): Django's behaviour where pages relied
on it, the product's helpers, and the design system's macros."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import timezone

jinja = engines["jinja2"]


def render(source: str, request=None, **context) -> str:
    return jinja.from_string(source).render(context, request)


def test_dates_and_plurals_read_as_django_wrote_them():
    assert render('{{ d|date("j F Y") }}', d=date(2026, 12, 7)) == "7 December 2026"
    assert render("{{ n }} record{{ n|pluralize }}", n=1) == "1 record"
    assert render("{{ n }} record{{ n|pluralize }}", n=3) == "3 records"
    assert render("{{ x|floatformat(1) }}", x=2.25) == "2.3"
    assert render('{{ x|yesno("Yes,No,Not known") }}', x=None) == "Not known"


def test_line_breaks_escape_what_they_break():
    assert render("{{ t|linebreaksbr }}", t="<b>one</b>\ntwo") == "&lt;b&gt;one&lt;/b&gt;<br>two"
    assert render("{% autoescape false %}{{ t|linebreaksbr }}{% endautoescape %}", t="a\nb") == "a<br>b"


def test_text_is_escaped_but_plain_text_emails_are_not():
    assert render("{{ t }}", t='<script>"') == "&lt;script&gt;&#34;"
    assert jinja.env.autoescape("lmns/home.html") is True
    assert jinja.env.autoescape("lmns/email/work_waiting.txt") is False


def test_urls_and_static_files():
    assert render("{{ url('home') }}") == "/"
    assert render("{{ url('lmns:provider-detail', 'ZZA') }}").endswith("/ZZA/")
    assert render("{{ static('css/app.css') }}").endswith("css/app.css")


def test_querystring_changes_only_what_it_is_given():
    request = RequestFactory().get("/list/", {"order": "-date", "page": "3", "q": "a&b"})
    html = render("{{ querystring(page=4) }}", request)
    assert html.startswith("?") and "page=4" in html and "order=-date" in html and "q=a%26b" in html
    assert "page" not in render("{{ querystring(page=None) }}", request)


def test_sort_header_reverses_the_current_order_and_says_which_way_it_sorts():
    request = RequestFactory().get("/list/", {"order": "reported_on", "page": "2"})
    html = render('{{ sort_header("reported_on", "Reported") }}', request)
    assert 'aria-sort="ascending"' in html and "order=-reported_on" in html and "page=" not in html
    other = render('{{ sort_header("harm", "Harm") }}', request)
    assert 'aria-sort="none"' in other and "order=harm" in other


def test_breadcrumbs_use_the_design_system_macro_and_escape_their_text():
    html = render('{{ breadcrumbs("/", "Home", "/x/", t) }}', t="<A & B>")
    assert 'class="nhsuk-breadcrumb"' in html
    assert 'href="/x/"' in html and "&lt;A &amp; B&gt;" in html
    with pytest.raises(TypeError):
        render('{{ breadcrumbs("/") }}')


def test_widthratio_and_regroup_behave_as_django_tags():
    assert render("{{ widthratio(1, 3, 100) }}") == "33"
    assert render("{{ widthratio(1, 0, 100) }}") == ""
    rows = [SimpleNamespace(s="a", n=1), SimpleNamespace(s="b", n=2), SimpleNamespace(s="a", n=3)]
    html = render(
        '{% for g in regroup(rows, "s") %}{{ g.grouper }}:{{ g.list|length }};{% endfor %}', rows=rows
    )
    # Kept in the order given, as Django's regroup; Jinja's groupby would sort and merge the a's.
    assert html == "a:1;b:1;a:1;"


def test_missing_values_render_empty_as_the_design_system_macros_expect():
    assert render("[{{ missing }}][{{ missing.deeper.still }}]") == "[][]"


def test_now_is_local_time():
    assert render("{{ now().tzinfo }}") == str(timezone.localtime().tzinfo)


@pytest.mark.django_db
def test_a_page_tells_the_test_client_what_it_rendered_with(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]


def test_a_missing_date_prints_nothing_as_in_django_templates():
    assert render('[{{ missing|date("j F Y") }}][{{ thing.missing|time("H:i") }}]', thing=object()) == "[][]"


def test_the_filter_panel_says_how_many_filters_apply():
    form = SimpleNamespace(changed_data=["harm", "unit"], errors={})
    html = jinja.env.get_template("includes/_filters.html").render(filter=SimpleNamespace(form=form))
    assert 'class="nhsuk-details__summary-text"' in html
    assert "Filter (2 applied)" in " ".join(html.split())
    assert "<details" in html and " open" in html


def test_times_are_written_in_uk_time_as_django_templates_write_them():
    summer_noon_utc = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    written = render('{{ t|date("j F Y, H:i") }} {{ t|time("H:i") }}', t=summer_noon_utc)
    assert written == "1 July 2026, 13:00 13:00"
    assert render('{{ t|date("H:i") }}', t=datetime(2026, 12, 1, 12, 0, tzinfo=UTC)) == "12:00"


def test_no_compiled_template_is_ever_dropped():
    """Ours and the design system's templates number nearly as many as Jinja's default cache holds
    (389 of 400): past it, pages would recompile templates as they are served."""
    assert type(jinja.env.cache) is dict  # unbounded; a bounded cache is an LRUCache

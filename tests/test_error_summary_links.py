"""Every form of the product, posted empty: each link of its error summary goes to an element of
the page, as the NHS.UK error summary asks (a radio button's or checkbox's link lands on the first
input, a date's on its first box to blame), so that following it moves the focus to the field.

Pages come from the access matrix's list of every URL, so a form added later is covered.
"""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from lmns.models import Role
from tests.test_access_matrix import (
    FTSU_CONCERNS,
    MAY,
    OBJECT_KWARGS,
    OBJECT_PAGES,
    POST_ONLY_RECORDS,
    PRIVATE_PAGES,
    _sign_in,
)
from tests.test_hostile_forms import FORMS as CREATE_FORMS

pytestmark = pytest.mark.django_db

PAGES = sorted(set(PRIVATE_PAGES) | set(OBJECT_PAGES) - POST_ONLY_RECORDS)
FTSU_GUARDIAN = f"provider:{Role.PROVIDER_FTSU_GUARDIAN}"
CREATORS = dict(CREATE_FORMS)


class _Links(HTMLParser):
    """The ids of the page, and the links inside its error summary."""

    def __init__(self):
        super().__init__()
        self.ids, self.links, self.summaries = set(), [], 0
        self._depth = 0  # open elements inside an error summary

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if self._depth:
            self._depth += 1
            if tag == "a" and attrs.get("href", "").startswith("#"):
                self.links.append(attrs["href"][1:])
        elif "nhsuk-error-summary" in (attrs.get("class") or "").split():
            self.summaries += 1
            self._depth = 1

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1


def _persona(name: str) -> str:
    if name in CREATORS:
        return CREATORS[name]
    if name in FTSU_CONCERNS or name.startswith("workforce:concern"):
        return FTSU_GUARDIAN
    allowed = MAY.get(name)
    if allowed is None or "superuser" in allowed:
        return "superuser"
    return sorted(allowed)[0]


@pytest.mark.parametrize("name", PAGES)
def test_every_error_summary_link_goes_to_an_element_of_the_page(client, world, name):
    _sign_in(client, world, _persona(name))
    url = reverse(name, kwargs=OBJECT_KWARGS[name](world, world.a1) if name in OBJECT_KWARGS else None)
    page = client.get(url)
    if page.status_code != 200 or not page["Content-Type"].startswith("text/html"):
        return
    if 'method="post"' not in page.content.decode():
        return
    # A browser posts the form's CSRF token even when every field is empty; a view that reads
    # ``request.POST or None`` takes a post with nothing at all for no post.
    response = client.post(url, {"csrfmiddlewaretoken": "not checked by the test client"})
    parsed = _Links()
    parsed.feed(response.content.decode())
    if name in CREATORS:
        assert parsed.summaries, f"{name} posted empty shows no error summary"
    missing = [link for link in parsed.links if link not in parsed.ids]
    assert not missing, f"{name}: the error summary links to {missing}, which the page does not have"

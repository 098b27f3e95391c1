"""Form fields are drawn by the NHS.UK design system's own macros (lmns/form_macros.py), in pages of
both template engines: each control names its hint and error message, the PID warning keeps its
class, a single checkbox still posts as ticked, and list filters keep their quick hand-written
markup."""

import re
from html.parser import HTMLParser

import pytest
from django import forms
from django.urls import reverse

from lmns.forms import DateField, NHSErrorMessagesMixin, Radios
from tests.test_hostile_forms import FORMS

pytestmark = pytest.mark.django_db


class _Described(HTMLParser):
    """The page's ids, and what each control's aria-describedby names."""

    def __init__(self):
        super().__init__()
        self.ids, self.described, self.repeated = set(), [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            if attrs["id"] in self.ids:
                self.repeated.append(attrs["id"])
            self.ids.add(attrs["id"])
        if attrs.get("aria-describedby"):
            self.described.append((attrs.get("id") or attrs.get("name"), attrs["aria-describedby"].split()))


class Everything(NHSErrorMessagesMixin, forms.Form):
    name = forms.CharField(
        help_text="Your name", widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10"})
    )
    notes = forms.CharField(widget=forms.Textarea, help_text="Nothing that could identify a patient.")
    harm = forms.ChoiceField(choices=[("", "---------"), ("low", "Low harm")])
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=Radios)
    agreed = forms.BooleanField(help_text="Tick it", required=False)
    visit_on = DateField(label="Date of the visit")


def test_each_control_names_its_hint_and_error_message():
    html = str(Everything(data={"visit_on_day": "31"}))
    parsed = _Described()
    parsed.feed(html)
    described = dict(parsed.described)
    assert described["id_name"] == ["id_name_helptext", "id_name_error"]
    assert described["id_notes"] == ["id_notes_helptext", "id_notes_error"]
    assert described["id_harm"] == ["id_harm_error"]
    assert described["id_agreed"] == ["id_agreed_helptext"]
    assert not parsed.repeated
    # Radios and a date are a fieldset, which names them.
    assert [ids for key, ids in parsed.described if key is None] == [["id_kind_error"], ["id_visit_on_error"]]
    assert html.count('<span class="nhsuk-u-visually-hidden">Error: </span>') == 5
    assert 'class="nhsuk-input nhsuk-input--error nhsuk-input--width-10"' in html
    # The PID warning keeps its class on a free-text field's hint.
    assert re.search(r'class="nhsuk-hint app-warning-pid" id="id_notes_helptext"', html)
    assert "style=" not in html and "<script" not in html


def test_a_single_checkbox_ticked_in_the_browser_posts_as_ticked():
    html = str(Everything()["agreed"].as_field_group())
    value = re.search(
        r'<input class="nhsuk-checkboxes__input" id="id_agreed" name="agreed" type="checkbox" value="(\w+)"',
        html,
    )
    form = Everything(data={"agreed": value.group(1)})
    form.is_valid()
    assert form.cleaned_data["agreed"] is True
    assert re.search(r'value="on" checked', str(form["agreed"].as_field_group()))


@pytest.mark.parametrize("name,persona", FORMS)
def test_every_aria_describedby_names_elements_of_the_page_and_no_id_is_repeated(
    client, world, name, persona
):
    client.force_login(world.personas[persona])
    response = client.post(reverse(name), {"csrfmiddlewaretoken": "not checked by the test client"})
    parsed = _Described()
    parsed.feed(response.content.decode())
    missing = [(key, ref) for key, ids in parsed.described for ref in ids if ref not in parsed.ids]
    assert not missing, f"{name}: aria-describedby names {missing}, which the page does not have"
    # A label's for and an error summary's link go to the first element of an id.
    assert not parsed.repeated, f"{name}: ids {parsed.repeated} are on more than one element"


def test_list_filters_keep_their_hand_written_markup(client, world):
    from lmns.models import Role

    client.force_login(world.personas[f"provider:{Role.PROVIDER_LEAD}"])
    html = client.get(reverse("incidents:incident-list")).content.decode()
    assert '<select name="provider" class="nhsuk-select" id="id_provider">' in html
    assert '<label class="nhsuk-label" for="id_q">Reference or text</label>' in html

"""Several are chosen from a list with checkboxes, never with a multiple select (Ctrl-click, which
few people know, and a slip of which loses every choice); a long list is a Picker, which without
JavaScript is a list of checkboxes that scrolls, and posts as the multiple select did."""

import re

import pytest
from django import forms
from django.urls import reverse

from lmns.forms import Picker
from lmns.models import Role
from tests.test_error_wording import FORMS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_no_form_offers_a_multiple_select(form_class):
    for name, field in form_class.base_fields.items():
        widget = field.widget
        assert not isinstance(widget, forms.SelectMultiple) or isinstance(
            widget, forms.CheckboxSelectMultiple
        ), f"{name} is a multiple select: use lmns.forms.Picker"


def test_the_learning_form_lists_incidents_as_checkboxes_that_work_without_javascript(client, world):
    client.force_login(world.personas[f"provider:{Role.PROVIDER_LEAD}"])
    incident = world.record("incident", world.a1)
    page = client.get(reverse("incidents:learning-create") + f"?incident={incident.pk}")
    assert isinstance(page.context["form"].fields["incidents"].widget, Picker)
    html = page.content.decode()
    assert 'name="incidents"' in html and '<select name="incidents"' not in html
    # Started from an incident's page, that incident is ticked already.
    assert re.search(rf'type="checkbox" name="incidents" value="{incident.pk}" id="[^"]+" checked', html)
    # The filter and the list of those chosen need JavaScript, which shows them.
    assert '<div class="nhsuk-form-group nhsuk-u-margin-bottom-2 app-picker__filter" hidden>' in html
    assert '<div class="app-picker__chosen" hidden>' in html
    assert "Hold Ctrl" not in html

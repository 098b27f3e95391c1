"""Every date of the product is typed in the NHS.UK date input (day, month and year boxes) and
refused in the design system's words; one ISO value under the field's own name is still read."""

import importlib
import pkgutil
import re
from datetime import date, timedelta

import django_filters
import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from assurance.visits.models import Visit
from lmns.forms import DateField, DateInput
from lmns.models import Role
from tests.assurance.visit_template_records import make_visit_template
from tests.test_error_wording import FORMS, PACKAGES

TODAY = timezone.localdate()


class VisitDateForm(forms.Form):
    visit_on = DateField(label="Date of the visit")
    expires_on = DateField(label="Expires on (optional)", required=False)


def _errors(**data) -> dict:
    form = VisitDateForm(data=data)
    form.is_valid()
    return form.errors


def _filter_sets() -> list[type]:
    for package in PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if info.name.rsplit(".", 1)[-1] == "filters":
                importlib.import_module(info.name)
    found, queue = [], [django_filters.FilterSet]
    while queue:
        cls = queue.pop()
        queue.extend(cls.__subclasses__())
        found.append(cls)
    return [cls for cls in found if cls.__module__.split(".")[0] in PACKAGES]


def test_every_date_of_every_form_and_filter_is_the_nhs_date_input():
    fields = [
        (f"{form.__module__}.{form.__qualname__}.{name}", field)
        for form in FORMS
        for name, field in form.base_fields.items()
    ]
    fields += [
        (f"{filters.__module__}.{filters.__qualname__}.{name}", dated.field)
        for filters in _filter_sets()
        for name, dated in filters.base_filters.items()
        if isinstance(dated, django_filters.DateFilter)
    ]
    dates = [(name, field) for name, field in fields if isinstance(field, forms.DateField)]
    assert len(dates) > 30
    wrong = [name for name, field in dates if not isinstance(field, DateField)]
    assert not wrong, f"plain DateField (the browser's date picker): {wrong}"
    assert all(isinstance(field.widget, DateInput) for _name, field in dates)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("31", "1", "2026"), date(2026, 1, 31)),
        (("01", "02", "2026"), date(2026, 2, 1)),
        ((" 5 ", "Sept", "2026"), date(2026, 9, 5)),
        (("5", "march", "2026"), date(2026, 3, 5)),
    ],
)
def test_the_boxes_make_a_date(parts, expected):
    day, month, year = parts
    form = VisitDateForm(data={"visit_on_day": day, "visit_on_month": month, "visit_on_year": year})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["visit_on"] == expected
    assert form.cleaned_data["expires_on"] is None


def test_one_iso_value_under_the_fields_name_is_still_read():
    form = VisitDateForm(data={"visit_on": "2026-01-31"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["visit_on"] == date(2026, 1, 31)
    assert _errors(visit_on="2026-02-30")["visit_on"] == ["Date of the visit must be a real date"]


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("", "", ""), "This field is required."),
        (("31", "", "2026"), "Date of the visit must include a month"),
        (("", "", "2026"), "Date of the visit must include a day and month"),
        (("31", "1", ""), "Date of the visit must include a year"),
        (("31", "2", "2026"), "Date of the visit must be a real date"),
        (("1", "13", "2026"), "Date of the visit must be a real date"),
        (("1", "1", "26"), "Date of the visit must be a real date"),
        (("¹", "1", "2026"), "Date of the visit must be a real date"),
        (("1", "1", "9" * 40), "Date of the visit must be a real date"),
    ],
)
def test_a_date_that_is_missing_a_part_or_cannot_be_right_says_so(parts, message):
    day, month, year = parts
    errors = _errors(visit_on_day=day, visit_on_month=month, visit_on_year=year)
    assert errors["visit_on"] == [message]


def test_an_optional_date_drops_optional_from_its_message():
    errors = _errors(visit_on="2026-01-31", expires_on_day="31", expires_on_month="2", expires_on_year="2026")
    assert errors["expires_on"] == ["Expires on must be a real date"]


def test_the_boxes_are_the_design_systems_markup_and_the_error_points_at_the_box_to_blame():
    form = VisitDateForm(data={"visit_on_day": "31", "visit_on_year": "2026", "expires_on": "2026-03-04"})
    form.is_valid()
    html = str(form["visit_on"].as_field_group())
    assert '<fieldset class="nhsuk-fieldset" role="group"' in html
    # The design system's macro writes the legend's text on a line of its own.
    assert re.search(r'nhsuk-fieldset__legend--s">\s*Date of the visit\s*</legend>', html)
    assert 'type="date"' not in html
    assert 'id="id_visit_on_0" name="visit_on_day" type="text" value="31" inputmode="numeric"' in html
    assert html.count("nhsuk-input--error") == 1
    assert 'nhsuk-input--error nhsuk-input--width-2 nhsuk-date-input__input" id="id_visit_on_1"' in html
    assert form["visit_on"].error_link_id == "id_visit_on_1"
    # A date sent as one value is shown in the boxes.
    assert 'name="expires_on_month" type="text" inputmode="numeric" value="3"' in str(form["expires_on"])


def test_an_empty_or_unreal_date_blames_all_three_boxes_and_links_to_the_day():
    form = VisitDateForm(data={"visit_on_day": "31", "visit_on_month": "2", "visit_on_year": "2026"})
    form.is_valid()
    assert str(form["visit_on"]).count("nhsuk-input--error") == 3
    assert form["visit_on"].error_link_id == "id_visit_on_0"


@pytest.mark.django_db
def test_a_visit_is_planned_from_the_boxes_and_the_summary_links_to_the_day(client, world):
    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    url = reverse("assurance:visit-create")
    data = {
        "provider": world.a1.pk,
        "template": make_visit_template().pk,
        "visit_type": "routine",
    }
    response = client.post(url, data)
    assert response.context["form"].errors["visit_on"] == ["Enter date of visit"]
    # The design system's error summary writes its own whitespace between the tags.
    link = r'<li>\s*<a href="#id_visit_on_0">\s*Enter date of visit\s*</a>\s*</li>'
    assert re.search(link, response.content.decode())

    when = TODAY + timedelta(days=10)
    parts = {"visit_on_day": when.day, "visit_on_month": when.month, "visit_on_year": when.year}
    response = client.post(url, {**data, **parts})
    assert response.status_code == 302, response.context["form"].errors
    assert Visit.objects.filter(provider=world.a1, visit_on=when).exists()

import django_filters
from django import forms

from lmns.forms import DateField


class FilterForm(forms.Form):
    """The form of a list page's filters (every FilterSet's ``Meta.form``), drawn on every visit
    to the list: its fields are written by hand in the design system's markup
    (``includes/filter_field.html``), as the design system's macros, one template include and a
    dozen imports each, made a list's filters five times slower to draw."""

    template_name = "includes/filter_form.html"


class DateFilter(django_filters.DateFilter):
    """A date filter typed in the NHS.UK date input, as every date of the product is."""

    field_class = DateField

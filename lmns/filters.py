import django_filters

from lmns.forms import DateField


class DateFilter(django_filters.DateFilter):
    """A date filter typed in the NHS.UK date input, as every date of the product is."""

    field_class = DateField

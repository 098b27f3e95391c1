import django_filters
from django.db.models import Q
from django.utils import timezone

from assurance.models import VisitTemplate, VisitTemplateSection
from assurance.visits.models import (
    CqcDomain,
    Recommendation,
    RecommendationStatus,
    Visit,
    VisitStatus,
    VisitType,
)
from lmns.access import providers_for
from lmns.filters import DateFilter, FilterForm


def _providers(request):
    return providers_for(request.user)


class VisitFilter(django_filters.FilterSet):
    when = django_filters.ChoiceFilter(
        choices=[("upcoming", "Upcoming"), ("past", "Past")],
        method="filter_when",
        empty_label="Any time",
        label="When",
    )
    provider = django_filters.ModelChoiceFilter(queryset=_providers)
    visit_type = django_filters.ChoiceFilter(choices=VisitType.choices, label="Type")
    status = django_filters.ChoiceFilter(choices=VisitStatus.choices)
    visit_from = DateFilter(field_name="visit_on", lookup_expr="gte", label="From")
    visit_to = DateFilter(field_name="visit_on", lookup_expr="lte", label="To")

    class Meta:
        model = Visit
        fields = []
        form = FilterForm

    def filter_when(self, queryset, name, value):
        today = timezone.localdate()
        if value == "upcoming":
            return queryset.filter(visit_on__gte=today, status=VisitStatus.PLANNED).order_by("visit_on", "pk")
        return queryset.filter(Q(visit_on__lt=today) | ~Q(status=VisitStatus.PLANNED))


class RecommendationFilter(django_filters.FilterSet):
    provider = django_filters.ModelChoiceFilter(queryset=_providers, field_name="visit__provider")
    status = django_filters.ChoiceFilter(choices=RecommendationStatus.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Overdue")
    domain = django_filters.ChoiceFilter(
        choices=CqcDomain.choices, field_name="finding__domain", label="Section"
    )
    due_from = DateFilter(field_name="due_on", lookup_expr="gte", label="Due from")
    due_to = DateFilter(field_name="due_on", lookup_expr="lte", label="Due to")
    order = django_filters.OrderingFilter(
        fields=[("due_on", "due"), ("visit__provider__name", "provider"), ("status", "status")]
    )

    class Meta:
        model = Recommendation
        fields = []
        form = FilterForm

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        # The sections of the templates this user may see, so no other LMNS's template shows.
        user = request.user if request else None
        sections = dict(CqcDomain.choices)
        rows = VisitTemplateSection.objects.filter(
            template__in=VisitTemplate.objects.visible_to(user)
        ).values_list("code", "title")
        for code, title in rows.order_by("template__name", "order"):
            sections.setdefault(code, title)
        self.filters["domain"].extra["choices"] = list(sections.items())

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue(timezone.localdate())
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

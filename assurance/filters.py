import django_filters
from django.utils import timezone

from assurance.models import DONE_STATUSES, Framework, RequirementAssessment, Status, Verification
from lmns.access import providers_for
from lmns.filters import FilterForm


def _providers(request):
    return providers_for(request.user)


def _frameworks(request):
    return Framework.objects.visible_to(request.user)


class ItemFilter(django_filters.FilterSet):
    provider = django_filters.ModelChoiceFilter(queryset=_providers, field_name="assessment__provider")
    framework = django_filters.ModelChoiceFilter(queryset=_frameworks, field_name="assessment__framework")
    status = django_filters.ChoiceFilter(choices=Status.choices)
    verification = django_filters.ChoiceFilter(choices=Verification.choices, label="LMNS verification")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Action plan overdue")
    order = django_filters.OrderingFilter(
        fields=[
            ("assessment__provider__name", "provider"),
            ("requirement__code", "requirement"),
            ("status", "status"),
            ("verification", "verification"),
            ("action_due_on", "due"),
            # The officer's queue: what has waited longest for verification first.
            ("submitted_at", "submitted"),
        ]
    )

    class Meta:
        model = RequirementAssessment
        fields = []
        form = FilterForm

    def filter_overdue(self, queryset, name, value):
        overdue = {"action_due_on__lt": timezone.localdate()}
        if value:
            return queryset.exclude(status__in=DONE_STATUSES).filter(**overdue)
        return queryset.exclude(
            pk__in=queryset.exclude(status__in=DONE_STATUSES).filter(**overdue).values("pk")
        )

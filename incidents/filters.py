import django_filters
from django.db.models import Q
from django.utils import timezone

from incidents.models import (
    SA10_PARTS,
    ActionStatus,
    Incident,
    IncidentStatus,
    IncidentType,
    Learning,
    LearningEvent,
    LearningStatus,
    PhysicalHarm,
    PsychologicalHarm,
    ReferralBody,
    ResponseType,
    SafetyAction,
    SsigMeeting,
    Theme,
)
from lmns.access import lmnss_for, providers_for
from lmns.filters import DateFilter, FilterForm
from lmns.models import Provider, Unit


def _providers(request):
    return providers_for(request.user)


def _incident_types(request):
    return IncidentType.objects.visible_to(request.user)


def _themes(request):
    return Theme.objects.visible_to(request.user)


def _referral_choices(bodies) -> list[tuple[str, str]]:
    return [("any", "Any referral"), *((body.code, body.label) for body in bodies)]


def _units(request):
    return Unit.objects.visible_to(request.user).select_related("provider")


class IncidentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Reference or text", method="search")
    provider = django_filters.ModelChoiceFilter(queryset=_providers)
    unit = django_filters.ModelChoiceFilter(queryset=_units)
    occurred_from = DateFilter(field_name="occurred_on", lookup_expr="gte", label="Occurred from")
    occurred_to = DateFilter(field_name="occurred_on", lookup_expr="lte", label="Occurred to")
    incident_type = django_filters.ModelChoiceFilter(queryset=_incident_types, label="Type")
    physical_harm = django_filters.ChoiceFilter(choices=PhysicalHarm.choices)
    psychological_harm = django_filters.ChoiceFilter(choices=PsychologicalHarm.choices)
    harm = django_filters.ChoiceFilter(
        choices=[("moderate_or_worse", "Moderate or worse, physical or psychological")],
        method="filter_harm",
        label="Harm",
    )
    response_type = django_filters.ChoiceFilter(choices=ResponseType.choices, label="Learning response")
    sa10_gap = django_filters.ChoiceFilter(
        choices=[(key, f"{label}: not done") for key, (label, _, _) in SA10_PARTS.items()],
        method="filter_sa10_gap",
        label="MIS safety action 10",
    )
    # The bodies every LMNS uses; a page's own filter adds the user's LMNS's (``__init__``).
    referral = django_filters.ChoiceFilter(
        choices=lambda: _referral_choices(ReferralBody.objects.filter(lmns=None).active()),
        method="filter_referral",
        label="Referred to",
    )
    status = django_filters.ChoiceFilter(choices=IncidentStatus.choices)
    theme = django_filters.ModelChoiceFilter(
        queryset=_themes, field_name="learning__themes", distinct=True, label="Learning theme"
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="With overdue actions")
    learning = django_filters.ChoiceFilter(
        choices=[("none", "Learning response chosen, no learning yet")],
        method="filter_learning",
        label="Learning",
    )
    order = django_filters.OrderingFilter(
        fields=[
            ("local_reference", "reference"),
            ("occurred_on", "occurred"),
            ("reported_on", "reported"),
            ("provider__name", "provider"),
            ("incident_type__name", "type"),
            ("status", "status"),
        ]
    )

    class Meta:
        model = Incident
        fields = []
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.request is not None:
            bodies = ReferralBody.objects.visible_to(self.request.user).active()
            self.filters["referral"].extra["choices"] = lambda: _referral_choices(bodies)

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(local_reference__icontains=value)
            | Q(summary__icontains=value)
            | Q(immediate_actions__icontains=value)
        )

    def filter_harm(self, queryset, name, value):
        return queryset.moderate_or_worse()

    def filter_sa10_gap(self, queryset, name, value):
        _, of, done = SA10_PARTS[value]
        return queryset.filter(of & ~done)

    def filter_referral(self, queryset, name, value: str):
        return queryset.with_any_referral() if value == "any" else queryset.referred_to(value)

    def filter_learning(self, queryset, name, value):
        return queryset.needing_learning()

    def filter_overdue(self, queryset, name, value):
        # Leave out actions without an incident: a NULL in NOT IN would exclude every row.
        overdue = SafetyAction.objects.overdue().filter(incident__isnull=False).values("incident")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)


class LearningFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="search")
    provider = django_filters.ModelChoiceFilter(queryset=Provider.objects.none())
    theme = django_filters.ModelChoiceFilter(queryset=_themes, field_name="themes", distinct=True)
    status = django_filters.ChoiceFilter(choices=LearningStatus.choices)
    created_from = DateFilter(field_name="created_at__date", lookup_expr="gte", label="Recorded from")
    created_to = DateFilter(field_name="created_at__date", lookup_expr="lte", label="Recorded to")
    order = django_filters.OrderingFilter(
        fields=[
            ("title", "title"),
            ("provider__name", "provider"),
            ("created_at", "recorded"),
            ("status", "status"),
        ]
    )

    class Meta:
        model = Learning
        fields = []
        form = FilterForm

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        # The library lists other providers' shared learning, so the provider
        # choices are those whose learning this page can show, not only the user's own.
        self.filters["provider"].queryset = providers

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value)
            | Q(what_happened__icontains=value)
            | Q(what_we_learned__icontains=value)
            | Q(what_we_changed__icontains=value)
        )


class SafetyActionFilter(django_filters.FilterSet):
    provider = django_filters.ModelChoiceFilter(queryset=_providers)
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Overdue")
    due_from = DateFilter(field_name="due_on", lookup_expr="gte", label="Due from")
    due_to = DateFilter(field_name="due_on", lookup_expr="lte", label="Due to")
    order = django_filters.OrderingFilter(
        fields=[("due_on", "due"), ("provider__name", "provider"), ("status", "status")]
    )

    class Meta:
        model = SafetyAction
        fields = []
        form = FilterForm

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        overdue = queryset.overdue(today)
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


def _lmnss(request):
    return lmnss_for(request.user)


class SsigMeetingFilter(django_filters.FilterSet):
    lmns = django_filters.ModelChoiceFilter(queryset=_lmnss, label="LMNS")
    held = django_filters.BooleanFilter(
        field_name="held_at", lookup_expr="isnull", exclude=True, label="Held"
    )
    meeting_from = DateFilter(field_name="meeting_on", lookup_expr="gte", label="Meeting from")
    meeting_to = DateFilter(field_name="meeting_on", lookup_expr="lte", label="Meeting to")

    class Meta:
        model = SsigMeeting
        fields = []
        form = FilterForm


class LearningEventFilter(django_filters.FilterSet):
    theme = django_filters.ModelChoiceFilter(queryset=_themes, field_name="themes", distinct=True)
    held_from = DateFilter(field_name="held_on", lookup_expr="gte", label="From")
    held_to = DateFilter(field_name="held_on", lookup_expr="lte", label="To")

    class Meta:
        model = LearningEvent
        fields = []
        form = FilterForm

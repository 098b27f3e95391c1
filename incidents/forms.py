import json

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from incidents.models import (
    MODERATE_OR_WORSE_PHYSICAL,
    MODERATE_OR_WORSE_PSYCHOLOGICAL,
    PID_WARNING,
    Incident,
    IncidentReferral,
    IncidentStatus,
    IncidentType,
    Learning,
    LearningEvent,
    LearningStatus,
    ReferralBody,
    SafetyAction,
    SsigMeeting,
    Theme,
    moderate_or_worse,
)
from lmns.access import lmnss_where, providers_where
from lmns.forms import Checkboxes, DateField, NHSErrorMessagesMixin, Picker, RecordsChoiceField
from lmns.models import Lmns, Membership, Provider

DATE_FIELDS = [
    "occurred_on",
    "reported_on",
    "mnsi_referred_on",
    "mnsi_decision_on",
    "mnsi_family_told_on",
    "mnsi_report_received_on",
    "duty_of_candour_completed_on",
]


class ProviderChoiceMixin:
    """Adds a provider choice when creating; an existing record keeps its provider."""

    def setup_provider(self, user, action: str, provider: Provider | None):
        if provider is not None:
            self.fields.pop("provider", None)
            self.instance.provider = provider
        else:
            choices = providers_where(user, action)
            self.fields["provider"].queryset = choices
            if len(choices) == 1:
                self.fields["provider"].initial = choices[0]
        return provider


def _grouped_types(types) -> list:
    """Incident types under their group's heading (maternal, fetal loss and stillbirth, neonatal,
    service), so that a long list is read in parts."""
    groups = {value: [] for value in IncidentType.Group.values}
    for incident_type in types:
        groups[incident_type.group].append((incident_type.pk, incident_type.name))
    labels = dict(IncidentType.Group.choices)
    return [("", "---------"), *((labels[group], options) for group, options in groups.items() if options)]


class IncidentForm(NHSErrorMessagesMixin, ProviderChoiceMixin, forms.ModelForm):
    class Meta:
        model = Incident
        fields = [
            "provider",
            "unit",
            "local_reference",
            "occurred_on",
            "reported_on",
            "incident_type",
            "physical_harm",
            "not_fatal_reason",
            "psychological_harm",
            "summary",
            "immediate_actions",
            "response_type",
            "duty_of_candour",
            "duty_of_candour_completed_on",
            "mnsi_referred_on",
            "mnsi_reference",
            "mnsi_qualifying",
            "mnsi_family_told_on",
            "mnsi_decision",
            "mnsi_decision_on",
            "mnsi_decision_reason",
            "mnsi_report_received_on",
            "early_notification",
            "early_notification_reference",
        ]
        field_classes = dict.fromkeys(DATE_FIELDS, DateField)
        help_texts = {
            "response_type": "How the provider will learn from it under PSIRF, if decided: an investigation "
            "(PSII) for the incidents your plan names, a review or huddle for others; an MNSI "
            "investigation or a PMRT review where one is under way.",
            "duty_of_candour": "Moderate harm or worse, physical or psychological, is usually a "
            "notifiable safety incident: the family must be told and given an apology. Say whether "
            "the statutory duty of candour applies.",
        }

    def __init__(self, *args, user, provider=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_provider(user, "record_incident", provider)
        self.fields["unit"].queryset = (
            self.fields["unit"].queryset.visible_to(user).select_related("provider")
        )
        current_type = [self.instance.incident_type_id] if self.instance.pk else []
        types = IncidentType.objects.visible_to(user).active_or(current_type)
        self.fields["incident_type"].queryset = types
        self.fields["incident_type"].choices = _grouped_types(types)
        self.fields["duty_of_candour"].template_name = "incidents/_duty_of_candour_field.html"
        self._add_referral_fields(user)

    # The grades that prompt for the duty of candour, for the page's script to follow the choice.
    candour_grades = json.dumps(
        {
            "physical_harm": list(MODERATE_OR_WORSE_PHYSICAL),
            "psychological_harm": list(MODERATE_OR_WORSE_PSYCHOLOGICAL),
        }
    )

    @property
    def harm_is_moderate_or_worse(self) -> bool:
        """The harm as sent, or as recorded before, prompts for the duty of candour."""
        return moderate_or_worse(self["physical_harm"].value(), self["psychological_harm"].value())

    def _add_referral_fields(self, user) -> None:
        """A date and a reference per referral body in use, and per body the incident was
        referred to (a retired one too, so an edit neither drops nor hides it). MNSI's are the
        incident's own fields above."""
        held = {r.body_id: r for r in self.instance.referrals.all()} if self.instance.pk else {}
        self.referral_bodies = list(
            ReferralBody.objects.visible_to(user).active_or(held).exclude(code=ReferralBody.MNSI)
        )
        length = IncidentReferral._meta.get_field("reference").max_length
        for body in self.referral_bodies:
            current = held.get(body.pk)
            self.fields[body.date_field] = DateField(
                label=f"Referred to {body.label} on",
                required=False,
                initial=current and current.referred_on,
                help_text=body.description,
            )
            self.fields[body.reference_field] = forms.CharField(
                label=f"{body.label} reference",
                required=False,
                max_length=length,
                initial=current.reference if current else "",
            )

    def full_clean(self):
        """After every check (the PID guard and plausible dates too), the referral fields become
        one ``referrals`` value: {body: (date or None, reference)} for the service."""
        super().full_clean()
        if not hasattr(self, "cleaned_data"):
            return
        referrals = {}
        for body in self.referral_bodies:
            referred_on = self.cleaned_data.pop(body.date_field, None)
            reference = (self.cleaned_data.pop(body.reference_field, "") or "").strip()
            referrals[body] = (referred_on, reference)
        self.cleaned_data["referrals"] = referrals

    def clean_local_reference(self):
        reference = self.cleaned_data["local_reference"].strip()
        # The provider field is cleaned first, so this is a provider the user may record for.
        provider = self.cleaned_data.get("provider") if "provider" in self.fields else self.instance.provider
        if provider is not None:
            clash = Incident.objects.filter(provider=provider, local_reference__iexact=reference)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise forms.ValidationError("Your provider already has an incident with this reference.")
        return reference


class IncidentTransitionForm(NHSErrorMessagesMixin, forms.Form):
    to_status = forms.ChoiceField(label="Move to", choices=IncidentStatus.choices)


class LearningForm(NHSErrorMessagesMixin, ProviderChoiceMixin, forms.ModelForm):
    class Meta:
        model = Learning
        fields = [
            "provider",
            "title",
            "what_happened",
            "what_we_learned",
            "what_we_changed",
            "themes",
            "incidents",
        ]
        widgets = {"themes": Checkboxes, "incidents": Picker}
        field_classes = {"themes": RecordsChoiceField, "incidents": RecordsChoiceField}

    def __init__(self, *args, user, provider=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_provider(user, "record_incident", provider)
        current = self.instance.themes.all() if self.instance.pk else Theme.objects.none()
        self.fields["themes"].queryset = Theme.objects.visible_to(user).active_or(current)
        incidents = Incident.objects.visible_to(user).select_related("incident_type")
        if provider is not None:
            incidents = incidents.filter(provider=provider)
        self.fields["incidents"].queryset = incidents
        # The date tells apart incidents of one type, and is what people filter by.
        self.fields["incidents"].label_from_instance = lambda incident: (
            f"{incident.local_reference}: {incident.incident_type}, {incident.occurred_on:%-d %B %Y}"
        )


def _owners_of(field, providers) -> None:
    # Owners are people of the provider or of its LMNS, so the digest reaches someone accountable.
    members = Membership.objects.filter(
        Q(provider__in=providers) | Q(lmns__in={p.lmns_id for p in providers})
    ).values("user")
    field.queryset = (
        get_user_model()
        .objects.filter(pk__in=members, is_active=True)
        .order_by("first_name", "last_name", "username")
    )
    field.label_from_instance = lambda user: user.get_full_name() or user.username


class SafetyActionForm(NHSErrorMessagesMixin, ProviderChoiceMixin, forms.ModelForm):
    class Meta:
        model = SafetyAction
        fields = [
            "provider",
            "description",
            "owner",
            "due_on",
            "incident",
            "learning",
            "status",
            "completion_evidence",
        ]
        field_classes = {"due_on": DateField}

    def __init__(self, *args, user, provider=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_provider(user, "record_incident", provider)
        providers = [provider] if provider else list(self.fields["provider"].queryset)
        _owners_of(self.fields["owner"], providers)
        self.fields["incident"].queryset = Incident.objects.filter(provider__in=providers).select_related(
            "incident_type"
        )
        self.fields["learning"].queryset = Learning.objects.filter(provider__in=providers)


class MnsiRecommendationForm(NHSErrorMessagesMixin, forms.Form):
    reference = forms.CharField(
        label="Recommendation number", max_length=50, help_text="As numbered in MNSI's report."
    )
    recommendation = forms.CharField(
        label="MNSI's safety recommendation", widget=forms.Textarea, help_text=PID_WARNING
    )
    owner = forms.ModelChoiceField(queryset=get_user_model().objects.none())
    due_on = DateField(label="Due date")

    def __init__(self, *args, incident: Incident, **kwargs):
        super().__init__(*args, **kwargs)
        _owners_of(self.fields["owner"], [incident.provider])


class LearningSubmitForm(NHSErrorMessagesMixin, forms.Form):
    meeting = forms.ModelChoiceField(queryset=SsigMeeting.objects.none(), label="SSIG meeting")

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings
        self.fields["meeting"].label_from_instance = lambda meeting: (
            f"{meeting} (submit by {meeting.submission_deadline:%-d %B %Y})"
        )
        # Usually one meeting is open for submissions: nothing to choose then.
        open_meetings = list(meetings[:2])
        if len(open_meetings) == 1:
            self.fields["meeting"].initial = open_meetings[0]


class SsigMeetingForm(NHSErrorMessagesMixin, forms.ModelForm):
    lmns = forms.ModelChoiceField(queryset=Lmns.objects.none(), label="LMNS")

    class Meta:
        model = SsigMeeting
        fields = ["lmns", "meeting_on", "submission_deadline"]
        field_classes = {"meeting_on": DateField, "submission_deadline": DateField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lmns"].queryset = lmnss_where(user, "run_ssig")
        if self.fields["lmns"].queryset.count() == 1:
            self.fields["lmns"].initial = self.fields["lmns"].queryset.first()


class SsigOutcomesForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = SsigMeeting
        fields = ["attended_by", "attendees", "themes_agreed", "escalations", "learning_event_topics"]
        widgets = {"attended_by": Checkboxes, "themes_agreed": Checkboxes}
        labels = {"attended_by": "Providers that attended", "themes_agreed": "Themes agreed"}
        field_classes = {"attended_by": RecordsChoiceField, "themes_agreed": RecordsChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended_by"].queryset = self.instance.lmns.providers.all()
        self.fields["themes_agreed"].queryset = Theme.objects.available_to(self.instance.lmns).active_or(
            self.instance.themes_agreed.all()
        )


class AcceptLateForm(NHSErrorMessagesMixin, forms.Form):
    learning = forms.ModelChoiceField(queryset=Learning.objects.none(), label="Signed-off learning")

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["learning"].queryset = Learning.objects.filter(
            provider__lmns=meeting.lmns, status=LearningStatus.SIGNED_OFF
        ).select_related("provider")
        self.fields["learning"].label_from_instance = lambda item: f"{item.provider}: {item.title}"


class LearningEventForm(NHSErrorMessagesMixin, forms.ModelForm):
    lmns = forms.ModelChoiceField(queryset=Lmns.objects.none(), label="LMNS")

    class Meta:
        model = LearningEvent
        fields = ["lmns", "topic", "held_on", "description", "themes", "learning"]
        widgets = {"themes": Checkboxes, "learning": Picker}
        labels = {"learning": "Shared learning it draws on"}
        field_classes = {"held_on": DateField, "themes": RecordsChoiceField, "learning": RecordsChoiceField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        lmnss = lmnss_where(user, "run_ssig")
        self.fields["lmns"].queryset = lmnss
        if lmnss.count() == 1:
            self.fields["lmns"].initial = lmnss.first()
        current = self.instance.themes.all() if self.instance.pk else Theme.objects.none()
        self.fields["themes"].queryset = Theme.objects.visible_to(user).active_or(current)
        self.fields["learning"].queryset = Learning.objects.shared().filter(provider__lmns__in=lmnss)

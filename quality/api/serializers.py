"""What the API returns, and (for the schema) what it accepts.

The read serializers are only ever used for output. Their fields keep the model's full
description (a blank choice is allowed where the model allows it), which marking them
read-only would drop from the schema.

The write serializers only describe request bodies: the pages' forms validate them
(quality.api.writes), so their fields are taken from those forms and cannot drift apart.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assurance.forms import ItemForm
from assurance.models import Assessment, Framework, FrameworkAction, Requirement, RequirementAssessment
from incidents.forms import IncidentForm, LearningForm, SafetyActionForm
from incidents.models import (
    Incident,
    IncidentReferral,
    IncidentType,
    Learning,
    SafetyAction,
    SsigMeeting,
    Theme,
)
from lmns.models import Lmns, Provider, Unit
from quality.quality import RAG_LABELS
from workforce.forms import WorkforceReturnForm
from workforce.models import TrainingFigure, WorkforceReturn
from workforce.perinatal.forms import PerinatalReturnForm
from workforce.perinatal.models import COUNT_FIELDS, RATES, PerinatalFigures, PerinatalReturn

PROVIDER_HELP = "The provider's ODS code (for example RX1) or id: one you may act at."


def pid_checked_field():
    return serializers.BooleanField(
        required=False,
        help_text="Set after checking text that looks like personal data (a postcode, phone number, "
        "email address or date of birth) and finding it identifies nobody; without it such a body "
        "is refused with the text listed. An NHS number is refused either way.",
    )


class ProviderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Provider
        fields = ["id", "ods_code", "name"]


class LmnsSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lmns
        fields = ["id", "code", "name"]


# --- Incidents, learning, safety actions -------------------------------------------------------


class IncidentReferralSerializer(serializers.ModelSerializer):
    body = serializers.CharField(source="body.code", read_only=True, help_text="The referral body's code.")
    body_name = serializers.CharField(source="body.label", read_only=True)

    class Meta:
        model = IncidentReferral
        fields = ["body", "body_name", "referred_on", "reference"]


class IncidentSerializer(serializers.ModelSerializer):
    provider = ProviderSerializer(read_only=True)
    incident_type_name = serializers.CharField(source="incident_type.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, allow_null=True, default=None)
    referrals = IncidentReferralSerializer(
        many=True,
        read_only=True,
        help_text="Referrals to bodies other than MNSI, in the bodies' order (MNSI's is mnsi_referred_on). "
        "Write one as <code>_referred_on and <code>_reference, for example pmrt_referred_on; "
        "an empty date removes it.",
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            *IncidentForm.Meta.fields,
            "incident_type_name",
            "unit_name",
            "referrals",
            "status",
            "created_at",
            "updated_at",
        ]


class IncidentWriteSerializer(serializers.ModelSerializer):
    provider = serializers.CharField(help_text=PROVIDER_HELP)
    pid_checked = pid_checked_field()

    class Meta:
        model = Incident
        fields = [*IncidentForm.Meta.fields, "pid_checked"]
        extra_kwargs = {
            # Optional, as on the incident form, which starts at "Not yet known": often not known
            # when an incident is reported, and it concerns only moderate harm or worse.
            "duty_of_candour": {
                "help_text": "Whether the statutory duty of candour applies. Left out of a new "
                "incident (or of a PUT), it is recorded as not yet known. Moderate harm or worse, "
                "physical or psychological, is usually a notifiable safety incident: say whether "
                "it applies as soon as that is known."
            }
        }


class IncidentUpdateSerializer(IncidentWriteSerializer):
    """An incident keeps its provider."""

    class Meta(IncidentWriteSerializer.Meta):
        fields = [*(name for name in IncidentForm.Meta.fields if name != "provider"), "pid_checked"]


# --- Reference data an integration needs to find ids -------------------------------------------


class IncidentTypeSerializer(serializers.ModelSerializer):
    lmns = LmnsSerializer(
        read_only=True, allow_null=True, help_text="The LMNS whose own type this is; null for every LMNS's."
    )

    class Meta:
        model = IncidentType
        fields = ["id", "name", "group", "is_death", "is_active", "lmns"]


class ThemeSerializer(serializers.ModelSerializer):
    lmns = LmnsSerializer(
        read_only=True, allow_null=True, help_text="The LMNS whose own theme this is; null for every LMNS's."
    )

    class Meta:
        model = Theme
        fields = ["id", "name", "description", "is_active", "lmns"]


class UnitSerializer(serializers.ModelSerializer):
    provider = ProviderSerializer(read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "ods_site_code", "unit_type", "provider"]


class LearningSerializer(serializers.ModelSerializer):
    provider = ProviderSerializer(read_only=True)

    class Meta:
        model = Learning
        fields = ["id", *LearningForm.Meta.fields, "status", "created_at", "signed_off_at"]


class LearningWriteSerializer(serializers.ModelSerializer):
    provider = serializers.CharField(help_text=PROVIDER_HELP)
    pid_checked = pid_checked_field()

    class Meta:
        model = Learning
        fields = [*LearningForm.Meta.fields, "pid_checked"]


class LearningUpdateSerializer(LearningWriteSerializer):
    class Meta(LearningWriteSerializer.Meta):
        fields = [*(name for name in LearningForm.Meta.fields if name != "provider"), "pid_checked"]


class SafetyActionSerializer(serializers.ModelSerializer):
    provider = ProviderSerializer(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = SafetyAction
        fields = [
            "id",
            *SafetyActionForm.Meta.fields,
            "source",
            "source_reference",
            "completed_on",
            "is_overdue",
            "created_at",
        ]


class SafetyActionWriteSerializer(serializers.ModelSerializer):
    provider = serializers.CharField(help_text=PROVIDER_HELP)
    pid_checked = pid_checked_field()

    class Meta:
        model = SafetyAction
        fields = [*SafetyActionForm.Meta.fields, "pid_checked"]


class SafetyActionUpdateSerializer(SafetyActionWriteSerializer):
    class Meta(SafetyActionWriteSerializer.Meta):
        fields = [*(name for name in SafetyActionForm.Meta.fields if name != "provider"), "pid_checked"]


class SsigMeetingSerializer(serializers.ModelSerializer):
    lmns = LmnsSerializer(read_only=True)
    attended_by = serializers.SlugRelatedField(slug_field="ods_code", many=True, read_only=True)

    class Meta:
        model = SsigMeeting
        fields = [
            "id",
            "lmns",
            "meeting_on",
            "submission_deadline",
            "held_at",
            "attended_by",
            "attendees",
            "themes_agreed",
            "escalations",
            "learning_event_topics",
        ]


# --- Compliance frameworks and assessments -----------------------------------------------------


class RequirementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Requirement
        fields = ["id", "code", "title", "text", "evidence_guidance"]


class FrameworkActionSerializer(serializers.ModelSerializer):
    requirements = RequirementSerializer(many=True, read_only=True)

    class Meta:
        model = FrameworkAction
        fields = ["id", "code", "title", "summary", "requirements"]


class FrameworkSerializer(serializers.ModelSerializer):
    class Meta:
        model = Framework
        fields = ["id", "slug", "name", "publisher", "version", "period_start", "period_end", "source_note"]


class FrameworkDetailSerializer(FrameworkSerializer):
    actions = FrameworkActionSerializer(many=True, read_only=True)

    class Meta(FrameworkSerializer.Meta):
        fields = [*FrameworkSerializer.Meta.fields, "actions"]


class AssessmentSerializer(serializers.ModelSerializer):
    provider = ProviderSerializer(read_only=True)
    framework = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "provider", "framework", "created_at"]


class AssessmentItemSerializer(serializers.ModelSerializer):
    """A provider's answer to one requirement, with the LMNS's verification of it."""

    assessment = serializers.PrimaryKeyRelatedField(read_only=True)
    provider = serializers.CharField(source="assessment.provider.ods_code", read_only=True)
    framework = serializers.CharField(source="assessment.framework.slug", read_only=True)
    requirement = RequirementSerializer(read_only=True)

    class Meta:
        model = RequirementAssessment
        fields = [
            "id",
            "assessment",
            "provider",
            "framework",
            "requirement",
            *ItemForm.Meta.fields,
            "verification",
            "submitted_at",
            "verified_at",
            "challenge_comment",
            "updated_at",
        ]


class AssessmentItemWriteSerializer(serializers.ModelSerializer):
    pid_checked = pid_checked_field()

    class Meta:
        model = RequirementAssessment
        fields = [*ItemForm.Meta.fields, "pid_checked"]


# --- Workforce ---------------------------------------------------------------------------------


class TrainingFigureSerializer(serializers.ModelSerializer):
    staff_group = serializers.SlugRelatedField(slug_field="code", read_only=True)
    staff_group_name = serializers.CharField(source="staff_group.name", read_only=True)
    rate = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        read_only=True,
        help_text="Up to date as a percentage of those in scope.",
    )

    class Meta:
        model = TrainingFigure
        fields = ["module", "staff_group", "staff_group_name", "in_scope", "compliant", "rate"]


class TrainingLowestSerializer(serializers.Serializer):
    module = serializers.CharField()
    staff_group_name = serializers.CharField(
        source="lowest_name", help_text="Empty when no group has staff in scope."
    )
    rate = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)


class PerinatalRateSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    denominator = serializers.IntegerField()
    denominator_words = serializers.CharField()
    unit = serializers.ChoiceField(choices=["per 1,000", "%"])
    rate = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, help_text="Empty when the denominator is 0."
    )


SITE_HELP = "The birth site's ODS site code (an obstetric or midwife-led unit of the provider)."


def _rates(perinatal) -> list:
    rates = [
        {
            "key": rate.key,
            "label": rate.label,
            "count": rate.counts(perinatal)[0],
            "denominator": rate.counts(perinatal)[1],
            "denominator_words": rate.denominator_words,
            "unit": rate.unit,
            "rate": rate.of(perinatal),
        }
        for rate in RATES
    ]
    return PerinatalRateSerializer(rates, many=True).data


class PerinatalFiguresSerializer(serializers.ModelSerializer):
    """One birth site's perinatal counts for the month, as the page's form asks them. A part may
    not be more than its whole (term stillbirths than stillbirths, for example); rates are worked
    out, never sent."""

    site = serializers.CharField(help_text=SITE_HELP)

    class Meta:
        model = PerinatalReturn
        fields = ["site", *PerinatalReturnForm.Meta.fields]


class PerinatalReturnSerializer(PerinatalFiguresSerializer):
    site = serializers.CharField(source="unit.ods_site_code", help_text=SITE_HELP)
    site_name = serializers.CharField(source="unit.name")
    rates = serializers.SerializerMethodField(
        help_text="Each rate at the site, with its count and denominator."
    )

    class Meta(PerinatalFiguresSerializer.Meta):
        fields = [
            "site",
            "site_name",
            *PerinatalReturnForm.Meta.fields,
            "rates",
            "confirmed_changes",
        ]

    @extend_schema_field(PerinatalRateSerializer(many=True))
    def get_rates(self, perinatal):
        return _rates(perinatal)


class PerinatalTotalSerializer(serializers.Serializer):
    """The provider's month: its birth sites' counts added together (PerinatalFigures, whose
    count names are the return's), with the rates they make."""

    rates = serializers.SerializerMethodField(help_text="Each rate with its count and denominator.")

    def get_fields(self):
        return {**{name: serializers.IntegerField() for name in COUNT_FIELDS}, **super().get_fields()}

    @extend_schema_field(PerinatalRateSerializer(many=True))
    def get_rates(self, figures):
        return _rates(figures)


class WorkforceReturnSerializer(serializers.ModelSerializer):
    provider = ProviderSerializer(read_only=True)
    perinatal = PerinatalReturnSerializer(
        source="perinatal_sites",
        many=True,
        read_only=True,
        help_text="Each birth site's perinatal figures for the month; empty for a return from before "
        "they were asked.",
    )
    perinatal_total = serializers.SerializerMethodField(
        help_text="The provider's perinatal figures: its sites' added together; empty for a return "
        "from before they were asked."
    )
    is_late = serializers.BooleanField(
        read_only=True, help_text="Submitted after the 15th of the next month."
    )
    training = TrainingFigureSerializer(
        source="training_figures",
        many=True,
        read_only=True,
        help_text="Each module's figures by staff group.",
    )
    training_lowest = TrainingLowestSerializer(
        source="training",
        many=True,
        read_only=True,
        help_text="Each module's lowest staff group: MIS safety action 8 rates each group against 90%, "
        "never a blend of groups.",
    )

    class Meta:
        model = WorkforceReturn
        fields = [
            "id",
            *WorkforceReturnForm.Meta.fields,
            "training",
            "training_lowest",
            "perinatal",
            "perinatal_total",
            "is_late",
            "confirmed_changes",
            "submitted_at",
        ]

    @extend_schema_field(PerinatalTotalSerializer(allow_null=True))
    def get_perinatal_total(self, workforce_return):
        # From the sites already fetched with the return, rather than a query for each return.
        sites = list(workforce_return.perinatal_sites.all())
        if not sites:
            return None
        figures = PerinatalFigures(
            {name: sum(getattr(site, name) for site in sites) for name in COUNT_FIELDS}
        )
        return PerinatalTotalSerializer(figures).data


class WorkforceReturnWriteSerializer(serializers.ModelSerializer):
    """Training figures are sent as two fields per module and staff group, as the page's form
    names them: ``training-<module>-<staff group code>-in_scope`` and ``...-compliant``, for each
    active staff group the module applies to (for example ``training-fetal_monitoring-midwives-in_scope``)."""

    provider = serializers.CharField(help_text=PROVIDER_HELP)
    month = serializers.DateField(help_text="The first day of the month, one of the last few months.")
    confirm_changes = serializers.BooleanField(
        required=False,
        help_text="Set after checking figures that changed a lot since the previous month; "
        "without it such a return is refused with the changes listed.",
    )
    pid_checked = pid_checked_field()
    perinatal = PerinatalFiguresSerializer(
        many=True,
        help_text="The month's perinatal figures, one object for each of the provider's birth sites "
        "(every one), submitted with the workforce figures: all are saved or none. A refused figure is "
        "named inside its site's object, in a list in the order sent. Saving runs the LMNS outcome "
        "signal at each site, as the page does.",
    )

    class Meta:
        model = WorkforceReturn
        fields = [*WorkforceReturnForm.Meta.fields, "perinatal", "confirm_changes", "pid_checked"]


# --- The quality view --------------------------------------------------------------------------


class QualityPeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField(help_text="The first day after the period.")
    label = serializers.CharField()
    query = serializers.CharField()


class QualityRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()
    url = serializers.CharField(help_text="The page behind the figure.")
    rag = serializers.ChoiceField(
        choices=list(RAG_LABELS.items()), allow_null=True, help_text="Grey: a figure that cannot be rated."
    )
    reason = serializers.CharField(allow_blank=True)


class QualityDomainSerializer(serializers.Serializer):
    title = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    rows = QualityRowSerializer(many=True)


@extend_schema_field({"type": "object", "additionalProperties": True})
class SpcSettingsField(serializers.DictField):
    pass


class QualityChartSerializer(serializers.Serializer):
    title = serializers.CharField()
    unit = serializers.CharField(allow_blank=True)
    months = serializers.ListField(child=serializers.DateField())
    values = serializers.ListField(child=serializers.FloatField(allow_null=True))
    spc = SpcSettingsField(help_text="How the statistical process control chart was drawn.")


class QualitySerializer(serializers.Serializer):
    provider = ProviderSerializer()
    period = QualityPeriodSerializer()
    domains = QualityDomainSerializer(many=True)
    charts = QualityChartSerializer(many=True)

"""The REST API: each viewset reads through ``visible_to(user)`` and writes through the
pages' forms and services (quality.api.writes), checking ``can`` as the pages do.

Freedom to Speak Up concerns are not exposed, in any form: the quality view's
speaking-up figures are left out too.
"""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from assurance import services as assurance_services
from assurance.filters import ItemFilter
from assurance.forms import ItemForm
from assurance.models import Assessment, Framework, FrameworkAction, RequirementAssessment
from incidents import services as incident_services
from incidents.filters import IncidentFilter, SafetyActionFilter, SsigMeetingFilter
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
from lmns import access
from lmns.models import Provider, Unit, birth_site_ordering
from quality import quality as quality_selectors
from quality.api import serializers
from quality.api.filters import ApiLearningFilter
from quality.api.monthly_return import monthly_return_save
from quality.api.writes import choose_provider, current_values, form_data, save
from workforce.models import WorkforceReturn
from workforce.perinatal.models import PerinatalReturn

LEARNING_FIELDS = ["title", "what_happened", "what_we_learned", "what_we_changed", "themes", "incidents"]


class ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    # Ids in paths are numbers, as on the pages: anything else is not a route (404).
    lookup_value_converter = "int"


class CreateThroughForm:
    """POST through a page's form: the viewset's ``save_new`` builds it and calls the service."""

    def create(self, request, *args, **kwargs):
        record = self.save_new(request.user, form_data(request.data))
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)


class UpdateThroughForm:
    """PUT and PATCH through a page's form, for those who may ``action_name`` at the provider;
    a PATCH keeps what it leaves out."""

    action_name = "record_incident"

    def update(self, request, *args, partial=False, **kwargs):
        record = access.get_for_user(
            self.get_queryset(), request.user, action=self.action_name, pk=kwargs["pk"]
        )
        current = current_values(self.form_for(record, None)) if partial else None
        record = self.save_existing(request.user, record, form_data(request.data, current=current))
        return Response(self.get_serializer(self.get_queryset().get(pk=record.pk)).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


@extend_schema_view(
    create=extend_schema(request=serializers.IncidentWriteSerializer),
    update=extend_schema(request=serializers.IncidentUpdateSerializer),
    partial_update=extend_schema(request=serializers.IncidentUpdateSerializer),
)
class IncidentViewSet(CreateThroughForm, UpdateThroughForm, ReadViewSet):
    """Incidents of the providers you can see; recorded and changed by those who may record
    incidents at the provider. Status moves only through the pages' review workflow."""

    serializer_class = serializers.IncidentSerializer
    filterset_class = IncidentFilter

    def get_queryset(self):
        return (
            Incident.objects.visible_to(self.request.user)
            .select_related("provider", "unit", "incident_type")
            .prefetch_related(Prefetch("referrals", IncidentReferral.objects.select_related("body")))
        )

    def form_for(self, incident, data):
        return IncidentForm(data, instance=incident, user=self.request.user, provider=incident.provider)

    def save_new(self, user, data):
        form = IncidentForm(data, user=user)
        choose_provider(form, action_label="record incidents")
        return save(form, incident_services.incident_create, by=user, fields=lambda d: d)

    def save_existing(self, user, incident, data):
        form = self.form_for(incident, data)
        return save(form, incident_services.incident_update, incident=incident, by=user, fields=lambda d: d)


@extend_schema_view(
    create=extend_schema(request=serializers.LearningWriteSerializer),
    update=extend_schema(request=serializers.LearningUpdateSerializer),
    partial_update=extend_schema(request=serializers.LearningUpdateSerializer),
)
class LearningViewSet(CreateThroughForm, UpdateThroughForm, ReadViewSet):
    """Your providers' learning in every status, and learning shared at your LMNS's SSIG.
    Only draft learning can be changed; sign-off and submission stay on the pages."""

    serializer_class = serializers.LearningSerializer
    filterset_class = ApiLearningFilter

    def get_queryset(self):
        return (
            Learning.objects.visible_to(self.request.user)
            .select_related("provider")
            .prefetch_related("themes", "incidents")
        )

    def form_for(self, learning, data):
        return LearningForm(data, instance=learning, user=self.request.user, provider=learning.provider)

    def save_new(self, user, data):
        form = LearningForm(data, user=user)
        choose_provider(form, action_label="record learning")
        return save(
            form,
            incident_services.learning_create,
            by=user,
            fields=lambda d: {"provider": d["provider"], **{name: d[name] for name in LEARNING_FIELDS}},
        )

    def save_existing(self, user, learning, data):
        return save(
            self.form_for(learning, data),
            incident_services.learning_update,
            learning=learning,
            by=user,
            fields=lambda d: {name: d[name] for name in LEARNING_FIELDS},
        )


@extend_schema_view(
    create=extend_schema(request=serializers.SafetyActionWriteSerializer),
    update=extend_schema(request=serializers.SafetyActionUpdateSerializer),
    partial_update=extend_schema(request=serializers.SafetyActionUpdateSerializer),
)
class SafetyActionViewSet(CreateThroughForm, UpdateThroughForm, ReadViewSet):
    """Safety actions of the providers you can see. Owners are people of the provider or
    its LMNS; a completed action needs its evidence."""

    serializer_class = serializers.SafetyActionSerializer
    filterset_class = SafetyActionFilter

    def get_queryset(self):
        return SafetyAction.objects.visible_to(self.request.user).select_related("provider")

    def form_for(self, action, data):
        return SafetyActionForm(data, instance=action, user=self.request.user, provider=action.provider)

    def save_new(self, user, data):
        form = SafetyActionForm(data, user=user)
        choose_provider(form, action_label="record safety actions")
        return save(form, incident_services.safety_action_create, by=user, fields=lambda d: d)

    def save_existing(self, user, action, data):
        return save(
            self.form_for(action, data),
            incident_services.safety_action_update,
            action=action,
            by=user,
            fields=lambda d: d,
        )


class SsigMeetingViewSet(ReadViewSet):
    """Safety System Improvement Group meetings of your LMNS."""

    serializer_class = serializers.SsigMeetingSerializer
    filterset_class = SsigMeetingFilter

    def get_queryset(self):
        return (
            SsigMeeting.objects.visible_to(self.request.user)
            .select_related("lmns")
            .prefetch_related("attended_by", "themes_agreed")
        )


class IncidentTypeViewSet(ReadViewSet):
    """Incident types a record of your LMNS may use (every LMNS's and your LMNS's own): the ids
    an incident's ``incident_type`` takes. Retired types (``is_active`` false) stay listed for
    older incidents but cannot be given to a new one."""

    serializer_class = serializers.IncidentTypeSerializer

    def get_queryset(self):
        return IncidentType.objects.visible_to(self.request.user).select_related("lmns")


class ThemeViewSet(ReadViewSet):
    """Learning themes of your LMNS (every LMNS's and your LMNS's own): the ids learning's
    ``themes`` take. Retired themes (``is_active`` false) stay listed for older learning."""

    serializer_class = serializers.ThemeSerializer

    def get_queryset(self):
        return Theme.objects.visible_to(self.request.user).select_related("lmns")


class UnitViewSet(ReadViewSet):
    """Maternity and neonatal units of the providers you can see: the ids an incident's
    ``unit`` takes (a unit of the incident's own provider)."""

    serializer_class = serializers.UnitSerializer

    def get_queryset(self):
        return Unit.objects.visible_to(self.request.user).select_related("provider")


class FrameworkViewSet(ReadViewSet):
    """Compliance frameworks: the deployment's and the user's LMNSs' own, drafts only to those who
    check them (``FrameworkQuerySet.visible_to``)."""

    lookup_field = "slug"
    lookup_value_converter = "slug"

    def get_queryset(self):
        frameworks = Framework.objects.visible_to(self.request.user)
        if self.action == "retrieve":
            actions = FrameworkAction.objects.prefetch_related("requirements")
            frameworks = frameworks.prefetch_related(Prefetch("actions", queryset=actions))
        return frameworks

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.FrameworkDetailSerializer
        return serializers.FrameworkSerializer


class AssessmentViewSet(ReadViewSet):
    """Your providers' assessments, one per framework."""

    serializer_class = serializers.AssessmentSerializer

    def get_queryset(self):
        return Assessment.objects.visible_to(self.request.user).select_related("provider", "framework")


@extend_schema_view(
    update=extend_schema(request=serializers.AssessmentItemWriteSerializer),
    partial_update=extend_schema(request=serializers.AssessmentItemWriteSerializer),
)
class AssessmentItemViewSet(UpdateThroughForm, ReadViewSet):
    """Your providers' answers to each requirement. Those who may assess at the provider
    change them; a change to a submitted answer withdraws it from LMNS verification."""

    serializer_class = serializers.AssessmentItemSerializer
    filterset_class = ItemFilter
    action_name = "assess"

    def get_queryset(self):
        return RequirementAssessment.objects.visible_to(self.request.user).select_related(
            "assessment__provider", "assessment__framework", "requirement"
        )

    def form_for(self, item, data):
        return ItemForm(data, instance=item)

    def save_existing(self, user, item, data):
        return save(
            self.form_for(item, data), assurance_services.item_update, item=item, by=user, fields=lambda d: d
        )


@extend_schema_view(create=extend_schema(request=serializers.WorkforceReturnWriteSerializer))
class WorkforceReturnViewSet(CreateThroughForm, ReadViewSet):
    """Your providers' monthly workforce returns; submitted by the provider lead."""

    serializer_class = serializers.WorkforceReturnSerializer

    def get_queryset(self):
        return (
            WorkforceReturn.objects.visible_to(self.request.user)
            .select_related("provider")
            .prefetch_related(
                Prefetch(
                    "perinatal_sites",
                    queryset=PerinatalReturn.objects.select_related("unit").order_by(
                        *birth_site_ordering("unit__")
                    ),
                )
            )
            .with_training()
        )

    def create(self, request, *args, **kwargs):
        # The perinatal figures come as a list of objects, which form_data would refuse as a field.
        body = dict(request.data) if isinstance(request.data, dict) else request.data
        perinatal = body.pop("perinatal", None) if isinstance(body, dict) else None
        record = monthly_return_save(request.user, form_data(body), perinatal=perinatal)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)


class QualityView(APIView):
    @extend_schema(
        summary="A provider's quality figures for a month or quarter",
        parameters=[
            OpenApiParameter(
                "month", OpenApiTypes.STR, description="YYYY-MM; the last complete month if omitted."
            ),
            OpenApiParameter(
                "quarter", OpenApiTypes.STR, description="A financial-year quarter, e.g. 2025-Q4."
            ),
        ],
        responses=serializers.QualitySerializer,
    )
    def get(self, request, ods_code):
        provider = access.get_for_user(
            Provider.objects.select_related("lmns"), request.user, ods_code=ods_code
        )
        try:
            period = quality_selectors.period_from(request.query_params)
        except ValueError:
            raise ValidationError(
                {"month": ["Give a month as YYYY-MM, or a quarter, that has started."]}
            ) from None
        data = quality_selectors.quality_as_data(
            quality_selectors.provider_quality(user=self.request.user, provider=provider, period=period)
        )
        domains = [domain for domain in data["domains"] if domain["name"] != quality_selectors.SPEAKING_UP]
        return Response(
            serializers.QualitySerializer({**data, "provider": provider, "domains": domains}).data
        )

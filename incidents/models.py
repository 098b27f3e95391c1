"""Incidents, the learning from them, safety actions, and the LMNS's Safety System
Improvement Group (SSIG) where providers share that learning."""

from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from lmns.access import lmnss_for
from lmns.historical_records import HistoricalRecords
from lmns.models import Lmns, LmnsScopedQuerySet, Membership, Provider, ProviderScopedQuerySet, Unit
from lmns.reference_data import CodedReferenceEntry, ReferenceEntry

PID_WARNING = (
    "Describe care, not people. Do not enter names, NHS numbers, dates of birth, addresses "
    "or anything else that could identify a patient, family member or member of staff."
)


# --- Reference data ------------------------------------------------------------------------


def check_available(entries, *, lmns_id: int, field: str) -> None:
    """Refuse another LMNS's own entries: a record of LMNS ``lmns_id`` holds only the
    deployment-wide entries and those of its own LMNS."""
    if not all(entry.available_in(lmns_id) for entry in entries):
        raise ValidationError({field: "Choose entries used in this LMNS."})


class IncidentType(ReferenceEntry):
    """A maternity or neonatal incident type or review trigger."""

    class Group(models.TextChoices):
        MATERNAL = "maternal", "Maternal"
        # A stillbirth or late fetal loss is not a neonatal event: the baby was never born alive.
        FETAL = "fetal", "Fetal loss and stillbirth"
        NEONATAL = "neonatal", "Neonatal"
        SERVICE = "service", "Service and organisation"

    name = models.CharField(max_length=120)
    group = models.CharField(max_length=20, choices=Group.choices)
    is_active = models.BooleanField(default=True, help_text="Inactive types stay on old incidents only.")
    source = models.CharField(max_length=200, blank=True, help_text="Where this entry comes from.")
    is_death = models.BooleanField(
        "A death",
        default=False,
        # In the database too, so that a row written by code older than the column (migration
        # 0014's own) still saves.
        db_default=False,
        help_text="An incident of this type is graded fatal, or says why not.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["group", "name"]
        constraints = [
            models.UniqueConstraint(
                "name", condition=Q(lmns__isnull=True), name="incident_type_name_unique_deployment_wide"
            ),
            models.UniqueConstraint("lmns", "name", name="incident_type_name_unique_in_lmns"),
        ]

    def __str__(self):
        return self.name


class Theme(ReferenceEntry):
    """A learning theme from the LMNS's controlled vocabulary."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "name", condition=Q(lmns__isnull=True), name="theme_name_unique_deployment_wide"
            ),
            models.UniqueConstraint("lmns", "name", name="theme_name_unique_in_lmns"),
        ]

    def __str__(self):
        return self.name


class ReferralBody(CodedReferenceEntry):
    """An external body an incident can be referred or notified to (MNSI, PMRT, MBRRACE-UK,
    the coroner, or one an LMNS adds). The code is fixed: imports name a body's columns
    ``<code>_referred_on`` and ``<code>_reference``, and saved import mappings keep them.

    MNSI's referral is the one exception to ``IncidentReferral``: it stays on the incident
    (``Incident.mnsi_referred_on``), beside what MNSI decided and the family being told, which
    MIS safety action 10 counts; so its row here names and orders it, and stores nothing.
    """

    MNSI = "mnsi"
    PMRT = "pmrt"  # counted on the quality view and the visit brief

    description = models.TextField(blank=True, help_text="What is referred or notified, and when.")

    history = HistoricalRecords()

    class Meta(CodedReferenceEntry.Meta):
        verbose_name = "referral body"
        verbose_name_plural = "referral bodies"
        constraints = [
            models.UniqueConstraint(
                "label", condition=Q(lmns__isnull=True), name="referral_body_label_unique_deployment_wide"
            ),
            models.UniqueConstraint("lmns", "label", name="referral_body_label_unique_in_lmns"),
        ]

    @property
    def kept_on_incident(self) -> bool:
        return self.code == self.MNSI

    @property
    def date_field(self) -> str:
        """The name of its date in an import mapping, as the columns were called."""
        return f"{self.code}_referred_on"

    @property
    def reference_field(self) -> str:
        return f"{self.code}_reference"

    def clean(self):
        super().clean()
        if self.kept_on_incident and not self.is_active:
            raise ValidationError(
                {"is_active": "MNSI's referral is part of the incident's MNSI questions: keep it."}
            )
        if not self.kept_on_incident and self.code:
            taken = {field.name for field in Incident._meta.get_fields()}
            if {self.date_field, self.reference_field} & taken:
                raise ValidationError({"code": "This code would name an incident field. Choose another."})


# --- Incidents ------------------------------------------------------------------------------


class PhysicalHarm(models.TextChoices):
    # LFPSE grades physical and psychological harm separately.
    NONE = "none", "No physical harm"
    LOW = "low", "Low physical harm"
    MODERATE = "moderate", "Moderate physical harm"
    SEVERE = "severe", "Severe physical harm"
    FATAL = "fatal", "Fatal"


class PsychologicalHarm(models.TextChoices):
    NONE = "none", "No psychological harm"
    LOW = "low", "Low psychological harm"
    MODERATE = "moderate", "Moderate psychological harm"
    SEVERE = "severe", "Severe psychological harm"


# "Moderate harm or worse" counts psychological harm as well as physical: LFPSE grades the two
# separately and the duty of candour covers moderate psychological harm (docs/definitions.md).
# Every count of it goes through this one condition.
MODERATE_OR_WORSE_PHYSICAL = (PhysicalHarm.MODERATE, PhysicalHarm.SEVERE, PhysicalHarm.FATAL)
MODERATE_OR_WORSE_PSYCHOLOGICAL = (PsychologicalHarm.MODERATE, PsychologicalHarm.SEVERE)
MODERATE_OR_WORSE = Q(physical_harm__in=MODERATE_OR_WORSE_PHYSICAL) | Q(
    psychological_harm__in=MODERATE_OR_WORSE_PSYCHOLOGICAL
)


def moderate_or_worse(physical_harm, psychological_harm) -> bool:
    """The same condition for one incident's grades (as stored, or as chosen on its form)."""
    return (
        physical_harm in MODERATE_OR_WORSE_PHYSICAL or psychological_harm in MODERATE_OR_WORSE_PSYCHOLOGICAL
    )


class ResponseType(models.TextChoices):
    # PSIRF learning responses.
    PSII = "psii", "Patient safety incident investigation (PSII)"
    AFTER_ACTION_REVIEW = "aar", "After action review"
    SWARM_HUDDLE = "swarm", "SWARM huddle"
    MDT_REVIEW = "mdt", "Multidisciplinary team review"
    THEMATIC_REVIEW = "thematic", "Thematic review"
    # Referral to MNSI for its independent investigation, and the perinatal mortality review,
    # are learning responses in their own right under PSIRF (docs/definitions.md).
    MNSI_INVESTIGATION = "mnsi", "MNSI investigation"
    PMRT_REVIEW = "pmrt", "Perinatal Mortality Review Tool (PMRT) review"
    NO_FURTHER_RESPONSE = "none", "No further response"


class MnsiDecision(models.TextChoices):
    ACCEPTED = "accepted", "Accepted for investigation"
    DECLINED = "declined", "Declined"


class EarlyNotification(models.TextChoices):
    # NHS Resolution's Early Notification scheme takes babies with potential severe brain
    # injury, on MNSI's criteria; "not referred" is a case that met them and was not reported.
    REFERRED = "referred", "Referred"
    NOT_REFERRED = "not_referred", "Eligible but not referred"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"


# MIS safety action 10 asks that every qualifying case is reported to MNSI and to NHS
# Resolution's Early Notification scheme, and that the family is told of the MNSI referral
# (docs/definitions.md). Each part is what should have happened (``of``) and what did
# (``done``). A case referred to MNSI counts as qualifying unless recorded as not meeting
# MNSI's criteria, since the referral says the provider judged it did.
MNSI_REFERRED = Q(mnsi_referred_on__isnull=False)
MNSI_QUALIFYING = Q(mnsi_qualifying=True) | (Q(mnsi_qualifying__isnull=True) & MNSI_REFERRED)
SA10_PARTS = {
    "mnsi": ("Qualifying cases referred to MNSI", MNSI_QUALIFYING, MNSI_QUALIFYING & MNSI_REFERRED),
    "early_notification": (
        "Eligible cases referred to NHS Resolution's Early Notification scheme",
        Q(early_notification__in=[EarlyNotification.REFERRED, EarlyNotification.NOT_REFERRED]),
        Q(early_notification=EarlyNotification.REFERRED),
    ),
    "family_told": (
        "Families told of the MNSI referral",
        MNSI_REFERRED,
        MNSI_REFERRED & Q(mnsi_family_told_on__isnull=False),
    ),
}


class DutyOfCandour(models.TextChoices):
    NOT_YET_KNOWN = "unknown", "Not yet known"
    APPLIES = "applies", "Applies"
    DOES_NOT_APPLY = "not_applicable", "Does not apply"


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", "Reported"
    UNDER_REVIEW = "under_review", "Under review"
    RESPONSE_UNDERWAY = "response_underway", "Learning response underway"
    CLOSED = "closed", "Closed"


# The incident's path from report to closure; anything else is refused.
INCIDENT_TRANSITIONS = {
    IncidentStatus.REPORTED: {IncidentStatus.UNDER_REVIEW},
    IncidentStatus.UNDER_REVIEW: {IncidentStatus.RESPONSE_UNDERWAY, IncidentStatus.CLOSED},
    IncidentStatus.RESPONSE_UNDERWAY: {IncidentStatus.CLOSED},
    IncidentStatus.CLOSED: {IncidentStatus.UNDER_REVIEW},
}


class IncidentQuerySet(ProviderScopedQuerySet):
    def open(self):
        return self.exclude(status=IncidentStatus.CLOSED)

    def moderate_or_worse(self):
        return self.filter(MODERATE_OR_WORSE)

    def referred_to(self, code: str):
        """Incidents referred to the body with ``code`` (MNSI's date is on the incident)."""
        if code == ReferralBody.MNSI:
            return self.filter(MNSI_REFERRED)
        return self.filter(referral_exists(code))

    def needing_learning(self):
        """Open incidents whose chosen learning response has no learning recorded from it yet.
        Until a response is chosen, nobody yet knows whether learning will follow."""
        return (
            self.open()
            .exclude(response_type__in=["", ResponseType.NO_FURTHER_RESPONSE])
            .exclude(Exists(Learning.incidents.through.objects.filter(incident=OuterRef("pk"))))
        )

    def with_any_referral(self):
        return self.filter(MNSI_REFERRED | Q(referral_exists()))


class Incident(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="incidents")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="incidents")
    local_reference = models.CharField(
        max_length=50, help_text="Your Datix, InPhase, Ulysses or LFPSE reference for this incident."
    )
    occurred_on = models.DateField("Date occurred")
    reported_on = models.DateField("Date reported")
    incident_type = models.ForeignKey(IncidentType, on_delete=models.PROTECT, related_name="incidents")
    physical_harm = models.CharField(max_length=20, choices=PhysicalHarm.choices)
    not_fatal_reason = models.TextField(
        "Why the physical harm is not graded fatal",
        blank=True,
        help_text="Only for a death graded other than fatal, for example when the harm is graded "
        "for the mother after a stillbirth. " + PID_WARNING,
    )
    psychological_harm = models.CharField(max_length=20, choices=PsychologicalHarm.choices)
    response_type = models.CharField(
        "Learning response", max_length=20, choices=ResponseType.choices, blank=True
    )
    mnsi_referred_on = models.DateField("Referred to MNSI on", null=True, blank=True)
    mnsi_reference = models.CharField("MNSI reference", max_length=50, blank=True)
    mnsi_qualifying = models.BooleanField(
        "Meets MNSI's referral criteria",
        null=True,
        blank=True,
        help_text="A case referred to MNSI counts as meeting them unless you answer no.",
    )
    mnsi_decision = models.CharField(
        "MNSI's decision", max_length=20, choices=MnsiDecision.choices, blank=True
    )
    mnsi_decision_on = models.DateField("MNSI decided on", null=True, blank=True)
    mnsi_decision_reason = models.TextField(
        "Reason MNSI gave", blank=True, help_text="Needed when MNSI declined the referral."
    )
    mnsi_family_told_on = models.DateField("Family told of the MNSI referral on", null=True, blank=True)
    mnsi_report_received_on = models.DateField("MNSI report received on", null=True, blank=True)
    early_notification = models.CharField(
        "NHS Resolution Early Notification",
        max_length=20,
        choices=EarlyNotification.choices,
        blank=True,
    )
    early_notification_reference = models.CharField("Early Notification reference", max_length=50, blank=True)
    duty_of_candour = models.CharField(
        max_length=20, choices=DutyOfCandour.choices, default=DutyOfCandour.NOT_YET_KNOWN
    )
    duty_of_candour_completed_on = models.DateField("Duty of candour completed on", null=True, blank=True)
    summary = models.TextField("What happened", help_text=PID_WARNING)
    immediate_actions = models.TextField(blank=True, help_text=PID_WARNING)
    status = models.CharField(max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.REPORTED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set by the LMNS safety lead or a system administrator while the incident may be needed
    # in a claim, inquest or investigation: retention (quality.retention) never deletes it.
    legal_hold = models.BooleanField(
        "Under legal hold",
        default=False,
        help_text="Kept whatever the retention period while this is set.",
    )
    source_import = models.ForeignKey(
        "incidents.IncidentImport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        help_text="The import that last created or changed this incident.",
    )

    objects = IncidentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "local_reference"],
                name="incident_reference_unique_per_provider",
                violation_error_message="This provider already has an incident with this local reference.",
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "-occurred_on"]),
            models.Index(fields=["status"]),
            # The list's own order: an LMNS or region-wide list then reads its first pages
            # straight off the index instead of sorting every visible incident (bench/README.md).
            models.Index(fields=["-occurred_on", "-id"], name="incident_list_order_idx"),
            # Open investigations are counted from all of a provider's history (the quality view
            # and overview); with the status in the index the count reads only its investigations.
            models.Index(fields=["provider", "response_type", "status"], name="incident_response_idx"),
        ]

    def __str__(self):
        return f"{self.local_reference} ({self.incident_type})"

    def get_absolute_url(self):
        return reverse("incidents:incident-detail", kwargs={"pk": self.pk})

    @property
    def is_moderate_or_worse(self) -> bool:
        return moderate_or_worse(self.physical_harm, self.psychological_harm)

    def external_referrals(self) -> list[tuple[str, object, str]]:
        """(body, date, reference) for each external body this incident went to, in the
        bodies' order: MNSI's from the incident, the others from its referral rows."""
        held = self.referrals.all()
        if "referrals" not in getattr(self, "_prefetched_objects_cache", {}):
            held = held.select_related("body")
        rows = [(r.body, r.referred_on, r.reference) for r in held]
        if self.mnsi_referred_on:
            mnsi = ReferralBody.objects.filter(code=ReferralBody.MNSI).first()
            rows.append((mnsi or "MNSI", self.mnsi_referred_on, self.mnsi_reference))
        return sorted(rows, key=lambda row: (getattr(row[0], "order", 0), str(row[0])))

    def allowed_transitions(self) -> list[IncidentStatus]:
        allowed = INCIDENT_TRANSITIONS[IncidentStatus(self.status)]
        return [status for status in IncidentStatus if status in allowed]

    def clean(self):
        errors = {}
        today = timezone.localdate()
        if self.occurred_on and self.occurred_on > today:
            errors["occurred_on"] = "The date occurred cannot be in the future."
        if self.reported_on and self.reported_on > today:
            errors["reported_on"] = "The date reported cannot be in the future."
        if self.occurred_on and self.reported_on and self.reported_on < self.occurred_on:
            errors["reported_on"] = "The date reported cannot be before the date occurred."
        if self.unit_id and self.provider_id and self.unit.provider_id != self.provider_id:
            errors["unit"] = "Choose a unit of this provider."
        errors |= self._harm_errors()
        if self.mnsi_reference and not self.mnsi_referred_on:
            errors["mnsi_referred_on"] = "Enter the date of the MNSI referral, or remove its reference."
        elif problem := referral_date_problem(
            self.mnsi_referred_on, occurred_on=self.occurred_on, today=today
        ):
            errors["mnsi_referred_on"] = problem.format(body="MNSI")
        errors |= self._mnsi_errors(today)
        if self.early_notification_reference and self.early_notification != EarlyNotification.REFERRED:
            errors["early_notification_reference"] = (
                "Only record an Early Notification reference for a case referred to the scheme."
            )
        completed_on = self.duty_of_candour_completed_on
        if completed_on and self.duty_of_candour != DutyOfCandour.APPLIES:
            errors["duty_of_candour_completed_on"] = (
                "Only record a completion date when duty of candour applies."
            )
        elif completed_on and completed_on > today:
            errors["duty_of_candour_completed_on"] = "The completion date cannot be in the future."
        elif completed_on and self.occurred_on and completed_on < self.occurred_on:
            errors["duty_of_candour_completed_on"] = (
                "Duty of candour cannot be completed before the incident."
            )
        if errors:
            raise ValidationError(errors)

    def _harm_errors(self) -> dict[str, str]:
        """A death is graded fatal: a board reading "Maternal death: no physical harm" stops
        trusting every figure beside it. Another grade needs its reason recorded."""
        if not self.incident_type_id or not self.physical_harm:
            return {}
        is_death = self.incident_type.is_death
        if is_death and self.physical_harm != PhysicalHarm.FATAL and not self.not_fatal_reason.strip():
            return {
                "physical_harm": f"{self.incident_type} is a death: choose “Fatal”, or say why the harm "
                "is graded otherwise"
            }
        if self.not_fatal_reason.strip() and (not is_death or self.physical_harm == PhysicalHarm.FATAL):
            return {
                "not_fatal_reason": "Only say why the harm is not fatal for a death graded other "
                "than fatal: clear this box"
            }
        return {}

    def _mnsi_errors(self, today) -> dict[str, str]:
        """What MNSI did with a referral must follow the referral, in order, and not lie ahead."""
        errors = {}
        later = {
            "mnsi_decision": self.mnsi_decision,
            "mnsi_decision_on": self.mnsi_decision_on,
            "mnsi_decision_reason": self.mnsi_decision_reason,
            "mnsi_family_told_on": self.mnsi_family_told_on,
            "mnsi_report_received_on": self.mnsi_report_received_on,
        }
        if not self.mnsi_referred_on:
            for name, value in later.items():
                if value:
                    errors[name] = "Enter the date of the MNSI referral first."
            return errors
        if self.mnsi_decision and not self.mnsi_decision_on:
            errors["mnsi_decision_on"] = "Enter the date MNSI decided."
        elif self.mnsi_decision_on and not self.mnsi_decision:
            errors["mnsi_decision"] = "Say whether MNSI accepted or declined the referral."
        elif self.mnsi_decision_on and self.mnsi_decision_on < self.mnsi_referred_on:
            errors["mnsi_decision_on"] = "MNSI cannot decide before the referral."
        elif self.mnsi_decision_on and self.mnsi_decision_on > today:
            errors["mnsi_decision_on"] = "The decision date cannot be in the future."
        if self.mnsi_decision == MnsiDecision.DECLINED and not self.mnsi_decision_reason.strip():
            errors["mnsi_decision_reason"] = "Enter the reason MNSI gave for declining."
        received_on = self.mnsi_report_received_on
        if received_on and self.mnsi_decision != MnsiDecision.ACCEPTED:
            errors["mnsi_report_received_on"] = "Only an investigation MNSI accepted has a report."
        elif received_on and self.mnsi_decision_on and received_on < self.mnsi_decision_on:
            errors["mnsi_report_received_on"] = "The report cannot arrive before MNSI accepted the case."
        elif received_on and received_on > today:
            errors["mnsi_report_received_on"] = "The report date cannot be in the future."
        told_on = self.mnsi_family_told_on
        if told_on and told_on > today:
            errors["mnsi_family_told_on"] = "The date the family was told cannot be in the future."
        elif told_on and self.occurred_on and told_on < self.occurred_on:
            errors["mnsi_family_told_on"] = "The family cannot be told before the incident occurred."
        return errors


def referral_exists(code: str | None = None) -> Exists:
    """True for an incident with a referral row (to the body with ``code``, if given): for a
    count's filter. MNSI's referral is ``MNSI_REFERRED``, on the incident."""
    rows = IncidentReferral.objects.filter(incident=OuterRef("pk"))
    return Exists(rows.filter(body__code=code) if code else rows)


def referral_date_problem(referred_on, *, occurred_on, today) -> str | None:
    """What is wrong with a referral's date, with ``{body}`` for the body's name; or None."""
    if referred_on and referred_on > today:
        return "The {body} referral date cannot be in the future."
    if referred_on and occurred_on and referred_on < occurred_on:
        return "The {body} referral cannot be before the incident occurred."
    return None


class IncidentReferral(models.Model):
    """An incident's referral or notification to one external body other than MNSI (whose
    referral is the incident's own ``mnsi_referred_on``)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="referrals")
    body = models.ForeignKey(ReferralBody, on_delete=models.PROTECT, related_name="referrals")
    referred_on = models.DateField("Referred on")
    reference = models.CharField(max_length=50, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["body__order", "body__label"]
        constraints = [
            models.UniqueConstraint("incident", "body", name="incident_referral_one_per_body"),
        ]

    def __str__(self):
        return f"{self.body} on {self.referred_on:%d %B %Y}"

    def clean(self):
        super().clean()
        if not self.body_id or not self.incident_id:
            return
        if self.body.kept_on_incident:
            raise ValidationError({"body": "Record the MNSI referral in the incident's MNSI questions."})
        if not self.body.available_in(self.incident.provider.lmns_id):
            raise ValidationError({"body": "Choose a body used in this LMNS."})
        problem = referral_date_problem(
            self.referred_on, occurred_on=self.incident.occurred_on, today=timezone.localdate()
        )
        if problem:
            raise ValidationError({"referred_on": problem.format(body=self.body.label)})


# --- Learning --------------------------------------------------------------------------------


class LearningStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED_OFF = "signed_off", "Signed off"
    SUBMITTED = "submitted", "Submitted to SSIG"
    SHARED = "shared", "Shared across the LMNS"


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class LearningQuerySet(models.QuerySet):
    def visible_to(self, user, *, own_only: bool = False):
        """A provider's own learning, and learning shared at an SSIG of the user's LMNS.

        ``own_only`` leaves out the other providers' shared learning: the provider's own
        workspace (its learning list, its theme analysis) is its learning in every status,
        and the library is where the LMNS's shared learning is read.
        """
        from lmns.access import providers_for

        own = Q(provider__in=providers_for(user))
        if own_only:
            return self.filter(own)
        return self.filter(own | Q(status=LearningStatus.SHARED, provider__lmns__in=lmnss_for(user)))

    def shared(self):
        return self.filter(status=LearningStatus.SHARED)

    def shared_between(self, start: date, end: date):
        """Learning shared at an SSIG meeting held from ``start`` up to (not including) ``end``:
        "learning shared" in a period, counted by the meeting it was shared at, on every page
        and export that shows it (the quality view, its board pack, the pre-visit pack).

        Between the local midnights that start and end the period: a __date lookup would make
        SQLite convert every meeting's time in Python."""
        return self.shared().filter(
            submission__meeting__held_at__gte=_local_midnight(start),
            submission__meeting__held_at__lt=_local_midnight(end),
        )


class Learning(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="learning")
    title = models.CharField(max_length=200)
    what_happened = models.TextField(help_text=PID_WARNING)
    what_we_learned = models.TextField(help_text=PID_WARNING)
    what_we_changed = models.TextField(help_text=PID_WARNING)
    incidents = models.ManyToManyField(
        Incident,
        blank=True,
        related_name="learning",
        help_text="Leave empty for thematic learning that draws on no single incident.",
    )
    themes = models.ManyToManyField(Theme, related_name="learning")
    status = models.CharField(max_length=20, choices=LearningStatus.choices, default=LearningStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)

    objects = LearningQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "learning"

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("incidents:learning-detail", kwargs={"pk": self.pk})

    @property
    def is_editable(self):
        return self.status == LearningStatus.DRAFT


# --- Safety actions --------------------------------------------------------------------------


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


class ActionSource(models.TextChoices):
    LOCAL = "local", "The provider's own learning"
    MNSI = "mnsi", "MNSI safety recommendation"


class SafetyActionQuerySet(ProviderScopedQuerySet):
    def outstanding(self):
        return self.exclude(status=ActionStatus.COMPLETED)

    def overdue(self, today=None):
        return self.outstanding().filter(due_on__lt=today or timezone.localdate())


class SafetyAction(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="safety_actions")
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="safety_actions"
    )
    learning = models.ForeignKey(
        Learning, on_delete=models.PROTECT, null=True, blank=True, related_name="safety_actions"
    )
    description = models.TextField(help_text=PID_WARNING)
    source = models.CharField(max_length=20, choices=ActionSource.choices, default=ActionSource.LOCAL)
    source_reference = models.CharField(
        max_length=50, blank=True, help_text="For example the number of MNSI's safety recommendation."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="safety_actions",
        help_text="The person responsible; they receive the weekly overdue digest.",
    )
    due_on = models.DateField("Due date")
    status = models.CharField(max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    completion_evidence = models.TextField(
        blank=True, help_text="What shows the action is done, for example a revised guideline or audit."
    )
    completed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SafetyActionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self):
        return self.description[:80]

    def get_absolute_url(self):
        return reverse("incidents:action-detail", kwargs={"pk": self.pk})

    @property
    def is_overdue(self):
        return self.status != ActionStatus.COMPLETED and self.due_on < timezone.localdate()

    def _owner_belongs(self) -> bool:
        # The overdue digest goes to the owner: it must reach someone accountable here.
        return Membership.objects.filter(
            Q(provider_id=self.provider_id) | Q(lmns_id=self.provider.lmns_id), user_id=self.owner_id
        ).exists()

    def clean(self):
        errors = {}
        if self.incident_id and self.incident.provider_id != self.provider_id:
            errors["incident"] = "Choose an incident of this provider."
        if self.learning_id and self.learning.provider_id != self.provider_id:
            errors["learning"] = "Choose learning of this provider."
        if self.owner_id and self.provider_id and not self._owner_belongs():
            errors["owner"] = "Choose someone from this provider or its LMNS."
        if self.status == ActionStatus.COMPLETED and not self.completion_evidence.strip():
            errors["completion_evidence"] = "Say what shows the action is complete."
        if self.source == ActionSource.MNSI and not (
            self.incident_id and self.incident.mnsi_report_received_on
        ):
            errors["incident"] = (
                "An MNSI recommendation comes from the MNSI report on one of the provider's incidents."
            )
        if errors:
            raise ValidationError(errors)


# --- The Safety System Improvement Group -----------------------------------------------------


class SsigMeeting(models.Model):
    lmns = models.ForeignKey(
        Lmns, on_delete=models.PROTECT, related_name="ssig_meetings", verbose_name="LMNS"
    )
    meeting_on = models.DateField("Meeting date")
    submission_deadline = models.DateField(
        help_text="Providers submit signed-off learning by the end of this day."
    )
    attended_by = models.ManyToManyField(Provider, blank=True, related_name="ssig_meetings_attended")
    attendees = models.TextField(
        blank=True, help_text="Roles present, for example 'Director of Midwifery, ZZA'."
    )
    themes_agreed = models.ManyToManyField(Theme, blank=True, related_name="ssig_meetings")
    escalations = models.TextField(blank=True, help_text=PID_WARNING)
    learning_event_topics = models.TextField(blank=True)
    held_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the meeting is recorded as held."
    )

    objects = LmnsScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-meeting_on"]
        constraints = [
            models.UniqueConstraint(fields=["lmns", "meeting_on"], name="one_ssig_per_lmns_per_day"),
            models.CheckConstraint(
                condition=Q(submission_deadline__lte=models.F("meeting_on")),
                name="ssig_deadline_not_after_meeting",
                violation_error_message="The submission deadline must be on or before the meeting date.",
            ),
        ]

    def __str__(self):
        return f"SSIG {self.meeting_on:%-d %B %Y}"

    def get_absolute_url(self):
        return reverse("incidents:meeting-detail", kwargs={"pk": self.pk})

    @property
    def is_held(self):
        return self.held_at is not None

    @property
    def has_met(self) -> bool:
        """The meeting's day has come: only then can it be recorded as held."""
        return self.meeting_on <= timezone.localdate()

    @property
    def is_past_deadline(self) -> bool:
        """Providers submit their own learning until the end of the deadline day; a late
        submission is the LMNS's to accept only after it."""
        return timezone.localdate() > self.submission_deadline


class SsigSubmission(models.Model):
    meeting = models.ForeignKey(SsigMeeting, on_delete=models.PROTECT, related_name="submissions")
    learning = models.OneToOneField(Learning, on_delete=models.PROTECT, related_name="submission")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    late_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="The LMNS member who accepted a submission after the deadline.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["submitted_at"]

    def __str__(self):
        return f"{self.learning} at {self.meeting}"


class LearningEvent(models.Model):
    lmns = models.ForeignKey(
        Lmns, on_delete=models.PROTECT, related_name="learning_events", verbose_name="LMNS"
    )
    topic = models.CharField(max_length=200)
    held_on = models.DateField("Date")
    description = models.TextField(blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="learning_events")
    learning = models.ManyToManyField(Learning, blank=True, related_name="learning_events")

    objects = LmnsScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on"]

    def __str__(self):
        return self.topic

    def get_absolute_url(self):
        return reverse("incidents:event-detail", kwargs={"pk": self.pk})


# Improvement plans and the health survey, the calendar of activities, highlight reports, import
# mappings and imports live in their own packages; loading them here registers them.
from incidents.calendar.models import (  # noqa: E402, F401
    CalendarCohort,
    CalendarEvent,
    CalendarFeed,
    EventAttendance,
    EventMaterial,
)
from incidents.highlights.models import HighlightReport, HighlightSchedule  # noqa: E402, F401
from incidents.imports.models import ImportMapping, IncidentImport  # noqa: E402, F401
from incidents.improvement.models import (  # noqa: E402, F401
    CommunicationItem,
    ImprovementPlan,
    PdsaCycle,
    PlanMeasure,
    PlanMeasureValue,
    PlanTeamMember,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
    SurveyRound,
)

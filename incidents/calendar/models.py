"""The LMNS's calendar of activities: learning sets, local learning system meetings, webinars,
sharing days, clinics and debriefs, with their audience, materials and attendance; and each
person's secret calendar feed address.

Loaded by ``incidents.models`` so that Django finds them in the incidents app.
"""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from lmns.historical_records import HistoricalRecords
from lmns.models import Lmns, Provider

EVENT_TEXT_WARNING = (
    "Describe the session, not people. Do not enter names, NHS numbers or anything else that could "
    "identify a patient, family member or member of staff."
)


class EventKind(models.TextChoices):
    LEARNING_SET = "learning_set", "Learning set"
    LOCAL_LEARNING_SYSTEM = "local_learning_system", "Local learning system meeting"
    WEBINAR = "webinar", "Webinar"
    SHARING_DAY = "sharing_day", "Sharing day"
    CLINIC = "clinic", "Clinic"
    DEBRIEF = "debrief", "Debrief"


class CalendarCohortQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Only the LMNS's own members: a provider is never told which others share its cohort."""
        from lmns.access import lmnss_staffed_by

        return self.filter(lmns__in=lmnss_staffed_by(user))


class CalendarCohort(models.Model):
    """A named set of the LMNS's providers, such as “Wave 2 of the collaborative”, that an event
    can be for. Read when the calendar is read, so a provider added later is included."""

    lmns = models.ForeignKey(
        Lmns, on_delete=models.PROTECT, related_name="calendar_cohorts", verbose_name="LMNS"
    )
    name = models.CharField(max_length=200, help_text="For example “Wave 2 of the collaborative”.")
    providers = models.ManyToManyField(Provider, related_name="calendar_cohorts")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CalendarCohortQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[providers])

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["lmns", "name"],
                name="calendar_cohort_name_once_per_lmns",
                violation_error_message="The LMNS already has a cohort of this name.",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("incidents:calendar-cohort-edit", kwargs={"pk": self.pk})


class CalendarEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The LMNS's own members see every event of their LMNS; a provider's users see those
        for all of their LMNS's providers, those whose chosen audience includes theirs, and those
        for a cohort their provider is in now."""
        from lmns.access import lmnss_for, lmnss_staffed_by, providers_for

        theirs = providers_for(user)
        chosen = CalendarEvent.providers.through.objects.filter(provider__in=theirs)
        cohorts = CalendarCohort.providers.through.objects.filter(provider__in=theirs)
        for_cohort = CalendarEvent.cohorts.through.objects.filter(
            calendarcohort__in=cohorts.values("calendarcohort")
        )
        return self.filter(
            Q(lmns__in=lmnss_staffed_by(user))
            | Q(for_all_providers=True, lmns__in=lmnss_for(user))
            | Q(pk__in=chosen.values("calendarevent"))
            | Q(pk__in=for_cohort.values("calendarevent"))
        )


class CalendarEvent(models.Model):
    lmns = models.ForeignKey(
        Lmns, on_delete=models.PROTECT, related_name="calendar_events", verbose_name="LMNS"
    )
    kind = models.CharField("Type of event", max_length=30, choices=EventKind.choices)
    title = models.CharField(max_length=200, help_text="For example “Wave 2 learning set 1”.")
    starts_at = models.DateTimeField("Starts")
    ends_at = models.DateTimeField("Ends")
    place = models.CharField(
        max_length=200, blank=True, help_text="Where it is held, for example “Engine Shed, Bristol”."
    )
    joining_link = models.URLField(
        "Joining link", max_length=500, blank=True, help_text="For an online session, the link to join it."
    )
    description = models.TextField(blank=True, help_text=EVENT_TEXT_WARNING)
    for_all_providers = models.BooleanField(
        "For every provider of the LMNS", default=True, help_text="Otherwise only the providers chosen."
    )
    providers = models.ManyToManyField(Provider, blank=True, related_name="calendar_events")
    cohorts = models.ManyToManyField(CalendarCohort, blank=True, related_name="events")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped on every change, so that a calendar app subscribed to the feed updates its copy.
    sequence = models.PositiveIntegerField(default=0)

    objects = CalendarEventQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[providers, cohorts])

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["lmns", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")),
                name="calendar_event_ends_after_it_starts",
                violation_error_message="The event must end after it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(joining_link=""),
                name="calendar_event_has_a_place_or_link",
                violation_error_message="Enter where the event is held, or a link to join it.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("incidents:calendar-event", kwargs={"pk": self.pk})

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            errors["ends_at"] = "The event must end after it starts."
        if not self.place and not self.joining_link:
            errors["place"] = "Enter where the event is held, or a link to join it."
        if errors:
            raise ValidationError(errors)

    @property
    def has_started(self) -> bool:
        """Attendance is recorded from the start of the event."""
        return self.starts_at <= timezone.now()


def material_upload_to(instance, filename):
    # Stored under an opaque name, like evidence: the original is kept for download.
    return f"calendar/{instance.event.lmns_id}/{timezone.now():%Y/%m}/{instance.token}"


class EventMaterial(models.Model):
    """A file (slides, a guide) or a link shared with an event's audience."""

    event = models.ForeignKey(CalendarEvent, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(max_length=200, help_text="For example “Interpreting your results slides”.")
    file = models.FileField(upload_to=material_upload_to, blank=True)
    token = models.CharField(max_length=40, editable=False, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    url = models.URLField("Link", max_length=500, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="event_material_is_a_file_or_a_link",
                violation_error_message="A material is either a file or a link.",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_file(self) -> bool:
        return bool(self.file)


class EventAttendance(models.Model):
    """Who came from one provider: how many people, and in which roles (never names)."""

    event = models.ForeignKey(CalendarEvent, on_delete=models.CASCADE, related_name="attendance")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    people = models.PositiveSmallIntegerField("People who attended")
    roles = models.CharField(
        "Roles present",
        max_length=300,
        blank=True,
        help_text="For example “Director of Midwifery, consultant obstetrician”. Roles, not names.",
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["provider__name"]
        constraints = [
            models.UniqueConstraint(fields=["event", "provider"], name="event_attendance_once_per_provider")
        ]

    def __str__(self):
        return f"{self.provider} at {self.event}"


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    """A person's secret calendar address. Only a hash of its token is kept: the address is
    shown once, when made, and making a new one retires the old."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    def __str__(self):
        return f"Calendar feed of {self.user}"

"""How each person wants to hear of work that arrives for them, and what waits for their
daily summary (lmns.work_email.services)."""

from django.conf import settings
from django.db import models


class Frequency(models.TextChoices):
    IMMEDIATELY = "immediately", "Straight away, one email each time"
    DAILY = "daily", "Once a day, in one morning summary"
    NEVER = "never", "Never: I will look at my home page"


class WorkKind(models.TextChoices):
    LEARNING_TO_SIGN_OFF = "learning_to_sign_off", "Learning awaiting sign-off"
    REQUIREMENT_CHALLENGED = "requirement_challenged", "Requirement challenged by the LMNS"
    CLOSURE_REQUESTED = "closure_requested", "Recommendation asking for closure"
    CONCERN_HANDED_OVER = "concern_handed_over", "Freedom to Speak Up concern handed over"
    CONCERN_RAISED = "concern_raised", "Freedom to Speak Up concern raised online"
    RAISER_WROTE = "raiser_wrote", "Message from someone who spoke up"


class WorkEmailPreference(models.Model):
    """One person's choice; someone who never chose is emailed straight away."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="work_email_preference"
    )
    frequency = models.CharField(max_length=12, choices=Frequency.choices, default=Frequency.IMMEDIATELY)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.user}: {self.get_frequency_display()}"


class PendingWorkEmail(models.Model):
    """Work that arrived for someone who chose the daily summary, until the summary goes.

    Only the kind is kept, never which record: the summary gives counts and links to the
    queues, and a row outliving its summary would say nothing a person could not read on
    their home page.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=WorkKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.user}"

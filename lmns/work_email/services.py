"""Emails telling people that work has arrived for them, as each person chose: straight away,
in one summary a day, or never.

Who is told comes from ``lmns.access.users_who_can``, the same rule that lets them act, so
nobody is emailed about work they could not open. An email names the kind of work and links
to it, nothing more: no incident, learning or concern text, and nothing about who spoke up.
Mailboxes are forwarded, shared and synced to phones; the records stay behind sign-in.

Call these inside the transaction that makes the work: emails go once it commits (through
``lmns.services.email_queue``, kept by the outbox if the broker is down), and summary lines
roll back with it.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from lmns import access, services
from lmns.models import Lmns, Provider, Role
from lmns.notifications import absolute_url
from lmns.work_email.models import Frequency, PendingWorkEmail, WorkEmailPreference, WorkKind


@dataclass(frozen=True)
class Kind:
    one: str
    many: str
    # The work queue listing this kind, as the home page links it (quality.work).
    queue: str
    query: dict
    fragment: str = ""
    # Who is told: those who may act on it, in the role whose home page lists it.
    action: str | None = None
    roles: frozenset = frozenset()

    def phrase(self, n: int) -> str:
        return f"{n} {self.one if n == 1 else self.many}"

    def queue_url(self) -> str:
        query = f"?{urlencode(self.query)}" if self.query else ""
        return reverse(self.queue) + query + self.fragment


# Status values are written out rather than imported: this package sits below the feature apps.
KINDS = {
    WorkKind.LEARNING_TO_SIGN_OFF: Kind(
        one="learning record awaits your sign-off",
        many="learning records await your sign-off",
        queue="incidents:learning-list",
        query={"status": "draft"},
        action="review_incident",
        roles=frozenset({Role.PROVIDER_LEAD}),
    ),
    WorkKind.REQUIREMENT_CHALLENGED: Kind(
        one="requirement was challenged by the LMNS",
        many="requirements were challenged by the LMNS",
        queue="assurance:item-list",
        query={"verification": "challenged"},
        action="submit_assessment",
        roles=frozenset({Role.PROVIDER_LEAD}),
    ),
    WorkKind.CLOSURE_REQUESTED: Kind(
        one="visit recommendation asks for closure",
        many="visit recommendations ask for closure",
        queue="assurance:recommendation-list",
        query={"status": "awaiting_review"},
        action="run_visits",
        roles=frozenset({Role.LMNS_OFFICER}),
    ),
    # A concern is handed to one named person, who can already read it (workforce.services).
    WorkKind.CONCERN_HANDED_OVER: Kind(
        one="Freedom to Speak Up concern was handed to you",
        many="Freedom to Speak Up concerns were handed to you",
        queue="workforce:ftsu",
        query={},
        fragment="#concerns",
    ),
    # Raised through the public form: its LMNS's FTSU leads are told, or its handler once taken.
    WorkKind.CONCERN_RAISED: Kind(
        one="Freedom to Speak Up concern was raised online",
        many="Freedom to Speak Up concerns were raised online",
        queue="workforce:ftsu",
        query={},
        fragment="#concerns",
        action="record_ftsu_concern",
        roles=frozenset({Role.LMNS_FTSU_LEAD}),
    ),
    WorkKind.RAISER_WROTE: Kind(
        one="message came from someone who spoke up",
        many="messages came from people who spoke up",
        queue="workforce:ftsu",
        query={},
        fragment="#concerns",
        action="record_ftsu_concern",
        roles=frozenset({Role.LMNS_FTSU_LEAD}),
    ),
}


def work_arrived(*, kind: WorkKind, url: str, by, organisation: Provider | Lmns) -> None:
    """Tell those who may act on work of ``kind`` at ``organisation`` that it waits at ``url``."""
    spec = KINDS[kind]
    people = access.users_who_can(spec.action, organisation, roles=spec.roles)
    work_arrived_for(kind=kind, url=url, by=by, people=people)


def work_arrived_for(*, kind: WorkKind, url: str, by, people: Iterable) -> None:
    """Tell ``people`` that work of ``kind`` waits at ``url`` (a path), as each chose. The person
    whose action made the work is not told of it."""
    people = [p for p in people if p.is_active and p.email and (by is None or p.pk != by.pk)]
    chosen = dict(WorkEmailPreference.objects.filter(user__in=people).values_list("user_id", "frequency"))
    daily = []
    for person in people:
        frequency = chosen.get(person.pk, Frequency.IMMEDIATELY)
        if frequency == Frequency.IMMEDIATELY:
            _email_now(person, kind, url)
        elif frequency == Frequency.DAILY:
            daily.append(PendingWorkEmail(user=person, kind=kind))
    PendingWorkEmail.objects.bulk_create(daily)


def _links() -> dict:
    return {
        "home_url": absolute_url(reverse("home")),
        "settings_url": absolute_url(reverse("work-email-settings")),
    }


def _email_now(person, kind: WorkKind, url: str) -> None:
    phrase = KINDS[kind].phrase(1)
    services.email_queue(
        to=[person.email],
        subject=f"You have work waiting: {phrase}",
        body=render_to_string(
            "lmns/email/work_waiting.txt", {"phrase": phrase, "url": absolute_url(url), **_links()}
        ),
    )


def digests_send() -> int:
    """Send each person who chose the daily summary one email counting the work that arrived
    since their last one; nobody with nothing new is emailed. Returns how many were sent.

    Each person's lines are taken under a lock and deleted as their email is queued, so a second
    run (beat firing twice, a task acknowledged late) finds nothing to send again.
    """
    sent = 0
    while True:
        with transaction.atomic():
            first = PendingWorkEmail.objects.select_for_update(skip_locked=True).order_by("pk").first()
            if first is None:
                return sent
            lines = list(
                PendingWorkEmail.objects.select_for_update(skip_locked=True)
                .filter(user_id=first.user_id)
                .values_list("pk", "kind")
            )
            # By the rows read, not the person: work arriving meanwhile waits for the next summary.
            PendingWorkEmail.objects.filter(pk__in=[pk for pk, _ in lines]).delete()
            counts = Counter(kind for _, kind in lines)
            person = get_user_model().objects.get(pk=first.user_id)
            if person.is_active and person.email:
                _email_digest(person, counts)
                sent += 1


def _email_digest(person, counts: Counter) -> None:
    # In the order of the kinds, so that every summary reads the same way.
    lines = [
        {"phrase": KINDS[kind].phrase(counts[kind]), "url": absolute_url(KINDS[kind].queue_url())}
        for kind in KINDS
        if counts[kind]
    ]
    total = sum(counts.values())
    services.email_queue(
        to=[person.email],
        subject=f"Your LMNS Safety summary: {total} new item{'s' if total != 1 else ''} of work",
        body=render_to_string("lmns/email/work_digest.txt", {"lines": lines, **_links()}),
    )


def frequency_of(user) -> str:
    preference = WorkEmailPreference.objects.filter(user=user).first()
    return preference.frequency if preference else Frequency.IMMEDIATELY


@transaction.atomic
def work_email_preference_set(*, user, frequency: str) -> WorkEmailPreference:
    """Record how ``user`` wants to hear of work. Choosing never drops what waited for their
    summary; choosing straight away still sends it, in the next summary."""
    if frequency not in Frequency.values:
        raise ValidationError({"frequency": "Select how often you want emails about work waiting for you"})
    preference, _ = WorkEmailPreference.objects.update_or_create(user=user, defaults={"frequency": frequency})
    if frequency == Frequency.NEVER:
        PendingWorkEmail.objects.filter(user=user).delete()
    return preference

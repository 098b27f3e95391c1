"""Fictional incidents and learning for the demonstration LMNS (see lmns.demo).

Everything here describes care, never people, as real records must. Running it
again changes nothing: records are looked up by their demo reference or title.
"""

import random
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from incidents import services
from incidents.models import (
    DutyOfCandour,
    Incident,
    IncidentReferral,
    IncidentStatus,
    IncidentType,
    Learning,
    LearningEvent,
    ReferralBody,
    SafetyAction,
    SsigMeeting,
    Theme,
)
from lmns.models import Lmns, Provider

# (ODS, reference, days ago, type, physical harm, psychological harm, response, status, summary, referrals)
DEMO_INCIDENTS = [
    (
        "ZZA",
        "DEMO-ZZA-0001",
        60,
        "Shoulder dystocia",
        "low",
        "low",
        "aar",
        "closed",
        "Shoulder dystocia at a midwife-led birth; emergency call answered within two minutes.",
        {},
    ),
    (
        "ZZA",
        "DEMO-ZZA-0002",
        35,
        "Major obstetric haemorrhage (over 1,500 mL)",
        "moderate",
        "moderate",
        "psii",
        "response_underway",
        "Postpartum haemorrhage of 2.1 litres after a caesarean; delay in escalating to the "
        "consultant overnight.",
        {},
    ),
    (
        "ZZA",
        "DEMO-ZZA-0003",
        20,
        "Hypoxic-ischaemic encephalopathy or therapeutic cooling",
        "severe",
        "severe",
        "psii",
        "under_review",
        "Abnormal CTG in established labour not escalated for over an hour; baby cooled.",
        {"mnsi_referred_on": 18, "mnsi_reference": "MNSI-DEMO-0412"},
    ),
    (
        "ZZA",
        "DEMO-ZZA-0004",
        6,
        "Unexpected term admission to the neonatal unit",
        "low",
        "none",
        "",
        "reported",
        "Term baby admitted with hypoglycaemia; feeding plan not started at birth.",
        {},
    ),
    (
        "ZZB",
        "DEMO-ZZB-0001",
        50,
        "Medication error",
        "none",
        "none",
        "swarm",
        "closed",
        "Intravenous antibiotic given at the wrong rate; noticed at the next check.",
        {},
    ),
    (
        "ZZB",
        "DEMO-ZZB-0002",
        25,
        "Intrapartum stillbirth",
        "fatal",
        "severe",
        "mnsi",
        "under_review",
        "Intrapartum stillbirth at term after reduced fetal movements were reported.",
        {
            "referrals": {"pmrt": (24, "PMRT-DEMO-77"), "mbrrace": (24, "")},
            "mnsi_qualifying": True,
            "mnsi_referred_on": 24,
            "mnsi_reference": "MNSI-DEMO-12",
            "mnsi_family_told_on": 24,
            "mnsi_decision": "accepted",
            "mnsi_decision_on": 20,
            # Early Notification takes babies with potential brain injury, not stillbirths.
            "early_notification": "not_eligible",
        },
    ),
    (
        "ZZC",
        "DEMO-ZZC-0001",
        15,
        "Third or fourth-degree perineal tear",
        "moderate",
        "low",
        "mdt",
        "under_review",
        "Third-degree tear not identified at the first examination.",
        {},
    ),
]


# Two years of monthly history, so that the quality view's SPC charts have something to show:
# (ODS, typical incidents a month, what changes). ZZA's reporting rises after a reporting
# campaign eight months ago (a shift); ZZC has one month far above its usual (a point outside
# the limits); the others vary by chance alone.
HISTORY_MONTHS = 24
HISTORY = [("ZZA", 12, "campaign"), ("ZZB", 9, ""), ("ZZC", 7, "spike"), ("ZZD", 6, ""), ("ZZE", 5, "")]
HISTORY_HARMS = [("none", 55), ("low", 35), ("moderate", 7), ("severe", 2), ("fatal", 1)]
HISTORY_RESPONSES = ["aar", "swarm", "mdt", "none"]


def _months_back(today: date, count: int) -> list[date]:
    months, month = [], today.replace(day=1)
    for _ in range(count):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return months[::-1]


def history_incident(*, provider, unit, month, rng, types, today, reference, summary) -> Incident | None:
    """One plausible past incident on a random day of ``month`` (None if that day is still to
    come): mostly no or low harm, MNSI referral for severe harm and PMRT for a death, a PSII for
    both, duty of candour for moderate harm or worse, closed after 90 days. The demo and the
    load-data generator (quality.load_data) both draw their history from it."""
    occurred = month + timedelta(days=rng.randrange(28))
    if occurred >= today:
        return None
    harm = rng.choices([h for h, _ in HISTORY_HARMS], [w for _, w in HISTORY_HARMS])[0]
    serious = harm in {"moderate", "severe", "fatal"}
    closed = (today - occurred).days > 90
    incident = Incident(
        provider=provider,
        unit=unit,
        local_reference=reference,
        occurred_on=occurred,
        reported_on=min(occurred + timedelta(days=rng.randrange(3)), today),
        # A death is graded fatal and a fatal grade is a death: the pre-visit pack counts
        # harm by type, and "Maternal death: no physical harm" would be nonsense there.
        incident_type=rng.choice([t for t in types if t.is_death == (harm == "fatal")] or types),
        physical_harm=harm,
        psychological_harm="low" if serious else "none",
        response_type=("psii" if harm in {"severe", "fatal"} else rng.choice(HISTORY_RESPONSES))
        if closed or serious
        else "",
        mnsi_referred_on=occurred + timedelta(days=1) if harm == "severe" else None,
        duty_of_candour=DutyOfCandour.APPLIES if serious else DutyOfCandour.DOES_NOT_APPLY,
        duty_of_candour_completed_on=occurred + timedelta(days=10) if serious and closed else None,
        summary=summary,
        status=IncidentStatus.CLOSED if closed else IncidentStatus.UNDER_REVIEW,
    )
    # Saved with the incidents by ``history_referrals``, once they have their ids.
    incident.pmrt_notified_on = occurred + timedelta(days=1) if harm == "fatal" else None
    return incident


def history_referrals(incidents: list[Incident]) -> None:
    """The PMRT notifications of incidents made by ``history_incident`` and bulk-created since."""
    notified = [incident for incident in incidents if getattr(incident, "pmrt_notified_on", None)]
    if not notified:
        return
    pmrt = ReferralBody.objects.get(code=ReferralBody.PMRT, lmns=None)
    IncidentReferral.objects.bulk_create(
        (
            IncidentReferral(incident=incident, body=pmrt, referred_on=incident.pmrt_notified_on)
            for incident in notified
        ),
        batch_size=500,
    )


def _history_for(provider: Provider, typical: int, change: str, today: date, types: list) -> list[Incident]:
    """Plausible incidents, month by month, each month from a generator seeded by the provider
    and month, so that a second run makes the same references (and finds them already there)."""
    months = _months_back(today, HISTORY_MONTHS + 1)
    unit = next(iter(provider.units.all()), None)
    incidents = []
    for number, month in enumerate(months):
        rng = random.Random(f"{provider.ods_code}-{month:%Y-%m}")
        mean = typical
        if change == "campaign" and number >= len(months) - 8:
            mean = typical * 1.6
        if change == "spike" and number == len(months) - 6:
            mean = typical * 3
        # A normal approximation to a Poisson count is plenty for a demonstration.
        count = max(0, round(rng.gauss(mean, mean**0.5)))
        for n in range(count):
            incident = history_incident(
                provider=provider,
                unit=unit,
                month=month,
                rng=rng,
                types=types,
                today=today,
                reference=f"DEMO-HIST-{provider.ods_code}-{month:%Y%m}-{n + 1:02d}",
                summary="Demonstration history: reviewed at the weekly incident meeting; "
                "no narrative recorded.",
            )
            if incident is not None:
                incidents.append(incident)
    return incidents


def history_seed(*, lmns: Lmns, today: date | None = None) -> int:
    """Create the monthly history that is not there yet; returns how many incidents it made."""
    today = today or timezone.localdate()
    types = list(IncidentType.objects.filter(lmns=None).active().order_by("pk"))
    providers = {provider.ods_code: provider for provider in lmns.providers.prefetch_related("units")}
    existing = set(
        Incident.objects.filter(provider__lmns=lmns, local_reference__startswith="DEMO-HIST-").values_list(
            "local_reference", flat=True
        )
    )
    new = [
        incident
        for ods, typical, change in HISTORY
        if ods in providers
        for incident in _history_for(providers[ods], typical, change, today, types)
        if incident.local_reference not in existing
    ]
    # Left out of the audit trail on purpose: synthetic background for the SPC charts, made by
    # no one; a history row each would only say "created by the seeding command".
    Incident.objects.bulk_create(new, batch_size=500)
    history_referrals(new)
    return len(new)


@transaction.atomic
def demo_seed(*, lmns: Lmns) -> None:
    today = timezone.localdate()
    history_seed(lmns=lmns, today=today)
    users = {user.username: user for user in get_user_model().objects.filter(username__startswith="demo.")}
    lead, officer = users["demo.lead"], users["demo.officer"]
    providers = {provider.ods_code: provider for provider in lmns.providers.all()}
    themes = {theme.name: theme for theme in Theme.objects.filter(lmns=None)}

    incidents = {}
    for (
        ods,
        reference,
        days_ago,
        type_name,
        physical,
        psychological,
        response,
        status,
        summary,
        refs,
    ) in DEMO_INCIDENTS:
        incident = Incident.objects.filter(provider=providers[ods], local_reference=reference).first()
        if incident is None:
            occurred = today - timedelta(days=days_ago)
            candour = physical in {"moderate", "severe", "fatal"}
            refs = dict(refs)
            bodies = refs.pop("referrals", {})
            referrals = {
                key: (today - timedelta(days=value) if key.endswith("_on") else value)
                for key, value in refs.items()
            }
            referrals["referrals"] = {
                ReferralBody.objects.get(code=code): (today - timedelta(days=days), reference)
                for code, (days, reference) in bodies.items()
            }
            incident = services.incident_create(
                provider=providers[ods],
                by=lead,
                unit=providers[ods].units.first(),
                local_reference=reference,
                occurred_on=occurred,
                reported_on=occurred + timedelta(days=1),
                incident_type=IncidentType.objects.get(name=type_name, lmns=None),
                physical_harm=physical,
                psychological_harm=psychological,
                response_type=response,
                duty_of_candour="applies" if candour else "not_applicable",
                duty_of_candour_completed_on=occurred + timedelta(days=5)
                if candour and days_ago > 10
                else None,
                summary=summary,
                **referrals,
            )
            # Straight to the demo's status without the review steps, and so without history.
            Incident.objects.filter(pk=incident.pk).update(status=IncidentStatus(status))
        incidents[reference] = incident

    held, _ = SsigMeeting.objects.get_or_create(
        lmns=lmns,
        meeting_on=today - timedelta(days=14),
        defaults={"submission_deadline": today - timedelta(days=21)},
    )
    upcoming, _ = SsigMeeting.objects.get_or_create(
        lmns=lmns,
        meeting_on=today + timedelta(days=21),
        defaults={"submission_deadline": today + timedelta(days=14)},
    )

    def learning(ods, title, *, theme_names, incident_refs, stage, what):
        existing = Learning.objects.filter(provider=providers[ods], title=title).first()
        if existing:
            return existing
        item = services.learning_create(
            provider=providers[ods],
            by=lead,
            title=title,
            what_happened=what[0],
            what_we_learned=what[1],
            what_we_changed=what[2],
            incidents=[incidents[ref] for ref in incident_refs],
            themes=[themes[name] for name in theme_names],
        )
        if stage in {"signed_off", "submitted", "shared"}:
            services.learning_sign_off(learning=item, by=lead)
        if stage == "submitted":
            services.learning_submit(learning=item, meeting=upcoming, by=lead)
        if stage == "shared":
            # The demo's past meeting is already past its deadline: the LMNS adds the item.
            services.learning_submit(learning=item, meeting=held, by=officer, accept_late=True)
        return item

    fresh_eyes = learning(
        "ZZA",
        "Fresh eyes on CTGs when the labour ward is busy",
        theme_names=["Fetal monitoring", "Escalation and situational awareness"],
        incident_refs=["DEMO-ZZA-0003"],
        stage="shared",
        what=(
            "Fresh-eyes reviews were missed on a busy night and a deteriorating CTG went unescalated.",
            "The fresh-eyes prompt depended on the coordinator remembering it while covering a room.",
            "Fresh-eyes reviews are now prompted at each safety huddle and shown on the labour ward board.",
        ),
    )
    double_check = learning(
        "ZZB",
        "Independent double checks for intravenous medicines",
        theme_names=["Medication safety"],
        incident_refs=["DEMO-ZZB-0001"],
        stage="shared",
        what=(
            "An infusion pump was set at the wrong rate.",
            "The second check was done by watching, not by independently calculating the rate.",
            "Two registrants now calculate the rate separately before the pump is started.",
        ),
    )
    learning(
        "ZZA",
        "Calling the consultant early in postpartum haemorrhage",
        theme_names=["Escalation and situational awareness", "Communication and handover"],
        incident_refs=["DEMO-ZZA-0002"],
        stage="signed_off",
        what=(
            "Escalation to the consultant waited until the blood loss passed two litres.",
            "Staff were unsure whether the escalation threshold was 1 or 1.5 litres.",
            "The guideline and the theatre board now state one threshold: call at 1 litre and rising.",
        ),
    )
    learning(
        "ZZA",
        "Feeding plans at birth for babies at risk of hypoglycaemia",
        theme_names=["Transitional care and avoiding term admissions"],
        incident_refs=["DEMO-ZZA-0004"],
        stage="draft",
        what=(
            "A term baby at risk of hypoglycaemia had no feeding plan at birth.",
            "Risk factors recorded antenatally were not carried onto the birth record.",
            "Draft: add the risk factors to the birth checklist.",
        ),
    )

    if held.held_at is None:
        services.ssig_meeting_hold(meeting=held, by=officer)

    if not SafetyAction.objects.filter(provider=providers["ZZA"]).exists():
        services.safety_action_create(
            provider=providers["ZZA"],
            by=lead,
            owner=lead,
            incident=incidents["DEMO-ZZA-0003"],
            learning=fresh_eyes,
            description="Add fresh-eyes prompts to the labour ward safety huddle board.",
            due_on=today - timedelta(days=5),
        )
        services.safety_action_create(
            provider=providers["ZZA"],
            by=lead,
            owner=lead,
            incident=incidents["DEMO-ZZA-0002"],
            description="Revise the postpartum haemorrhage guideline to state one escalation threshold.",
            due_on=today + timedelta(days=30),
            status="in_progress",
        )
    if not LearningEvent.objects.filter(lmns=lmns).exists():
        services.learning_event_create(
            lmns=lmns,
            by=officer,
            topic="Fetal monitoring and escalation",
            held_on=today - timedelta(days=7),
            description="A half-day event for labour ward teams from every provider.",
            themes=[themes["Fetal monitoring"], themes["Escalation and situational awareness"]],
            learning=Learning.objects.filter(pk__in=[fresh_eyes.pk, double_check.pk]),
        )

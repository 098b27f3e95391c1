"""Fictional safety champion records for the demonstration LMNS (see lmns.demo): two walkabouts
with "you said, we did" actions (one overdue), a board champions meeting and a period of MNVP
feedback, at the first provider. Names are roles, never people. Running it again changes
nothing: it stops if the LMNS already has a walkabout."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lmns.models import Lmns
from workforce.champions import services
from workforce.champions.models import ActionStatus, FeedbackStatus, Walkabout


@transaction.atomic
def demo_seed(*, lmns: Lmns) -> None:
    if Walkabout.objects.filter(provider__lmns=lmns).exists():
        return
    provider = lmns.providers.filter(units__isnull=False).order_by("ods_code").first()
    if provider is None:
        return
    by = get_user_model().objects.filter(username="demo.lead").first()
    units = list(provider.units.all()[:2])
    today = timezone.localdate()

    first = services.walkabout_record(
        provider=provider,
        unit=units[0],
        held_on=today - timedelta(days=45),
        board_champions="Non-executive director (board safety champion), director of midwifery",
        frontline_champions="Consultant obstetrician, labour ward coordinator",
        staff_said=(
            "Night staff said the second theatre team is often pulled to the main theatres, leaving the "
            "labour ward without cover for an emergency caesarean. Midwives said the bereavement room's "
            "door does not lock."
        ),
        by=by,
    )
    services.champion_action_add(
        source=first,
        you_said="The second theatre team is pulled away at night.",
        we_did="Agree with theatres that the obstetric team is released only with the coordinator's say-so.",
        owner="Clinical director for obstetrics",
        due_on=today - timedelta(days=10),  # overdue: the demo's red flag
        by=by,
    )
    lock = services.champion_action_add(
        source=first,
        you_said="The bereavement room's door does not lock.",
        we_did="Estates fit a privacy lock.",
        owner="Estates manager",
        due_on=today - timedelta(days=30),
        by=by,
    )
    services.champion_action_update(
        action=lock,
        you_said=lock.you_said,
        we_did=lock.we_did,
        owner=lock.owner,
        due_on=lock.due_on,
        status=ActionStatus.DONE,
        by=by,
    )

    second = services.walkabout_record(
        provider=provider,
        unit=units[-1],
        held_on=today - timedelta(days=12),
        board_champions="Non-executive director (board safety champion)",
        frontline_champions="Neonatal nurse, frontline safety champion",
        staff_said="Staff asked for protected time for the morning safety huddle.",
        by=by,
    )
    services.champion_action_add(
        source=second,
        you_said="No protected time for the safety huddle.",
        we_did="Move the huddle to 08:15 with the ward clerk covering the phones.",
        owner="Matron, labour ward",
        due_on=today + timedelta(days=20),
        by=by,
    )

    meeting = services.champions_meeting_record(
        provider=provider,
        held_on=today - timedelta(days=7),
        attendees="Board safety champion, director of midwifery, clinical director, neonatal lead",
        key_points=(
            "Reviewed the themes of both walkabouts and the MNVP's quarterly feedback. The theatre cover "
            "action is late: escalated to the chief operating officer."
        ),
        by=by,
    )
    services.champion_action_add(
        source=meeting,
        you_said="Theatre cover at night is still not agreed.",
        we_did="The chief operating officer reports back to the next meeting.",
        owner="Chief operating officer",
        due_on=today + timedelta(days=23),
        by=by,
    )

    services.mnvp_feedback_record(
        provider=provider,
        period_start=today - timedelta(days=100),
        period_end=today - timedelta(days=10),
        themes=(
            "Families said they waited long for a bed on the induction bay, that partners could not stay "
            "overnight on the postnatal ward, and that infant feeding support was hard to find at night."
        ),
        response=(
            "Overnight stays for partners are being piloted on one ward; "
            "the feeding support rota is under review."
        ),
        status=FeedbackStatus.RESPONDED,
        by=by,
    )

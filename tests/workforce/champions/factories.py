"""Plain factories for safety champion records (beside tests/factories.py)."""

from datetime import timedelta

from django.utils import timezone

from workforce.champions.models import ChampionAction, ChampionsMeeting, MnvpFeedback, Walkabout


def make_walkabout(provider, **fields) -> Walkabout:
    defaults = {
        "unit": provider.units.first(),
        "held_on": timezone.localdate() - timedelta(days=10),
        "board_champions": "Non-executive director, board safety champion",
        "frontline_champions": "Consultant obstetrician, frontline champion",
        "staff_said": "Staff said the handover room is too noisy.",
    }
    return Walkabout.objects.create(provider=provider, **{**defaults, **fields})


def make_champions_meeting(provider, **fields) -> ChampionsMeeting:
    defaults = {
        "held_on": timezone.localdate() - timedelta(days=5),
        "attendees": "Board safety champion, director of midwifery",
        "key_points": "Reviewed the walkabout themes.",
    }
    return ChampionsMeeting.objects.create(provider=provider, **{**defaults, **fields})


def make_champion_action(source, **fields) -> ChampionAction:
    kind = "walkabout" if isinstance(source, Walkabout) else "meeting"
    defaults = {
        "you_said": "The handover room is too noisy.",
        "we_did": "Move handover to the quiet room.",
        "owner": "Ward manager",
        "due_on": timezone.localdate() + timedelta(days=20),
    }
    return ChampionAction.objects.create(provider=source.provider, **{kind: source}, **{**defaults, **fields})


def make_mnvp_feedback(provider, **fields) -> MnvpFeedback:
    today = timezone.localdate()
    defaults = {
        "period_start": today - timedelta(days=90),
        "period_end": today - timedelta(days=1),
        "themes": "Families want clearer information about induction.",
    }
    return MnvpFeedback.objects.create(provider=provider, **{**defaults, **fields})


def champion_record(world, kind: str, provider):
    """The provider's record of ``kind`` for the access matrix, made on first use."""
    records = world.records[provider.pk]
    key = f"champions_{kind}"
    if key not in records:
        if kind == "walkabout":
            records[key] = make_walkabout(provider)
        elif kind == "meeting":
            records[key] = make_champions_meeting(provider)
        elif kind == "action":
            records[key] = make_champion_action(champion_record(world, "walkabout", provider))
        else:
            records[key] = make_mnvp_feedback(provider)
    return records[key]

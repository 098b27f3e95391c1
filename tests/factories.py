"""Plain factory functions: explicit, no extra dependency."""

from itertools import count

from django.contrib.auth import get_user_model

from lmns.models import Lmns, Membership, Provider, Unit, UnitType

PASSWORD = "correct-horse-battery-staple"
_sequence = count(1)


def make_lmns(name: str | None = None, **extra) -> Lmns:
    n = next(_sequence)
    return Lmns.objects.create(name=name or f"Test LMNS {n}", code=extra.pop("code", f"lmns-{n}"), **extra)


def make_provider(lmns: Lmns | None = None, name: str | None = None, ods_code: str | None = None) -> Provider:
    n = next(_sequence)
    return Provider.objects.create(
        lmns=lmns or make_lmns(), name=name or f"Provider {n} NHS Trust", ods_code=ods_code or f"T{n:02d}"
    )


def make_unit(provider: Provider, name: str | None = None, ods_site_code: str | None = None) -> Unit:
    n = next(_sequence)
    return Unit.objects.create(
        provider=provider,
        name=name or f"Unit {n}",
        ods_site_code=ods_site_code or f"U{n:04d}",
        unit_type=UnitType.OBSTETRIC_UNIT,
    )


def make_user(username: str | None = None, *, role=None, provider=None, lmns=None, **extra):
    """A user with a usable password and, if ``role`` is given, one membership."""
    username = username or f"user{next(_sequence)}"
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, email=extra.pop("email", f"{username}@example.invalid"), **extra
    )
    if role:
        Membership.objects.create(user=user, role=role, provider=provider, lmns=lmns)
    return user

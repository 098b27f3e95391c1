"""Enrolling, checking codes, recovery codes and turning two-factor sign-in off."""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lmns.models import Lmns

RECOVERY_CODE_COUNT = 10
WRONG_CODE = (
    "Enter a correct code. Codes from the app change every 30 seconds; each recovery code works once."
)
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def _lmnss_requiring(user):
    # Only memberships held at the LMNS itself: the flag is the LMNS's rule for its own
    # team, not for its providers' staff.
    return Lmns.objects.filter(two_factor_required=True, memberships__user=user)


def required_for(user) -> bool:
    """Whether an LMNS at which ``user`` holds a role requires two-factor sign-in of its staff."""
    return _lmnss_requiring(user).exists()


def _enrolled_and_required(user_ref) -> tuple[Exists, Exists]:
    return (
        Exists(TOTPDevice.objects.filter(user=user_ref, confirmed=True)),
        Exists(_lmnss_requiring(user_ref)),
    )


def owed_by(user) -> tuple[bool, bool]:
    """(has a confirmed authenticator app, an LMNS requires one), in one query: the
    middleware asks this on every request of a session that has not given a code."""
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values_list(*_enrolled_and_required(OuterRef("pk")))
        .first()
    )
    return row or (False, False)


def with_set_up_owed(queryset, *, user_field: str):
    """``queryset`` with ``set_up_owed``: whether the user at ``user_field`` must set up an
    authenticator app before anything opens (an LMNS of theirs requires one and they have
    none). Asked in the same query, so that every API call can afford it."""
    enrolled, required = _enrolled_and_required(OuterRef(user_field))
    return queryset.annotate(
        set_up_owed=ExpressionWrapper(Q(required) & ~Q(enrolled), output_field=BooleanField())
    )


def app_device(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=confirmed).first()


def is_enrolled(user) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def app_device_start(*, user) -> TOTPDevice:
    """The authenticator app being set up: the same secret until it is confirmed, so that
    reloading the page does not invalidate a QR code that was already scanned."""
    device = app_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def app_device_confirm(*, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm a new authenticator app with a current code; returns its first recovery codes,
    or None if the code is wrong (nothing changes)."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.confirmed or not device.verify_token(_digits(code)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_replace(user=device.user)


@transaction.atomic
def recovery_codes_replace(*, user) -> list[str]:
    """New single-use recovery codes; every earlier one stops working."""
    device, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": RECOVERY_DEVICE_NAME})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


class CodeThrottled(Exception):
    """Too many wrong codes just now: the device will not check another for a few seconds."""


def code_verify(*, user, code: str) -> Device | None:
    """The device that accepts ``code``: the app for six digits, else a recovery code (used up).

    Each device throttles its own failures (1, 2, 4 ... seconds between tries), so checking
    a code against the device it is shaped for keeps one kind of mistake from slowing the other.
    Raises CodeThrottled, without checking the code, while that device is throttled.
    """
    digits = _digits(code)
    if re.fullmatch(r"\d{6}", digits):
        model, token = TOTPDevice, digits
    else:
        model, token = StaticDevice, re.sub(r"[\s-]", "", code).lower()
    with transaction.atomic():
        device = model.objects.devices_for_user(user, confirmed=True).select_for_update().first()
        if device is None:
            return None
        if not device.verify_is_allowed()[0]:
            raise CodeThrottled
        return device if device.verify_token(token) else None


def two_factor_turn_off(*, user, code: str) -> None:
    """Remove the user's authenticator app and recovery codes, given a current code. Refused,
    before the code is checked, while an LMNS the user works for requires two-factor sign-in.
    Raises ValidationError (nothing changes) or CodeThrottled."""
    if required_for(user):
        raise ValidationError(
            "Your LMNS requires two-factor sign-in, so you cannot turn it off.", code="required"
        )
    # Not inside one transaction with the deletes: a wrong code's throttling must be kept.
    if code_verify(user=user, code=code) is None:
        raise ValidationError(WRONG_CODE, code="wrong_code")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


def _digits(code: str) -> str:
    # Apps show the code as "123 456"; people type it that way.
    return re.sub(r"\s", "", code)

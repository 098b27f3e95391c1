"""The patient-identifiable data finder (hazard H9): NHS numbers by their Modulus 11 check,
and the softer patterns, without flagging what staff write every day."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lmns.pid import Kind, describe, find_identifiers, is_valid_nhs_number

# Published examples of valid NHS numbers (NHS Digital test data), not real patients.
VALID = ["9434765919", "9434765870", "4010232137"]


def _check_digit(nine: str) -> int:
    """The Modulus 11 check digit worked out longhand, or 10 when none exists."""
    remainder = sum(int(digit) * (10 - position) for position, digit in enumerate(nine)) % 11
    return 0 if remainder == 0 else 11 - remainder


def kinds(text: str) -> list[Kind]:
    return [match.kind for match in find_identifiers(text)]


@pytest.mark.parametrize("number", VALID)
def test_a_valid_nhs_number_is_found_however_it_is_written(number):
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    dashed = spaced.replace(" ", "-")
    for written in (number, spaced, dashed):
        matches = find_identifiers(f"Baby's NHS number {written}, seen on the ward.")
        assert [(match.kind, match.text, match.refused) for match in matches] == [
            (Kind.NHS_NUMBER, written, True)
        ]


def test_ten_digits_failing_the_check_are_not_an_nhs_number():
    assert kinds("Batch 9434765918 of the drug") == []
    # Nine digits whose check digit would be 10: no NHS number is issued with them.
    assert not any(is_valid_nhs_number(f"100000001{digit}") for digit in "0123456789")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_exactly_one_last_digit_completes_nine_digits_unless_none_can(nine):
    passing = [digit for digit in "0123456789" if is_valid_nhs_number(nine + digit)]
    expected = _check_digit(nine)
    assert passing == ([] if expected == 10 else [str(expected)])


@given(st.text(alphabet="0123456789", min_size=10, max_size=10), st.integers(0, 9), st.integers(1, 9))
def test_changing_any_one_digit_of_a_valid_number_breaks_the_check(digits, position, shift):
    if not is_valid_nhs_number(digits):
        return
    changed = digits[:position] + str((int(digits[position]) + shift) % 10) + digits[position + 1 :]
    assert not is_valid_nhs_number(changed)


@given(st.text(max_size=40))
def test_anything_but_ten_ascii_digits_is_never_valid(text):
    if not (len(text) == 10 and text.isascii() and text.isdigit()):
        assert not is_valid_nhs_number(text)


@given(st.text(max_size=200))
def test_the_finder_never_fails_and_reports_text_it_was_given(text):
    for match in find_identifiers(text):
        assert text[match.start : match.end] == match.text


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Lives at LS1 4AP near the hospital", Kind.POSTCODE),
        ("Postcode SW1A 1AA.", Kind.POSTCODE),
        ("Call 0113 496 0000 for the family", Kind.PHONE),
        ("Mobile 07700 900123", Kind.PHONE),
        ("Mobile +44 7700 900123", Kind.PHONE),
        ("Ring (0161) 496 0000", Kind.PHONE),
        ("Emailed jo.bloggs+baby@example.com", Kind.EMAIL),
        ("DOB 03/04/1990", Kind.DATE_OF_BIRTH),
        ("D.O.B: 1990-04-03", Kind.DATE_OF_BIRTH),
        ("date of birth 3rd April 1990", Kind.DATE_OF_BIRTH),
        ("Date of birth is 3 Apr 90", Kind.DATE_OF_BIRTH),
    ],
)
def test_personal_details_are_warned_about(text, kind):
    matches = find_identifiers(text)
    assert [match.kind for match in matches] == [kind]
    assert not matches[0].refused


@pytest.mark.parametrize(
    "text",
    [
        "CTG at 14:30, reviewed at 15:05",
        "Ward 3, bay 12, bed 4",
        "3rd degree tear repaired in theatre 2",
        "Induced at 39+2 weeks; EBL 1.2L",
        "Reported on DATIX-12345 and DATIX-1234567890",
        "Seen on 03/04/2026 and again on 2026-04-05",
        "Born at 02:14 on 3 April 2026 by LSCS",
        "Apgars 9/10 at 5 minutes, BMI 35, Hb 98 g/L",
        "Moved to the B1 2nd floor unit",
        "PPH of 1500 ml; 2 units transfused; MEOWS 5",
        "Escalated to the on-call consultant (SpR 2)",
    ],
)
def test_what_staff_write_every_day_is_left_alone(text):
    assert find_identifiers(text) == []


def test_an_nhs_number_is_not_also_reported_as_a_phone_number():
    # Both are ten digits starting with 0, as some phone numbers are; only the first passes the check.
    assert kinds("0434765910 and 0434765919") == [Kind.NHS_NUMBER, Kind.PHONE]


def test_describe_names_each_match_and_what_it_looks_like():
    matches = find_identifiers("LS1 4AP, 0113 496 0000")
    assert describe(matches) == "a postcode (“LS1 4AP”) and a phone number (“0113 496 0000”)"

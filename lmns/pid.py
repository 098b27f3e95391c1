"""Finding patient-identifiable data in free text (hazard H9 in the clinical safety log).

An NHS number that passes its Modulus 11 check is refused outright: nothing staff write about
care needs one, and a check digit that works is strong evidence it is real. Postcodes, phone
numbers, email addresses and a date given as a date of birth are only warned about: each can be
innocent (a ward's switchboard, a team mailbox), so the person is asked to edit or confirm.

The patterns are tuned to leave alone what staff write every day: times ("CTG at 14:30"),
gestations ("39+2"), "3rd degree tear", ward numbers, incident references ("DATIX-12345") and
dates that are not said to be a date of birth.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

# The box (or API field) by which a person says that flagged text identifies nobody.
CHECKED = "pid_checked"
CHECKED_LABEL = "I have checked: this is not patient-identifiable"


class Kind(StrEnum):
    NHS_NUMBER = "an NHS number"
    POSTCODE = "a postcode"
    PHONE = "a phone number"
    EMAIL = "an email address"
    DATE_OF_BIRTH = "a date of birth"


@dataclass(frozen=True)
class Match:
    kind: Kind
    text: str
    start: int
    end: int

    @property
    def refused(self) -> bool:
        """Refused outright, rather than warned about and open to confirmation."""
        return self.kind is Kind.NHS_NUMBER


NHS_NUMBER_WEIGHTS = range(10, 1, -1)


def is_valid_nhs_number(digits: str) -> bool:
    """The NHS number's Modulus 11 check: the first nine digits weighted 10 down to 2, summed;
    eleven less the remainder on dividing by 11 is the check digit (11 counts as 0, and 10 means
    no number is issued with those nine digits)."""
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits, NHS_NUMBER_WEIGHTS, strict=False))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


# Ten digits, whole or grouped 3-3-4 by spaces or dashes, not part of a longer number or code
# (so "DATIX-1234567890" is a reference, not an NHS number).
_NHS_NUMBER = re.compile(r"(?<![\w-])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\w]|-\d)", re.ASCII)

# Written in capitals, as postcodes are: lower case would catch "b1 2nd floor". The inward code's
# letters never include C, I, K, M, O or V.
_POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b", re.ASCII)

# A UK number: 0 or +44 / 0044, then nine or ten more digits, with single spaces, dashes or
# brackets between them as people write them ("(0161) 496 0000", "+44 7700 900123").
_PHONE = re.compile(
    r"(?<![\w+-])(?:(?:\+|00)44[ -]?(?:\(0\)[ -]?)?|\(?0)(?:\d[ -]?\)?[ -]?){8,9}\d(?![\w]|-\d)", re.ASCII
)

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = (
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"  # 03/04/1990, 3.4.90
    r"|\d{4}-\d{1,2}-\d{1,2}"  # 1990-04-03
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{2,4}}"  # 3rd April 1990
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}})"  # April 3, 1990
)
_DATE_OF_BIRTH = re.compile(
    rf"\b(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s*date)\s*(?:is|was|of|[:=-])?\s*{_DATE}",
    re.IGNORECASE,
)

_SOFT = [
    (Kind.POSTCODE, _POSTCODE),
    (Kind.PHONE, _PHONE),
    (Kind.EMAIL, _EMAIL),
    (Kind.DATE_OF_BIRTH, _DATE_OF_BIRTH),
]


def find_identifiers(text: str) -> list[Match]:
    """What in ``text`` looks like patient-identifiable data, in order of where it starts.

    Digits that are a valid NHS number are reported as that alone, not also as a phone number.
    """
    if not text:
        return []
    found = [
        Match(Kind.NHS_NUMBER, match.group(), match.start(), match.end())
        for match in _NHS_NUMBER.finditer(text)
        if is_valid_nhs_number("".join(match.groups()))
    ]
    refused = list(found)
    for kind, pattern in _SOFT:
        for match in pattern.finditer(text):
            if not any(match.start() < hit.end and hit.start < match.end() for hit in refused):
                found.append(Match(kind, match.group(), match.start(), match.end()))
    return sorted(found, key=lambda match: match.start)


def describe(matches: list[Match]) -> str:
    """'a postcode (“LS1 4AP”) and a phone number (“0113 496 0000”)', for messages."""
    parts = [f"{match.kind} (“{match.text}”)" for match in matches]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]

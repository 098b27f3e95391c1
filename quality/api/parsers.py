"""The API's JSON parser: DRF's, refusing with 400 what it would pass on to fail later.

Python's ``json`` recurses once per nesting level, so a body nested 100,000 deep exhausts
the stack (a RecursionError, not the ValueError DRF catches); and it accepts a lone UTF-16
surrogate (``"\\ud800"``), a string no database can store. Depth is counted on the raw
text before parsing; surrogates are looked for in what the parse gives.
"""

import json
import re

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No API body nests deeper than a few levels: a record, its list of links, an object.
MAX_DEPTH = 20

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in JSON ``text`` (brackets inside strings don't count)."""
    deepest = depth = 0
    for bracket in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _has_lone_surrogate(value) -> bool:
    if isinstance(value, str):
        return bool(_LONE_SURROGATE.search(value))
    if isinstance(value, dict):
        return any(_has_lone_surrogate(key) or _has_lone_surrogate(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as error:
            raise ParseError(f"The body is not valid {encoding} text.") from error
        if nesting_depth(text) > MAX_DEPTH:
            raise ParseError(f"JSON may nest at most {MAX_DEPTH} levels deep.")
        try:
            data = json.loads(text, parse_constant=self._refuse_constant)
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from error
        # Depth is bounded above, so walking the parsed value cannot recurse too far.
        if _has_lone_surrogate(data):
            raise ParseError("JSON text must not hold a lone surrogate (such as \\ud800).")
        return data

    @staticmethod
    def _refuse_constant(name):
        # NaN and Infinity are not JSON (DRF's own parser refuses them too, when strict).
        raise ValueError(f"{name} is not valid JSON")

"""JavaScript value semantics the Nightscout server applies to query strings.

``parseInt``, ``isNaN``, truthiness and ``moment.parseZone(...).toISOString()`` decide what a
v1 query means; a client that gets them wrong in the real world must get them wrong here too.
"""

from __future__ import annotations

import datetime as dt
import math
import re

__all__ = ["js_is_nan", "js_parse_int", "js_truthy", "moment_iso"]

_JS_SPACE = " \t\n\r\x0b\x0c\u00a0\ufeff\u2028\u2029"
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_PREFIXED = re.compile(r"0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+")
_ISO = re.compile(
    r"(?P<y>\d{4})(?:-(?P<mo>\d{2})(?:-(?P<d>\d{2}))?)?"
    r"(?:[T ](?P<h>\d{2})(?::?(?P<mi>\d{2})(?::?(?P<s>\d{2})(?:[.,](?P<f>\d+))?)?)?)?"
    r"(?P<z>Z|[+-]\d{2}(?::?\d{2})?)?"
)


def js_parse_int(value: object) -> int | float:
    """``parseInt(value)``: leading integer of the string form, or NaN (a float)."""
    text = _js_string(value).lstrip(_JS_SPACE)
    sign = -1 if text.startswith("-") else 1
    if text[:1] in "+-":
        text = text[1:]
    radix, digits = 10, "0123456789"
    if text[:2].lower() == "0x":
        radix, digits, text = 16, "0123456789abcdefABCDEF", text[2:]
    end = 0
    while end < len(text) and text[end] in digits:
        end += 1
    return sign * int(text[:end], radix) if end else math.nan


def js_is_nan(value: object) -> bool:
    """``isNaN(value)`` for the strings, numbers and containers a query string produces."""
    if isinstance(value, int | float):  # bool included: Number(true) is 1
        return math.isnan(value)
    if isinstance(value, dict):
        return True
    return not _numeric_string(_js_string(value).strip(_JS_SPACE))


def _numeric_string(text: str) -> bool:
    """Whether ``Number(text)`` is a number ("" is 0, "Infinity" counts)."""
    if not text or (text.lstrip("+-") == "Infinity" and len(text) <= len("+Infinity")):
        return True
    return bool(_DECIMAL.fullmatch(text) or _PREFIXED.fullmatch(text))


def js_truthy(value: object) -> bool:
    """JavaScript truthiness (objects and arrays are truthy even when empty)."""
    if value is None or value is False:
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


def moment_iso(text: str) -> str | None:
    """``moment.parseZone(text).toISOString()`` for ISO 8601 input, ``None`` when invalid.

    A value without an offset is taken as UTC (``parseZone`` keeps the offset it finds and uses
    +00:00 otherwise), so ``"2015"`` becomes ``"2015-01-01T00:00:00.000Z"``.
    """
    match = _ISO.fullmatch(text.strip())
    if match is None:
        return None
    g = match.groupdict()
    fraction = (g["f"] or "0")[:3].ljust(3, "0")
    try:
        stated = dt.datetime(
            int(g["y"]),
            int(g["mo"] or 1),
            int(g["d"] or 1),
            int(g["h"] or 0),
            int(g["mi"] or 0),
            int(g["s"] or 0),
            int(fraction) * 1000,
            tzinfo=dt.UTC,
        )
    except ValueError:
        return None
    instant = stated - dt.timedelta(minutes=_offset_minutes(g["z"]))  # wall clock -> UTC
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def _offset_minutes(zone: str | None) -> int:
    if not zone or zone == "Z":
        return 0
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + int(digits[2:4] or 0))


def _js_string(value: object) -> str:
    """``String(value)`` for the shapes a query string produces."""
    if isinstance(value, list):
        return ",".join(_js_string(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

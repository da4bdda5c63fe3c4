"""Nightscout v1 query semantics: qs brackets, the type walker, the date rules, ``count``.

This mirrors ``lib/server/query.js`` and the collections' ``query_for``: ``find`` is parsed with qs
bracket syntax, listed fields are ``parseInt``'d (so ``find[date][$gte]=2024-01-01`` means
``{$gte: 2024}``), ``created_at`` values are rewritten to UTC ISO strings unless they look like
numbers, and a query without a date constraint only sees the last four days.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl

from glucolake.simulate.js_values import js_is_nan, js_parse_int, js_truthy, moment_iso
from glucolake.simulate.timezones import iso_strings

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "DEFAULT_WINDOW_MS",
    "Collection",
    "ListQuery",
    "QueryError",
    "build_query",
    "parse_qs",
]

Collection = Literal["entries", "treatments", "devicestatus"]
DEFAULT_WINDOW_MS = 4 * 86_400_000  # TWO_DAYS * 2 in lib/server/query.js
_ARRAY_LIMIT = 20  # qs turns a[0]..a[20] into arrays, larger indices into object keys
_OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")


class QueryError(Exception):
    """A query the real server answers with an error (HTTP 500)."""


def _parse_regex(value: object) -> object:
    """``parseRegEx``: ``/pattern/flags`` becomes a regular expression, anything else stays."""
    if not isinstance(value, str):
        return value
    match = re.search(r"/(.*)/(.*)", value)
    if match is None:
        return value
    flags = 0
    flags |= re.IGNORECASE if "i" in match.group(2) else 0
    flags |= re.MULTILINE if "m" in match.group(2) else 0
    try:
        return re.compile(match.group(1), flags)
    except re.error as exc:
        raise QueryError(f"Invalid regular expression: {exc}") from exc


_INT_FIELDS = ("date", "sgv", "filtered", "unfiltered", "rssi", "noise", "mbg")
WALKERS: dict[Collection, dict[str, Callable[[Any], Any]]] = {
    "entries": dict.fromkeys(_INT_FIELDS, js_parse_int),
    "treatments": {
        **dict.fromkeys(("insulin", "carbs", "glucose"), js_parse_int),
        **dict.fromkeys(("notes", "eventType", "enteredBy"), _parse_regex),
    },
    "devicestatus": dict.fromkeys(("date", "sgv"), js_parse_int),  # query.js default walker
}
DATE_FIELDS: dict[Collection, str] = {
    "entries": "date",
    "treatments": "created_at",
    "devicestatus": "created_at",
}


class _Multi(list[Any]):
    """Values of a repeated key (``a=1&a=2``) or of ``a[]=``, before array conversion."""


def _split_key(key: str) -> list[str]:
    head, _, rest = key.partition("[")
    if not rest or not head:
        return [key]
    return [head, *re.findall(r"\[([^\[\]]*)\]", "[" + rest)]


def _assign(node: dict[str, Any], path: list[str], value: str) -> None:
    *parents, last = path
    for segment in parents:
        child = node.get(segment)
        if not isinstance(child, dict):
            child = {}
            node[segment] = child
        node = child
    if last == "":
        node.setdefault("", _Multi()).append(value)
    elif last in node:
        current = node[last]
        node[last] = current if isinstance(current, _Multi) else _Multi([current])
        node[last].append(value)
    else:
        node[last] = value


def _arrays(value: object) -> object:
    if isinstance(value, _Multi):
        return [_arrays(v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {""}:
        return _arrays(value[""])
    if value and all(k.isdigit() and int(k) <= _ARRAY_LIMIT for k in value):
        return [_arrays(value[k]) for k in sorted(value, key=int)]
    return {k: _arrays(v) for k, v in value.items()}


def parse_qs(query: str) -> dict[str, Any]:
    """Parse a query string the way Express's ``qs`` does (nested brackets, arrays)."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        _assign(root, _split_key(key), value)
    parsed = _arrays(root)
    return parsed if isinstance(parsed, dict) else {}


def _walk(value: object, typer: Callable[[Any], Any]) -> object:
    """Apply ``typer`` to every leaf (the ``traverse`` loop in ``walk_prop``)."""
    if isinstance(value, dict):
        return {k: _walk(v, typer) for k, v in value.items()} if value else typer(value)
    if isinstance(value, list):
        return [_walk(v, typer) for v in value] if value else typer(value)
    return typer(value)


def _normalise_date_value(value: object) -> object:
    if not js_is_nan(value):
        return value
    if not isinstance(value, str):
        raise QueryError("TypeError: dateString.replace is not a function")
    text = value.replace(" ", "+", 1)  # some clients don't escape the plus
    iso = moment_iso(text)
    if iso is None:
        raise QueryError(f"Cannot parse {text} as a valid ISO-8601 date")
    return iso


def _enforce_date_filter(find: dict[str, Any], field: str, *, epoch: bool, now_ms: int) -> None:
    value = find.get(field)
    if js_truthy(value):
        # `Object.keys(dateValue).forEach(...)`: on a string that walks its characters.
        if isinstance(value, dict):
            find[field] = {k: _normalise_date_value(v) for k, v in value.items()}
        elif isinstance(value, list):
            find[field] = [_normalise_date_value(v) for v in value]
        elif isinstance(value, str):
            for char in value:
                _normalise_date_value(char)
        return
    if not js_truthy(find.get("dateString")):
        since = now_ms - DEFAULT_WINDOW_MS
        find[field] = {"$gte": since if epoch else _iso(since)}


def _iso(ms: int) -> str:
    return iso_strings([ms])[0]


def _lower_ids(value: object) -> object:
    if isinstance(value, str) and _OBJECT_ID.fullmatch(value):
        return value.lower()
    if isinstance(value, dict):
        return {k: _lower_ids(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_ids(v) for v in value]
    return value


@dataclass(frozen=True)
class ListQuery:
    """A ready Mongo-style filter and the number of documents to return (None: no limit)."""

    find: dict[str, Any]
    limit: int | None


def parse_count(raw: object, default: int | None) -> int | None:
    """``cursor.limit(parseInt(count))``: 0 means no limit; a non-number keeps the default."""
    if not js_truthy(raw):
        return default
    number = js_parse_int(raw)
    if math.isnan(number):
        return default
    return None if number == 0 else abs(int(number))


def build_query(
    collection: Collection, params: dict[str, Any], now_ms: int, *, default_count: int | None
) -> ListQuery:
    """The filter and limit Nightscout builds for a list or count request on ``collection``."""
    raw_find = params.get("find", {})
    if not isinstance(raw_find, dict):
        raise QueryError("TypeError: Cannot create property on string")
    find = dict(raw_find)
    for field, typer in WALKERS[collection].items():
        value = find.get(field)
        if js_truthy(value):
            find[field] = typer(value) if isinstance(value, str) else _walk(value, typer)
    if not js_truthy(find.get("_id")):
        _enforce_date_filter(
            find, DATE_FIELDS[collection], epoch=collection == "entries", now_ms=now_ms
        )
    else:
        find["_id"] = _lower_ids(find["_id"])
    return ListQuery(find=find, limit=parse_count(params.get("count"), default_count))

"""MongoDB filter semantics on one JSON document, for the fields no column answers directly.

Comparisons follow Mongo's type bracketing: a number only compares with numbers and a string
with strings, so ``{sgv: {$gte: 100}}`` skips ``"sgv": "176"``, and a missing field matches
nothing but ``$ne``/``$nin``/``$exists: false``/``null``.
"""

from __future__ import annotations

import functools
import operator
import re
from typing import TYPE_CHECKING, Any

from glucolake.simulate.js_values import js_truthy
from glucolake.simulate.query import QueryError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["MISSING", "lookup", "matches"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
}


def lookup(doc: dict[str, Any], path: str) -> object:
    """The value at a dotted path, or ``MISSING``."""
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def _bracket(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return type(value).__name__


def _equal(value: object, wanted: object) -> bool:
    if isinstance(wanted, re.Pattern):
        return isinstance(value, str) and wanted.search(value) is not None
    if value is MISSING:
        return wanted is None
    if isinstance(value, list) and not isinstance(wanted, list):
        return any(_equal(v, wanted) for v in value)
    return _bracket(value) == _bracket(wanted) and value == wanted


def _ordered(value: object, bound: object, *, op: str) -> bool:
    if isinstance(value, list):
        return any(_ordered(v, bound, op=op) for v in value)
    if (
        value is MISSING
        or _bracket(value) != _bracket(bound)
        or _bracket(value) not in {"number", "str"}
    ):
        return False
    return _ORDER[op](value, bound)


def _as_list(op: str, arg: object) -> list[Any]:
    if not isinstance(arg, list):
        raise QueryError(f"{op} needs an array")
    return arg


def _exists(value: object, arg: object) -> bool:
    wanted = js_truthy(arg) and arg not in {"false", "0"}
    return (value is not MISSING) == wanted


def _regex(value: object, arg: object) -> bool:
    return isinstance(value, str) and re.search(str(arg), value) is not None


_OPERATORS: dict[str, Callable[[object, object], bool]] = {
    **{op: functools.partial(_ordered, op=op) for op in _ORDER},
    "$eq": _equal,
    "$ne": lambda value, arg: not _equal(value, arg),
    "$in": lambda value, arg: any(_equal(value, a) for a in _as_list("$in", arg)),
    "$nin": lambda value, arg: not any(_equal(value, a) for a in _as_list("$nin", arg)),
    "$exists": _exists,
    "$regex": _regex,
}


def _operator(value: object, op: str, arg: object) -> bool:
    if op not in _OPERATORS:
        raise QueryError(f"unknown operator: {op}")
    return _OPERATORS[op](value, arg)


def _condition(value: object, condition: object) -> bool:
    if isinstance(condition, dict) and condition and all(k.startswith("$") for k in condition):
        return all(_operator(value, op, arg) for op, arg in condition.items())
    return _equal(value, condition)


def matches(doc: dict[str, Any], find: dict[str, Any]) -> bool:
    """Whether ``doc`` satisfies the Mongo filter ``find``."""
    for field, condition in find.items():
        if field in {"$and", "$or", "$nor"}:
            parts = [
                matches(doc, sub) for sub in _as_list(field, condition) if isinstance(sub, dict)
            ]
            ok = all(parts) if field == "$and" else any(parts)
            if ok == (field == "$nor"):
                return False
        elif not _condition(lookup(doc, field), condition):
            return False
    return True

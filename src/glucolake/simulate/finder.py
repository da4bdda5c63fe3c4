"""Running a :class:`~glucolake.simulate.query.ListQuery` against sorted columns.

The date constraint (``date`` for entries, ``created_at`` otherwise) becomes a binary search on
the sorted key; ``type`` and ``dateString`` are answered from columns; any other field falls back
to building the candidate documents and matching them one by one with Mongo semantics. Rows are
returned newest first, at most ``limit`` of them.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from glucolake.simulate.matcher import matches
from glucolake.simulate.query import DATE_FIELDS, Collection, ListQuery
from glucolake.simulate.quirk_kinds import entry_types, is_typeless
from glucolake.simulate.timezones import iso_strings

if TYPE_CHECKING:
    from glucolake.simulate.columns import Columns

__all__ = ["CollectionView", "select_rows"]

Rows = npt.NDArray[np.intp]
Renderer = Callable[[Rows], list[dict[str, Any]]]
_RANGE_OPS = {"$gt", "$gte", "$lt", "$lte"}


@dataclass(frozen=True)
class CollectionView:
    """One collection of one source: columns sorted by ``key``, and how to render rows."""

    name: Collection
    columns: Columns
    key: npt.NDArray[np.float64] | npt.NDArray[np.int64]
    """Ascending sort key: entries ``date``, otherwise ``created`` (epoch ms)."""
    render: Renderer


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value)


def _numeric_range(key: npt.NDArray[Any], condition: object) -> tuple[int, int] | None:
    """Row range for numeric bounds or equality on the key, ``None`` if not that simple."""
    if _is_number(condition):
        condition = {"$gte": condition, "$lte": condition}
    if not (isinstance(condition, dict) and condition and set(condition) <= _RANGE_OPS):
        return None
    if not all(_is_number(v) for v in condition.values()):
        return None
    # NaN keys (a `date` that is no number) sort last and never satisfy a comparison.
    lo, hi = 0, int(np.searchsorted(key, np.inf, side="right"))
    for op, bound in condition.items():
        if op in {"$gt", "$gte"}:
            lo = max(lo, int(np.searchsorted(key, bound, side="right" if op == "$gt" else "left")))
        else:
            hi = min(hi, int(np.searchsorted(key, bound, side="left" if op == "$lt" else "right")))
    return lo, max(lo, hi)


def _iso_range(created: npt.NDArray[np.int64], condition: object) -> tuple[int, int] | None:
    """Row range for string bounds on ``created_at`` (stored ISO strings sort like instants)."""
    if isinstance(condition, str):
        condition = {"$gte": condition, "$lte": condition}
    if not (isinstance(condition, dict) and condition and set(condition) <= _RANGE_OPS):
        return None
    if not all(isinstance(v, str) for v in condition.values()):
        return None

    def iso_at(i: int) -> str:
        return iso_strings(created[i : i + 1])[0]

    lo, hi = 0, len(created)
    for op, bound in condition.items():
        if op in {"$gt", "$gte"}:
            search = bisect.bisect_right if op == "$gt" else bisect.bisect_left
            lo = max(lo, search(range(len(created)), bound, key=iso_at))
        else:
            search = bisect.bisect_left if op == "$lt" else bisect.bisect_right
            hi = min(hi, search(range(len(created)), bound, key=iso_at))
    return lo, max(lo, hi)


def _string_mask(values: npt.NDArray[np.str_], condition: object) -> npt.NDArray[np.bool_] | None:
    """Vectorised equality / ``$ne`` / range on a column of strings, ``None`` if not simple."""
    if isinstance(condition, str):
        return np.asarray(values == condition, dtype=bool)
    if not (
        isinstance(condition, dict)
        and condition
        and all(isinstance(v, str) for v in condition.values())
    ):
        return None
    mask = np.ones(len(values), dtype=bool)
    for op, bound in condition.items():
        if op == "$ne":
            mask &= values != bound
        elif op in _RANGE_OPS:
            mask &= {
                "$gt": np.greater,
                "$gte": np.greater_equal,
                "$lt": np.less,
                "$lte": np.less_equal,
            }[op](values, bound)
        else:
            return None
    return mask


def _column_mask(
    view: CollectionView, rows: Rows, field: str, condition: object
) -> npt.NDArray[np.bool_] | None:
    if view.name != "entries":
        return None
    if field == "type":
        kind = view.columns["kind"][rows]
        if is_typeless(kind).any():
            return None  # a missing field has its own Mongo semantics: match the documents
        return _string_mask(entry_types(kind), condition)
    if field in {"dateString", "sysTime"}:
        return _string_mask(np.array(iso_strings(view.columns["inst"][rows])), condition)
    return None


def select_rows(view: CollectionView, query: ListQuery, now_ms: int) -> Rows:
    """Row positions matching ``query`` that exist at ``now_ms``, newest first, limited."""
    find = dict(query.find)
    date_field = DATE_FIELDS[view.name]
    span = None
    if date_field in find:
        if view.name == "entries":
            span = _numeric_range(view.key, find[date_field])
        else:
            span = _iso_range(view.columns["created"], find[date_field])
        if span is not None:
            del find[date_field]
    lo, hi = span if span is not None else (0, len(view.key))
    rows = np.arange(lo, hi)
    rows = rows[view.columns["visible"][lo:hi] <= now_ms]
    for field in [f for f in find if not f.startswith("$")]:
        mask = _column_mask(view, rows, field, find[field])
        if mask is not None:
            rows = rows[mask]
            del find[field]
    rows = rows[::-1]
    if find:
        docs = view.render(rows)
        rows = rows[np.array([matches(doc, find) for doc in docs], dtype=bool)]
    return rows if query.limit is None else rows[: query.limit]

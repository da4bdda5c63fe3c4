"""Odd values in entries: "no reading" rows, glucose as text, unknown types, reset clocks.

Their registry entries live in :mod:`glucolake.simulate.quirk_kinds`; so do the older kinds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from glucolake.simulate.cohort import UPLOADER_SECOND
from glucolake.simulate.timezones import DAY_MS
from glucolake.simulate.traces import TREND_NOT_COMPUTABLE

if TYPE_CHECKING:
    from collections.abc import Callable

    from glucolake.simulate.columns import Columns
    from glucolake.simulate.quirk_kinds import Doc, Randoms

__all__ = [
    "fractional_duplicate",
    "mbg_without_value",
    "moved_rows",
    "negative",
    "no_reading",
    "pre_2000_date",
    "text_sgv_patch",
    "type_patch",
    "zero",
]

_PRE_2000_BASE_MS = 788_918_400_000  # 1995-01-01: a receiver whose clock was reset
_PRE_2000_SPAN_MS = 4 * 365 * DAY_MS  # stays before 2000-01-01 and above 1e11 (ms, not seconds)


def moved_rows(rows: Columns, visible: npt.NDArray[np.int64], salt: int) -> Columns:
    """Rows uploaded at ``visible``: ObjectId time follows, the counter is offset by ``salt``."""
    """Rows uploaded at ``visible``: ObjectId time follows, the counter is offset by ``salt``."""
    return rows.replace(
        visible=visible,
        oid_ts=(visible // 1000).astype(np.uint32),
        oid_ctr=(rows["oid_ctr"] + (salt << 16)) & 0xFFFFFF,
    )


def no_reading(value: Callable[[Randoms, Columns], npt.ArrayLike]) -> Callable[..., Columns]:
    """A kind that turns readings into "no reading" rows (the given sgv, no trend)."""
    """A transform writing ``value`` as the sgv of a reading the sensor could not compute."""

    def transform(r: Randoms, rows: Columns) -> Columns:
        return rows.replace(
            sgv=np.asarray(value(r, rows)).astype(rows["sgv"].dtype),
            trend=np.full(rows.rows, TREND_NOT_COMPUTABLE, np.int8),
            delta=np.full(rows.rows, np.nan, np.float32),
        )

    return transform


def zero(_r: Randoms, rows: Columns) -> npt.NDArray[np.int64]:
    """Sgv 0 for every chosen row."""
    return np.zeros(rows.rows, np.int64)


def negative(r: Randoms, rows: Columns) -> npt.NDArray[np.int64]:
    """A small negative sgv for every chosen row."""
    return -(1 + (r(rows["inst"]) * 10).astype(np.int64))


def text_sgv_patch(text: str) -> Callable[[Doc, Randoms, int], Doc]:
    """Render the sgv as the given text ("NaN", "")."""

    def patch(doc: Doc, _r: Randoms, _inst: int) -> Doc:
        return doc | {"sgv": text}

    return patch


def type_patch(value: str | None) -> Callable[[Doc, Randoms, int], Doc]:
    """Render the given type, or none at all for ``None``."""
    """Sets ``type`` to ``value`` where the document had it; ``None`` removes it."""

    def patch(doc: Doc, _r: Randoms, _inst: int) -> Doc:
        if value is None:
            return {k: v for k, v in doc.items() if k != "type"}
        return {k: value if k == "type" else v for k, v in doc.items()}

    return patch


def mbg_without_value(r: Randoms, rows: Columns) -> Columns:
    """Meter rows 150 s after a reading."""
    # A meter entry saved before its value (a careportal form sent empty): 150 s after a reading,
    # an offset no other kind uses, so it never shares an identity with another meter entry.
    at = rows["inst"] + 150_000
    return moved_rows(rows, at, r.code).replace(inst=at, date=at.astype(np.float64))


def pre_2000_date(_r: Randoms, rows: Columns) -> Columns:
    """Dates from a reset device clock (1995 to 1999, in ms)."""
    return rows.replace(
        date=(_PRE_2000_BASE_MS + rows["inst"] % _PRE_2000_SPAN_MS).astype(np.float64)
    )


def fractional_duplicate(r: Randoms, rows: Columns) -> Columns:
    """A re-upload 45 s later of an existing reading, its date in fractional ms."""
    # Loop/Trio re-upload a reading with the sub-millisecond part of its timestamp: same identity.
    fraction = np.round(0.01 + 0.98 * r(rows["inst"]), 3)
    out = moved_rows(rows, rows["inst"] + 45_000, r.code)
    return out.replace(
        date=rows["inst"] + fraction, uploader=np.full(rows.rows, UPLOADER_SECOND, np.int8)
    )

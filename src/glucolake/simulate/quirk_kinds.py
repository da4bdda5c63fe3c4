"""The registry of bad-record kinds that real Nightscout sites hold.

Each :class:`QuirkKind` says which collection it touches, how often, whether it replaces the
chosen documents or adds new ones, how it changes the columns, and how it changes the rendered
JSON. To add a kind, define it here and append it to ``REGISTRY`` (append only: a kind's position
is its code in the ``kind`` column and keys its random draws).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from glucolake.simulate.cohort import UPLOADER_SECOND, SourceSpec
from glucolake.simulate.keyed_random import Stream, uniform
from glucolake.simulate.quirk_entry_values import (
    fractional_duplicate,
    mbg_without_value,
    moved_rows,
    negative,
    no_reading,
    pre_2000_date,
    text_sgv_patch,
    type_patch,
    zero,
)
from glucolake.simulate.quirk_treatments import (
    carb_events,
    duplicate_treatment,
    insulin_events,
    no_millis_patch,
    null_carbs,
    text_number_patch,
    whole_second,
)
from glucolake.simulate.timezones import DAY_MS
from glucolake.simulate.traces import TREND_NOT_COMPUTABLE

if TYPE_CHECKING:
    from collections.abc import Callable

    from glucolake.simulate.columns import Columns

__all__ = [
    "ENTRY_TYPES",
    "GLUCOSE_MISSING_CODES",
    "KIND_CODES",
    "QUIRK_KINDS",
    "REGISTRY",
    "TYPELESS_CODES",
    "QuirkKind",
    "QuirkMode",
    "Randoms",
    "entry_types",
    "is_typeless",
]

QuirkMode = Literal["replace", "add", "block"]
Doc = dict[str, Any]


@dataclass(frozen=True)
class Randoms:
    """Deterministic per-row random numbers for one quirk kind of one source."""

    seed: int
    spec: SourceSpec
    code: int

    def __call__(self, keys: npt.ArrayLike, draw: int = 0) -> npt.NDArray[np.float64]:
        """Uniform numbers keyed by row keys (e.g. instants) and a draw number."""
        return uniform(self.seed, self.spec.index, Stream.QUIRK_VALUE, self.code, draw, keys)


@dataclass(frozen=True)
class QuirkKind:
    """One kind of bad record."""

    name: str
    collection: Literal["entries", "treatments"]
    mode: QuirkMode
    rate: float
    """Entries: expected occurrences per source-day. Treatments: chance per eligible document."""
    transform: Callable[[Randoms, Columns], Columns]
    """New column values of the chosen rows (replace) or the rows to add (add, block)."""
    eligible: Callable[[Columns], npt.NDArray[np.bool_]] | None = None
    patch: Callable[[Doc, Randoms, int], Doc] | None = None
    """Changes the rendered document (given the row's instant); ``None`` renders it as usual."""
    entry_type: str | None = "sgv"
    """The ``type`` of entries of this kind; ``None`` when the document has no ``type``."""
    glucose_missing: bool = False
    """Entries: the rendered document has no usable glucose value (``missing_glucose``)."""


_OTHER_DEVICE_SHARE = 0.5  # how often the duplicate comes from the other kind of uploader


def _duplicate_upload(r: Randoms, rows: Columns) -> Columns:
    # A second uploader (phone app next to the bridge) writes the same reading 30 s later.
    other = np.where(r(rows["inst"]) < _OTHER_DEVICE_SHARE, 1 - rows["style"], rows["style"])
    out = moved_rows(rows, rows["inst"] + 30_000, r.code)
    return out.replace(
        style=other.astype(np.int8), uploader=np.full(rows.rows, UPLOADER_SECOND, np.int8)
    )


def _mbg(r: Randoms, rows: Columns) -> Columns:
    error = 1.0 + 0.06 * (r(rows["inst"]) - 0.5) * 2
    meter = np.clip(np.rint(rows["sgv"] * error), 40, 400).astype(rows["sgv"].dtype)
    return moved_rows(rows, rows["inst"] + 120_000, r.code).replace(sgv=meter)


def _mbg_patch(doc: Doc, _r: Randoms, _inst: int) -> Doc:
    return _only(doc, "_id", "device", "date", "dateString", "sysTime", "utcOffset") | {
        "mbg": doc["sgv"],
        "type": "mbg",
    }


def _cal(r: Randoms, rows: Columns) -> Columns:
    at = rows["inst"] + 7_000
    return moved_rows(rows, at, r.code).replace(inst=at, date=at.astype(np.float64))


def _cal_patch(doc: Doc, r: Randoms, inst: int) -> Doc:
    u = r(np.array([inst, inst + 1]), 1)
    return _only(doc, "_id", "device", "date", "dateString", "sysTime", "utcOffset") | {
        "slope": round(800.0 + 300.0 * float(u[0]), 3),
        "intercept": round(20_000.0 + 10_000.0 * float(u[1]), 3),
        "scale": 1,
        "type": "cal",
    }


_SENTINEL_SPLIT = 200  # below: the sensor reads LOW (39), above: HIGH (401)
_ERROR_CODES = np.array([5, 5, 5, 1, 2, 3, 6, 9, 10, 12], dtype=np.int16)


def _error_code(r: Randoms, rows: Columns) -> Columns:
    codes = _ERROR_CODES[(r(rows["inst"]) * len(_ERROR_CODES)).astype(np.int64)]
    return rows.replace(
        sgv=codes.astype(rows["sgv"].dtype),
        trend=np.full(rows.rows, TREND_NOT_COMPUTABLE, np.int8),
        delta=np.full(rows.rows, np.nan, np.float32),
    )


def _sentinel(_r: Randoms, rows: Columns) -> Columns:
    low = rows["sgv"] < _SENTINEL_SPLIT
    return rows.replace(sgv=np.where(low, 39, 401).astype(rows["sgv"].dtype))


def _unchanged(_r: Randoms, rows: Columns) -> Columns:
    return rows


def _string_sgv_patch(doc: Doc, _r: Randoms, _inst: int) -> Doc:
    return doc | {"sgv": str(doc["sgv"])}


def _fractional_date(r: Randoms, rows: Columns) -> Columns:
    fraction = np.round(0.01 + 0.98 * r(rows["inst"]), 2)
    return rows.replace(date=rows["inst"] + fraction)


def _seconds_date(_r: Randoms, rows: Columns) -> Columns:
    return rows.replace(date=(rows["inst"] // 1000).astype(np.float64))


def _missing_sgv_patch(doc: Doc, _r: Randoms, _inst: int) -> Doc:
    return {k: v for k, v in doc.items() if k != "sgv"}


def _future_date(r: Randoms, rows: Columns) -> Columns:
    # An uploader with a wrong clock: uploaded now, dated one to four days ahead.
    ahead = (1 + (r(rows["inst"]) * 3.999).astype(np.int64)) * DAY_MS + 97_000
    future = rows["inst"] + ahead
    out = moved_rows(rows, rows["inst"], r.code)
    return out.replace(inst=future, date=future.astype(np.float64))


def _unknown_type(r: Randoms, rows: Columns) -> Columns:
    at = rows["inst"] + 2_000
    return moved_rows(rows, at, r.code).replace(inst=at, date=at.astype(np.float64))


def _unknown_type_patch(doc: Doc, r: Randoms, inst: int) -> Doc:
    isig = round(15.0 + 30.0 * float(r(np.array([inst]), 1)[0]), 2)
    return _only(doc, "_id", "date", "dateString", "sysTime", "utcOffset", "sgv") | {
        "device": "connect://medtronic-640g",
        "type": "carelink_raw",
        "isig": isig,
    }


def _late_upload(r: Randoms, rows: Columns) -> Columns:
    # `rows` is one block; it is backfilled one to six hours after its last reading.
    delay = 3_600_000 + int(r(rows["inst"][:1])[0] * 5 * 3_600_000)
    visible = np.full(rows.rows, int(rows["inst"].max()) + delay, np.int64)
    return rows.replace(visible=visible, oid_ts=(visible // 1000).astype(np.uint32))


def _only(doc: Doc, *keys: str) -> Doc:
    return {k: doc[k] for k in keys if k in doc}


def _mbg_without_value_patch(doc: Doc, r: Randoms, inst: int) -> Doc:
    """A meter document without its mbg value."""
    return {k: v for k, v in _mbg_patch(doc, r, inst).items() if k != "mbg"}


REGISTRY: tuple[QuirkKind, ...] = (
    QuirkKind("duplicate_upload", "entries", "add", 3.0, _duplicate_upload),
    QuirkKind("mbg", "entries", "add", 2.0, _mbg, patch=_mbg_patch, entry_type="mbg"),
    QuirkKind("cal", "entries", "add", 1.0, _cal, patch=_cal_patch, entry_type="cal"),
    QuirkKind("sensor_error_code", "entries", "replace", 2.0, _error_code),
    QuirkKind("low_high_sentinel", "entries", "replace", 0.5, _sentinel),
    QuirkKind("string_sgv", "entries", "replace", 1.0, _unchanged, patch=_string_sgv_patch),
    QuirkKind("fractional_date", "entries", "replace", 1.0, _fractional_date),
    QuirkKind("seconds_date", "entries", "replace", 0.3, _seconds_date),
    QuirkKind(
        "missing_sgv",
        "entries",
        "replace",
        0.5,
        _unchanged,
        patch=_missing_sgv_patch,
        glucose_missing=True,
    ),
    QuirkKind("future_date", "entries", "add", 1.0, _future_date),
    QuirkKind(
        "unknown_type",
        "entries",
        "add",
        0.3,
        _unknown_type,
        patch=_unknown_type_patch,
        entry_type="carelink_raw",
    ),
    QuirkKind("late_upload", "entries", "block", 0.15, _late_upload),
    QuirkKind("duplicate_treatment", "treatments", "add", 0.03, duplicate_treatment),
    QuirkKind("null_carbs", "treatments", "replace", 0.05, null_carbs, eligible=carb_events),
    # xDrip/Share "no reading" rows: sgv 0 or negative, no trend.
    QuirkKind("zero_sgv", "entries", "replace", 0.3, no_reading(zero)),
    QuirkKind("negative_sgv", "entries", "replace", 0.2, no_reading(negative)),
    # A JavaScript NaN or an empty field stringified by an uploader.
    QuirkKind(
        "nan_sgv",
        "entries",
        "replace",
        0.2,
        no_reading(zero),
        patch=text_sgv_patch("NaN"),
        glucose_missing=True,
    ),
    QuirkKind(
        "empty_sgv",
        "entries",
        "replace",
        0.2,
        no_reading(zero),
        patch=text_sgv_patch(""),
        glucose_missing=True,
    ),
    # Types Nightscout does not know: case matters, an empty one, none at all.
    QuirkKind(
        "uppercase_type",
        "entries",
        "replace",
        0.2,
        _unchanged,
        patch=type_patch("SGV"),
        entry_type="SGV",
    ),
    QuirkKind(
        "empty_type", "entries", "replace", 0.2, _unchanged, patch=type_patch(""), entry_type=""
    ),
    QuirkKind(
        "missing_type",
        "entries",
        "replace",
        0.2,
        _unchanged,
        patch=type_patch(None),
        entry_type=None,
    ),
    QuirkKind(
        "mbg_without_value",
        "entries",
        "add",
        0.3,
        mbg_without_value,
        patch=_mbg_without_value_patch,
        entry_type="mbg",
        glucose_missing=True,
    ),
    QuirkKind("pre_2000_date", "entries", "replace", 0.2, pre_2000_date),
    QuirkKind("fractional_duplicate", "entries", "add", 0.5, fractional_duplicate),
    QuirkKind(
        "created_at_without_ms",
        "treatments",
        "replace",
        0.03,
        whole_second,
        patch=no_millis_patch,
    ),
    QuirkKind(
        "string_insulin",
        "treatments",
        "replace",
        0.03,
        _unchanged,
        eligible=insulin_events,
        patch=text_number_patch("insulin"),
    ),
    QuirkKind(
        "string_carbs",
        "treatments",
        "replace",
        0.03,
        _unchanged,
        eligible=carb_events,
        patch=text_number_patch("carbs"),
    ),
)

QUIRK_KINDS: tuple[str, ...] = tuple(kind.name for kind in REGISTRY)
# The `kind` column: 0 for an ordinary document, i + 1 for REGISTRY[i].
KIND_CODES: dict[str, int] = {name: code for code, name in enumerate(QUIRK_KINDS, start=1)}
# `type` of the entries of each kind code (0 = ordinary sgv entry); "" also where there is none.
ENTRY_TYPES = np.array(["sgv", *(kind.entry_type or "" for kind in REGISTRY)])
# Kind codes of entries without a `type` field.
TYPELESS_CODES = np.array(
    [code for code, kind in enumerate(REGISTRY, start=1) if kind.entry_type is None], np.int8
)
# Kind codes of entries whose document has no usable glucose value.
GLUCOSE_MISSING_CODES = np.array(
    [code for code, kind in enumerate(REGISTRY, start=1) if kind.glucose_missing], np.int8
)


def entry_types(kind: npt.NDArray[np.int8]) -> npt.NDArray[np.str_]:
    """The ``type`` field of entries with these kind codes ("" for entries without one)."""
    return ENTRY_TYPES[kind]


def is_typeless(kind: npt.NDArray[np.int8]) -> npt.NDArray[np.bool_]:
    """Whether entries with these kind codes have no ``type`` field at all."""
    return np.isin(kind, TYPELESS_CODES)

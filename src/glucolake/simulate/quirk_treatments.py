"""The treatment kinds of bad records: double uploads, null carbs, text numbers, no milliseconds.

Their registry entries live in :mod:`glucolake.simulate.quirk_kinds`, with the entry kinds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from glucolake.simulate.cohort import UPLOADER_SECOND
from glucolake.simulate.events import ENTERED_BY, EV_CARB_CORRECTION, EV_MEAL

if TYPE_CHECKING:
    from collections.abc import Callable

    from glucolake.simulate.columns import Columns
    from glucolake.simulate.quirk_kinds import Doc, Randoms

__all__ = [
    "carb_events",
    "duplicate_treatment",
    "insulin_events",
    "no_millis_patch",
    "null_carbs",
    "text_number_patch",
    "whole_second",
]


def duplicate_treatment(r: Randoms, rows: Columns) -> Columns:
    """The same treatment uploaded again a minute later under another _id."""
    visible = rows["created"] + 60_000
    return rows.replace(
        visible=visible,
        oid_ts=(visible // 1000).astype(np.uint32),
        uploader=np.full(rows.rows, UPLOADER_SECOND, np.int8),
        entered=np.full(rows.rows, ENTERED_BY.index("xdrip"), np.int8),
        oid_ctr=(rows["oid_ctr"] + (r.code << 16)) & 0xFFFFFF,
    )


def carb_events(rows: Columns) -> npt.NDArray[np.bool_]:
    """Treatments that carry carbs (meals and carb corrections)."""
    return np.isin(rows["event"], [EV_MEAL, EV_CARB_CORRECTION])


def null_carbs(_r: Randoms, rows: Columns) -> Columns:
    """Carbs served as null."""
    return rows.replace(carbs=np.full(rows.rows, np.nan))


def insulin_events(rows: Columns) -> npt.NDArray[np.bool_]:
    """Treatments that carry insulin."""
    return ~np.isnan(rows["insulin"])


def whole_second(_r: Randoms, rows: Columns) -> Columns:
    """created_at on a whole second (its instant loses the milliseconds)."""
    created = rows["created"] - rows["created"] % 1000
    return rows.replace(created=created, visible=np.maximum(rows["visible"], created))


def no_millis_patch(doc: Doc, _r: Randoms, _inst: int) -> Doc:
    """Render created_at without milliseconds."""
    # "2025-03-20T10:00:05.000Z" -> "2025-03-20T10:00:05Z" (the instant is a whole second).
    return doc | {"created_at": doc["created_at"][:19] + "Z"}


def text_number_patch(field: str) -> Callable[[Doc, Randoms, int], Doc]:
    """Render the given number field as text ("1.5")."""

    def patch(doc: Doc, _r: Randoms, _inst: int) -> Doc:
        return doc | {field: str(doc[field])}

    return patch

"""Injecting the registered quirk kinds into a source's columns.

Choices are keyed by the row's own instant (and a per-day draw for blocks), so a day's quirks do
not depend on the range generated. Kinds never share a row: a row-level uniform number is cut into
one interval per kind, and rows inside a late-upload block are left to that block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from glucolake.simulate.columns import Columns
from glucolake.simulate.keyed_random import Stream, uniform
from glucolake.simulate.quirk_kinds import KIND_CODES, REGISTRY, QuirkKind, Randoms
from glucolake.simulate.timezones import DAY_MS
from glucolake.simulate.traces import SLOTS_PER_DAY

if TYPE_CHECKING:
    from glucolake.simulate.cohort import SourceSpec

__all__ = ["inject_entry_quirks", "inject_treatment_quirks"]

_BLOCK_MIN, _BLOCK_SPREAD = 6, 19


def _intervals(kinds: list[QuirkKind], per_row: list[float]) -> list[tuple[float, float]]:
    edges = np.concatenate([[0.0], np.cumsum(per_row)])
    if edges[-1] > 1.0:
        raise ValueError("quirk rates are too high: lower quirk_scale")
    return [(float(edges[i]), float(edges[i + 1])) for i in range(len(kinds))]


def _apply(
    seed: int,
    spec: SourceSpec,
    rows: Columns,
    picks: list[tuple[QuirkKind, npt.NDArray[np.intp]]],
) -> Columns:
    """Replace or add rows for each (kind, chosen row positions)."""
    columns = {name: rows[name].copy() for name in rows}
    added: list[Columns] = []
    for kind, chosen in picks:
        if len(chosen) == 0:
            continue
        code = KIND_CODES[kind.name]
        result = kind.transform(Randoms(seed, spec, code), rows.take(chosen))
        result = result.replace(kind=np.full(result.rows, code, np.int8))
        if kind.mode == "add":
            added.append(result)
        else:
            for name, values in columns.items():
                values[chosen] = result[name]
    return Columns.concat([Columns(columns), *added])


def _blocks(
    seed: int, spec: SourceSpec, kind: QuirkKind, day: npt.NDArray[np.int64], scale: float
) -> list[npt.NDArray[np.intp]]:
    """Runs of consecutive rows (one per chosen day) for a block kind; rows sorted by time."""
    days, first, count = np.unique(day, return_index=True, return_counts=True)
    code = KIND_CODES[kind.name]
    u = uniform(seed, spec.index, Stream.QUIRK_BLOCK, code, days[:, None], np.arange(3)[None, :])
    length = _BLOCK_MIN + (u[:, 1] * _BLOCK_SPREAD).astype(np.int64)
    chosen = (u[:, 0] < min(kind.rate * scale, 1.0)) & (count > length)
    starts = first + (u[:, 2] * (count - length)).astype(np.int64)
    return [np.arange(s, s + n) for s, n in zip(starts[chosen], length[chosen], strict=True)]


def inject_entry_quirks(seed: int, spec: SourceSpec, rows: Columns, scale: float) -> Columns:
    """Entries with every entries quirk kind applied (``rows`` sorted by ``inst``)."""
    kinds = [k for k in REGISTRY if k.collection == "entries"]
    free = np.ones(rows.rows, dtype=bool)
    picks: list[tuple[QuirkKind, npt.NDArray[np.intp]]] = []
    day = rows["inst"] // DAY_MS
    for kind in (k for k in kinds if k.mode == "block"):
        for block in _blocks(seed, spec, kind, day, scale):
            free[block] = False
            picks.append((kind, block))
    row_kinds = [k for k in kinds if k.mode != "block"]
    u = uniform(seed, spec.index, Stream.QUIRK_PICK, rows["inst"])
    bounds = _intervals(row_kinds, [k.rate * scale / SLOTS_PER_DAY for k in row_kinds])
    for kind, (lo, hi) in zip(row_kinds, bounds, strict=True):
        mask = free & (u >= lo) & (u < hi)
        if kind.eligible is not None:
            mask &= kind.eligible(rows)
        picks.append((kind, np.flatnonzero(mask)))
    # Blocks are applied one by one: each is uploaded at its own time.
    return _apply(seed, spec, rows, picks)


def inject_treatment_quirks(seed: int, spec: SourceSpec, rows: Columns, scale: float) -> Columns:
    """Treatments with every treatments quirk kind applied."""
    kinds = [k for k in REGISTRY if k.collection == "treatments"]
    u = uniform(seed, spec.index, Stream.TREATMENT_QUIRK, rows["created"], rows["event"])
    picks: list[tuple[QuirkKind, npt.NDArray[np.intp]]] = []
    for kind, (lo, hi) in zip(
        kinds, _intervals(kinds, [k.rate * scale for k in kinds]), strict=True
    ):
        mask = (u >= lo) & (u < hi)
        if kind.eligible is not None:
            mask &= kind.eligible(rows)
        picks.append((kind, np.flatnonzero(mask)))
    return _apply(seed, spec, rows, picks)

"""A tiny struct-of-arrays container: the simulator's documents live as numpy columns.

Holding a year of readings for a hundred sources as Python dicts would take gigabytes; as
columns it takes a few hundred megabytes, and JSON documents are built only for the page asked for.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["Columns"]

Array = npt.NDArray[Any]


class Columns(Mapping[str, Array]):
    """Equal-length named numpy arrays, read-only as a mapping."""

    __slots__ = ("_data", "_length")

    def __init__(self, data: Mapping[str, npt.ArrayLike]) -> None:
        """Wrap ``data``; every array must have the same length."""
        arrays = {name: np.asarray(values) for name, values in data.items()}
        lengths = {len(a) for a in arrays.values()}
        if len(lengths) > 1:
            raise ValueError(
                f"columns differ in length: { {k: len(v) for k, v in arrays.items()} }"
            )
        self._data = arrays
        self._length = lengths.pop() if lengths else 0

    def __getitem__(self, name: str) -> Array:
        """The column called ``name``."""
        return self._data[name]

    def __iter__(self) -> Iterator[str]:
        """Column names."""
        return iter(self._data)

    def __len__(self) -> int:
        """Number of columns (use :attr:`rows` for the number of rows)."""
        return len(self._data)

    @property
    def rows(self) -> int:
        """Number of rows."""
        return self._length

    def take(self, index: Array | slice) -> Columns:
        """Rows selected by an integer index array or a boolean mask."""
        return Columns({name: values[index] for name, values in self._data.items()})

    def replace(self, **columns: npt.ArrayLike) -> Columns:
        """A copy with some columns replaced (or added)."""
        return Columns({**self._data, **{k: np.asarray(v) for k, v in columns.items()}})

    @staticmethod
    def concat(parts: Sequence[Columns]) -> Columns:
        """Stack parts that share the same column names (dtypes are promoted by numpy)."""
        names = list(parts[0])
        return Columns({name: np.concatenate([p[name] for p in parts]) for name in names})

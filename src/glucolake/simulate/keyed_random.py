"""Counter-based random numbers: every draw is a pure function of its key.

The simulator must serve identical documents for a (seed, source, UTC day) whatever the start
date, the number of days or the wall clock. A sequential generator cannot promise that cheaply,
so every random number here is a hash of ``(seed, source, stream, key...)`` (SplitMix64 finaliser,
vectorised with numpy). A "stream" separates unrelated uses of the same key, e.g. meal times and
sensor noise on the same day.
"""

from __future__ import annotations

import enum

import numpy as np
import numpy.typing as npt

__all__ = ["Stream", "hash64", "normal", "uniform"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 2.0**-53

U64Array = npt.NDArray[np.uint64]
F64Array = npt.NDArray[np.float64]


class Stream(enum.IntEnum):
    """Independent random streams; the numbers are part of the data contract (do not renumber)."""

    SOURCE = 1
    DAY_EVENTS = 2
    KNOTS = 3
    NOISE = 4
    JITTER = 5
    GAPS = 6
    SESSION = 7
    DEVICESTATUS = 8
    QUIRK_PICK = 9
    QUIRK_VALUE = 10
    QUIRK_BLOCK = 11
    TREATMENT_QUIRK = 12


def _mix(x: U64Array) -> U64Array:
    """SplitMix64 finaliser; numpy wraps uint64 arithmetic modulo 2**64 for arrays."""
    x = (x ^ (x >> np.uint64(30))) * _MUL1
    x = (x ^ (x >> np.uint64(27))) * _MUL2
    return x ^ (x >> np.uint64(31))


def hash64(seed: int, source: int, stream: Stream, *keys: npt.ArrayLike) -> U64Array:
    """Hash a key tuple to uniformly distributed 64-bit integers (broadcasting the keys).

    Args:
        seed: The simulator seed.
        source: The source index (0-based).
        stream: Which independent stream the numbers belong to.
        *keys: Integer keys (scalars or arrays); they are broadcast against each other.

    Returns:
        An array of the broadcast shape (at least one-dimensional).
    """
    head = np.array(
        [(seed * 0x2545F4914F6CDD1D + source * 0x5851F42D4C957F2D + int(stream)) % 2**64],
        dtype=np.uint64,
    )
    h = _mix(head + _GOLDEN)
    for key in keys:
        k = np.asarray(key, dtype=np.int64).astype(np.uint64)
        h = _mix((h ^ k) + _GOLDEN)
    return np.atleast_1d(h)


def uniform(seed: int, source: int, stream: Stream, *keys: npt.ArrayLike) -> F64Array:
    """Uniform numbers in [0, 1) keyed like :func:`hash64`."""
    return (hash64(seed, source, stream, *keys) >> np.uint64(11)).astype(np.float64) * _TO_UNIT


def normal(seed: int, source: int, stream: Stream, *keys: npt.ArrayLike) -> F64Array:
    """Standard normal numbers keyed like :func:`hash64` (Box-Muller on two derived uniforms)."""
    h = hash64(seed, source, stream, *keys)
    u1 = ((h >> np.uint64(11)).astype(np.float64) + 0.5) * _TO_UNIT
    u2 = (_mix(h + _GOLDEN) >> np.uint64(11)).astype(np.float64) * _TO_UNIT
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)

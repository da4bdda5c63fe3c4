"""Where the raw zone keeps a source's documents: the one place its paths are spelled.

``raw/nightscout/<collection>/source=<id>/`` holds one folder per UTC day
(``date=YYYY-MM-DD``, or ``date=unknown`` for documents without a usable time) and, once a
month is closed and compacted, one per month (``month=YYYY-MM``).
"""

from __future__ import annotations

from datetime import date

__all__ = [
    "COLLECTIONS",
    "DAY_PREFIX",
    "MONTH_PREFIX",
    "collection_dir",
    "day_dir",
    "month_dir",
    "month_of_partition",
    "source_dir",
]

COLLECTIONS = ("entries", "treatments", "devicestatus", "profile")
DAY_PREFIX = "date="
MONTH_PREFIX = "month="


def collection_dir(collection: str) -> str:
    """The folder of every source's documents of one collection."""
    return f"raw/nightscout/{collection}"


def source_dir(collection: str, source_id: str) -> str:
    """The folder of one source's documents of one collection (its partitions inside)."""
    return f"{collection_dir(collection)}/source={source_id}"


def day_dir(collection: str, source_id: str, day: str) -> str:
    """The folder of one source's documents of one UTC day (``YYYY-MM-DD`` or ``unknown``)."""
    return f"{source_dir(collection, source_id)}/{DAY_PREFIX}{day}"


def month_dir(collection: str, source_id: str, month: str) -> str:
    """The folder of one source's compacted documents of one UTC month (``YYYY-MM``)."""
    return f"{source_dir(collection, source_id)}/{MONTH_PREFIX}{month}"


def month_of_partition(partition: str) -> str | None:
    """The ``YYYY-MM`` a ``date=YYYY-MM-DD`` or ``month=YYYY-MM`` folder holds; ``None`` else."""
    if partition.startswith(MONTH_PREFIX):
        return partition.removeprefix(MONTH_PREFIX)
    day = partition.removeprefix(DAY_PREFIX)
    if partition.startswith(DAY_PREFIX) and _is_iso_day(day):
        return day[:7]
    return None


def _is_iso_day(text: str) -> bool:
    """``YYYY-MM-DD`` exactly (``date.fromisoformat`` also takes ``YYYYMMDD``)."""
    try:
        return date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False

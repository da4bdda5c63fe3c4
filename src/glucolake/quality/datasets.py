"""The datasets the gate validates, read from the lake one source at a time (bounded memory).

Row-level suites run on each source's rows in turn, so memory follows the largest source, not
the cohort. Group-level rules (readings per local day, quarantined share, a source's mean) run on
small derived tables that DuckDB aggregates straight from the Parquet.

dbt-duckdb writes one all-null row into an external model that has no rows (so the file keeps a
schema); every read here skips that placeholder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from glucolake.lake.duckdb_access import not_placeholder

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    import duckdb
    import pandas as pd

__all__ = ["LakeDatasets"]

INTERMEDIATE = "intermediate/int_glucose_enriched.parquet"
QUARANTINE = "staging/stg_nightscout__entries_quarantine.parquet"
TREATMENTS = "staging/stg_nightscout__treatments.parquet"

_PER_SOURCE_DAY = """
    select source_id, local_date, count(*) as n_readings
    from read_parquet($readings)
    where source_id is not null
    group by all
"""

# Per source: the share of this run's entries that were quarantined, and the glucose profile
# the warnings look at. Active % is iglu's span-based figure on a 5-minute grid, close enough
# for a warning; the exact one is in the marts.
_PER_SOURCE = """
    with readings as (
        select
            source_id,
            count(*) as n_readings,
            avg(glucose_mg_dl) as mean_glucose,
            100 * stddev_samp(glucose_mg_dl) / avg(glucose_mg_dl) as cv_glucose,
            least(100, 100.0 * count(*) / ((max(date_ms) - min(date_ms)) / 300000 + 1))
                as active_percent,
            ($now_ms - max(date_ms)) / 3600000.0 as hours_since_newest
        from read_parquet($readings)
        where source_id is not null
        group by source_id
    ),
    quarantined as (
        select source_id, count(*) as n_quarantined
        from read_parquet($quarantine)
        where source_id is not null
        group by source_id
    )
    select
        coalesce(readings.source_id, quarantined.source_id) as source_id,
        coalesce(n_quarantined, 0) * 1.0
            / (coalesce(n_readings, 0) + coalesce(n_quarantined, 0)) as quarantined_share,
        mean_glucose,
        cv_glucose,
        active_percent,
        hours_since_newest
    from readings
    full outer join quarantined on readings.source_id = quarantined.source_id
"""


@dataclass(frozen=True)
class LakeDatasets:
    """Where the gate reads from: the lake's URI and a DuckDB connection that can reach it."""

    lake: str
    connection: duckdb.DuckDBPyConnection

    def path(self, relative: str) -> str:
        """The full location of a lake file."""
        return f"{self.lake}/{relative}"

    def readings_in_batches(self, max_rows: int, columns: Iterable[str]) -> Iterator[pd.DataFrame]:
        """The intermediate readings' ``columns`` (and source_id), whole sources at a time.

        Sources are packed in order, about ``max_rows`` a batch, until the next one would pass
        it (a larger source is a batch of its own), so a batch is a range of source ids: one
        filter DuckDB checks against each row group's statistics. Only the columns a suite
        looks at are read, through Arrow: a year of every column as pandas took 14 s, and
        nullable integers as pandas' masked type sent GX's range checks down a per-value path.
        """
        counts = self.connection.execute(
            "select source_id, count(*) from read_parquet($p) "
            "where source_id is not null group by all order by 1",
            {"p": self.path(INTERMEDIATE)},
        ).fetchall()
        selected = ", ".join(_quoted(c) for c in sorted({"source_id", *columns}))
        for first, last in _source_ranges(counts, max_rows):
            batch = self.connection.execute(
                f"select {selected} from read_parquet($p) "  # noqa: S608 - quoted names
                "where source_id between $first and $last",
                {"p": self.path(INTERMEDIATE), "first": first, "last": last},
            )
            yield batch.arrow().read_all().to_pandas()

    def whole(self, relative: str) -> pd.DataFrame:
        """A small lake table, whole (quarantine, treatments)."""
        condition = not_placeholder(self.connection, self.path(relative))
        return self.connection.execute(
            f"select * from read_parquet($p) where {condition}",  # noqa: S608 - quoted names
            {"p": self.path(relative)},
        ).df()

    def per_source_day(self) -> pd.DataFrame:
        """Readings per source and local day."""
        return self.connection.execute(_PER_SOURCE_DAY, {"readings": self.path(INTERMEDIATE)}).df()

    def per_source(self, now_ms: int) -> pd.DataFrame:
        """Per-source quarantine share and glucose profile."""
        return self.connection.execute(
            _PER_SOURCE,
            {
                "readings": self.path(INTERMEDIATE),
                "quarantine": self.path(QUARANTINE),
                "now_ms": now_ms,
            },
        ).df()


def _source_ranges(counts: list[tuple[str, int]], max_rows: int) -> Iterator[tuple[str, str]]:
    """(first, last) source id of each batch of consecutive sources, in order."""
    first: str | None = None
    last = ""
    rows = 0
    for source_id, n in counts:
        if first is not None and rows + n > max_rows:
            yield first, last
            first = None
        if first is None:
            first, rows = source_id, 0
        last = source_id
        rows += n
    if first is not None:
        yield first, last


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'

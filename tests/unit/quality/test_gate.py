"""The gate validates readings in batches of sources and still names the sources that fail."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import jinja2
import pytest

from glucolake.quality import load_suites, run_gate
from glucolake.quality.datasets import INTERMEDIATE, QUARANTINE, TREATMENTS, LakeDatasets
from glucolake.quality.datasets import _source_ranges as source_ranges

# Great Expectations runs in this process here (the pipeline runs it in its own): its
# deprecated imports and pandas calls warn, which the project's settings turn into errors.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")

SUITES = Path(__file__).parents[3] / "expectations"
NOW_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


@pytest.mark.parametrize(
    ("counts", "max_rows", "ranges"),
    [
        ([], 10, []),
        ([("a", 3), ("b", 3), ("c", 3)], 10, [("a", "c")]),
        ([("a", 3), ("b", 3), ("c", 3)], 6, [("a", "b"), ("c", "c")]),
        # A source larger than a batch is a batch of its own, never split.
        ([("a", 3), ("b", 30), ("c", 3)], 6, [("a", "a"), ("b", "b"), ("c", "c")]),
    ],
)
def test_sources_are_packed_in_order_into_batches(counts, max_rows, ranges):
    assert list(source_ranges(counts, max_rows)) == ranges


def write_lake(lake: Path, glucose_by_source: dict[str, list[float]]) -> None:
    rows = [
        (source_id, NOW_MS - 86_400_000 + i * 300_000, glucose)
        for source_id, values in glucose_by_source.items()
        for i, glucose in enumerate(values)
    ]
    for relative in (INTERMEDIATE, QUARANTINE, TREATMENTS):
        (lake / relative).parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as connection:
        connection.execute(
            "create table readings (source_id varchar, date_ms bigint, glucose_mg_dl double)"
        )
        connection.executemany("insert into readings values (?, ?, ?)", rows)
        connection.sql(
            "select *, make_timestamptz(date_ms * 1000) as reading_at,"
            " make_timestamptz(date_ms * 1000)::date as local_date,"
            " 'Flat' as direction, 4 as trend from readings"
        ).write_parquet(str(lake / INTERMEDIATE))
        connection.sql("select 'a' as source_id, 'future_date' as quarantine_reason").write_parquet(
            str(lake / QUARANTINE)
        )
        connection.sql(
            "select 'a' as source_id, 'Meal Bolus' as event_type, 2.0 as insulin_units"
        ).write_parquet(str(lake / TREATMENTS))


def gate(lake: Path, monkeypatch, batch_rows: int, data_docs: Path | None = None):
    monkeypatch.setattr("glucolake.quality.gate.READINGS_BATCH_ROWS", batch_rows)
    suites = {
        name: suite for name, suite in load_suites(SUITES).items() if name == "int_glucose_enriched"
    }
    with duckdb.connect() as connection:
        return run_gate(
            LakeDatasets(str(lake), connection),
            suites,
            run_id="t",
            now_ms=NOW_MS,
            data_docs=data_docs,
        )


def range_outcome(report):
    return next(
        o
        for o in report.outcomes
        if o.expectation == "expect_column_values_to_be_between"
        and o.kwargs["column"] == "glucose_mg_dl"
    )


@pytest.mark.parametrize("batch_rows", [1, 5, 1_000])
def test_a_failure_in_a_batch_of_sources_names_only_the_failing_sources(
    tmp_path, monkeypatch, batch_rows
):
    write_lake(
        tmp_path,
        {"a": [100, 110, 120], "b": [100, 700, 120], "c": [90, 95], "d": [10, 650, 130]},
    )
    report = gate(tmp_path, monkeypatch, batch_rows)
    outcome = range_outcome(report)
    assert not report.passed
    assert (outcome.unexpected, outcome.checked) == (3, 11)
    assert outcome.failing_sources == ["b", "d"]
    # Every other expectation held, whatever the batches.
    assert [o for o in report.outcomes if not o.success] == [outcome]


def test_clean_batches_pass(tmp_path, monkeypatch):
    write_lake(tmp_path, {"a": [100, 110], "b": [120, 130]})
    report = gate(tmp_path, monkeypatch, 1_000)
    assert report.passed
    assert range_outcome(report).checked == 4


def test_data_docs_reuse_the_templates_an_earlier_gate_compiled(tmp_path, monkeypatch):
    """GX compiles its Data Docs templates at every gate; the home keeps the code instead."""
    compiled: list[str] = []
    generate = jinja2.Environment._generate

    def counting(self, source, *args, **kwargs):
        compiled.append(str(getattr(source, "name", None)))
        return generate(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "_generate", counting)
    write_lake(tmp_path / "lake", {"a": [100, 110]})
    quality = tmp_path / "home" / "quality"  # where the code is kept, beside the site
    gate(tmp_path / "lake", monkeypatch, 1_000, data_docs=quality / "data_docs")
    first = len(compiled)
    gate(tmp_path / "lake", monkeypatch, 1_000, data_docs=quality / "another_site")

    assert first > 20, first  # the site's page, section and content templates
    assert len(compiled) == first, compiled[first:]
    # The same site: its pages, but for the moment of the run in their names.
    moment = re.compile(r"\d{8}T\d{6}\.\d+Z")
    sites = [quality / name for name in ("data_docs", "another_site")]
    pages = [
        sorted(moment.sub("", str(p.relative_to(s))) for p in s.rglob("*.html")) for s in sites
    ]
    assert pages[0] == pages[1]
    assert len(pages[1]) >= 3, pages[1]  # the index, the suite, the validation
    assert "int_glucose_enriched" in (sites[1] / "index.html").read_text()

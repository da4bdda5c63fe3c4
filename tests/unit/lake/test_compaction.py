from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pyarrow as pa
from tests.helpers import raw_rows

from glucolake.lake import Lake, compaction
from glucolake.lake.compaction import compact_closed_months
from glucolake.lake.raw import RawPartitionWriter
from glucolake.lake.raw_encoding import (
    ENCODING_VERSION,
    canonical_json,
    document_texts,
    encode_documents,
)
from glucolake.lake.raw_layout import month_of_partition
from glucolake.settings import S3Settings

FETCHED = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)
BASE = 1_759_276_800_000  # 2025-10-01T00:00:00Z
STEP = 300_000
FOLDER = "raw/nightscout/entries/source=alice"


def lake_at(tmp_path):
    return Lake.open(str(tmp_path / "lake"), S3Settings())


def entries(n, start=BASE):
    return [
        {"_id": f"{i:024x}", "date": start + i * STEP, "sgv": 100 + i % 50, "type": "sgv"}
        for i in range(n)
    ]


def write(lake, docs, batch, fetched=FETCHED):
    writer = RawPartitionWriter(lake, collection="entries", source_id="alice", batch_id=batch)
    writer.add(docs, fetched_at=fetched)
    return writer.close()


def stored_rows(lake):
    return sorted(raw_rows(lake.path("raw/nightscout/entries")))


def compact(lake, newest_day, batch="c1"):
    return compact_closed_months(lake, "entries", "alice", newest_day=newest_day, batch_id=batch)


def test_a_closed_month_becomes_one_file_holding_every_document_as_fetched(tmp_path):
    lake = lake_at(tmp_path)
    write(lake, entries(288 * 20), "b1")  # 2025-10-01 .. 2025-10-20
    later = datetime(2026, 11, 27, tzinfo=UTC)
    write(lake, entries(288 * 15, start=BASE + 288 * 20 * STEP), "b2", fetched=later)
    before = stored_rows(lake)

    stats = compact(lake, date(2025, 11, 8))

    assert stats.months == 1
    assert stats.files_merged == 31
    assert lake.list_dirs(FOLDER) == [
        "date=2025-11-01",
        "date=2025-11-02",
        "date=2025-11-03",
        "date=2025-11-04",
        "month=2025-10",
    ]
    assert lake.list_files(f"{FOLDER}/month=2025-10") == [f"{FOLDER}/month=2025-10/c1-0000.parquet"]
    # Byte for byte, each with its own batch and fetch time.
    assert stored_rows(lake) == before


def test_an_open_month_is_left_alone(tmp_path):
    lake = lake_at(tmp_path)
    write(lake, entries(288 * 31), "b1")
    # November 7th: a refresh may still reach back into October.
    assert compact(lake, date(2025, 11, 7)).months == 0
    assert len(lake.list_dirs(FOLDER)) == 31


def test_refetching_a_compacted_day_stores_nothing_twice(tmp_path):
    lake = lake_at(tmp_path)
    docs = entries(288 * 31)
    write(lake, docs, "b1")
    compact(lake, date(2025, 11, 30))

    again = write(lake, docs[288 * 3 : 288 * 5], "b2")

    assert again.documents_already_stored == 288 * 2
    assert again.documents_written == 0
    assert lake.list_dirs(FOLDER) == ["month=2025-10"]


def test_late_documents_of_a_compacted_month_are_folded_in_by_the_next_compaction(tmp_path):
    lake = lake_at(tmp_path)
    docs = entries(288 * 31)
    write(lake, docs[1:], "b1")
    compact(lake, date(2025, 11, 30), batch="c1")
    write(lake, docs[:1], "b2")  # the uploader catches up on the month's first reading
    assert lake.list_dirs(FOLDER) == ["date=2025-10-01", "month=2025-10"]

    compact(lake, date(2025, 11, 30), batch="c2")

    assert lake.list_dirs(FOLDER) == ["month=2025-10"]
    assert lake.list_files(f"{FOLDER}/month=2025-10") == [f"{FOLDER}/month=2025-10/c2-0000.parquet"]
    assert len(stored_rows(lake)) == 288 * 31


def test_a_compaction_killed_before_its_deletes_is_completed_by_the_next(tmp_path):
    lake = lake_at(tmp_path)
    write(lake, entries(288 * 31), "b1")
    day_files = {
        p: lake.get(p) for d in lake.list_dirs(FOLDER) for p in lake.list_files(f"{FOLDER}/{d}")
    }
    compact(lake, date(2025, 11, 30), batch="c1")
    for path, data in day_files.items():  # as if killed after writing the month's file
        lake.put_atomic(path, data)
    assert Counter(Counter(doc for doc, _, _ in stored_rows(lake)).values()) == {2: 288 * 31}

    compact(lake, date(2025, 11, 30), batch="c1")  # the same batch, run again

    assert lake.list_files(f"{FOLDER}/month=2025-10") == [f"{FOLDER}/month=2025-10/c1-0001.parquet"]
    assert Counter(Counter(doc for doc, _, _ in stored_rows(lake)).values()) == {1: 288 * 31}


def test_partitions_that_are_not_calendar_days_are_never_compacted(tmp_path):
    lake = lake_at(tmp_path)
    write(lake, [{"_id": "x", "sgv": 90}], "b1")  # no time: date=unknown
    assert compact(lake, date(2030, 1, 1)).months == 0
    assert month_of_partition("date=unknown") is None
    assert month_of_partition("date=20251001") is None
    assert month_of_partition("date=1970-01-19") == "1970-01"
    assert month_of_partition("month=2025-10") == "2025-10"


def month_table(lake):
    (path,) = lake.list_files(f"{FOLDER}/month=2025-10")
    return lake.read_parquet(path)


def test_a_month_of_alike_files_is_typed_as_encoding_its_documents_together(tmp_path, monkeypatch):
    lake = lake_at(tmp_path)
    docs = entries(288 * 31)
    write(lake, docs, "b1")

    def parse_nothing(*_):
        raise AssertionError("alike files need no JSON parsing")

    monkeypatch.setattr(compaction, "_distinct_documents", parse_nothing)
    compact(lake, date(2025, 11, 30))
    encoded = encode_documents(
        [(d, canonical_json(d), FETCHED) for d in docs], source_id="alice", batch_id="b1"
    )
    assert month_table(lake).schema.equals(encoded.schema)


def test_files_that_type_a_field_differently_are_merged_by_the_encoding_rule(tmp_path):
    lake = lake_at(tmp_path)
    docs = entries(288 * 31)
    docs[0]["sgv"] = "176"  # one uploader sent text on the 1st: that day's file types it as text
    write(lake, docs, "b1")
    compact(lake, date(2025, 11, 30))
    table = month_table(lake)
    assert table.schema.field("sgv").type == "string"
    assert sorted(table.column("sgv").to_pylist())[:2] == ["100", "100"]  # JSON text of ints
    assert table.column("_gl_encoding").to_pylist() == [ENCODING_VERSION] * 288 * 31
    # Numbers in a text column stay numbers in their documents, and the text stays text.
    assert document_texts(table) == [canonical_json(d) for d in docs]


def test_days_of_decimals_with_other_scales_merge_without_parsing(tmp_path, monkeypatch):
    lake = lake_at(tmp_path)
    docs = entries(288 * 31)
    for i, doc in enumerate(docs):
        # One place on most days, three on the 2nd, a double no decimal gives on the 3rd.
        doc["delta"] = round(i * 0.1, 1) if i // 288 != 1 else round(i * 0.001, 3)
    docs[288 * 2]["delta"] = 0.1 + 0.2
    write(lake, docs[: 288 * 2], "b1")

    def parse_nothing(*_):
        raise AssertionError("files that differ in decimal places only need no JSON parsing")

    monkeypatch.setattr(compaction, "_distinct_documents", parse_nothing)
    compact(lake, date(2025, 11, 30))
    table = month_table(lake)
    assert table.schema.field("delta").type == pa.decimal128(18, 3)  # the union's places
    assert document_texts(table) == [canonical_json(d) for d in docs[: 288 * 2]]

    write(lake, docs[288 * 2 :], "b2")  # late days: one of them holds 0.30000000000000004
    compact(lake, date(2025, 11, 30))
    table = month_table(lake)
    assert table.schema.field("delta").type == pa.float64()
    assert sorted(document_texts(table)) == sorted(canonical_json(d) for d in docs)


def refreshes_of_one_day(lake, count):
    """``count`` 15-minute refreshes of 2025-10-01, each writing its three new readings."""
    docs = entries(3 * count)
    for n in range(count):
        stats = write(lake, docs[3 * n : 3 * n + 3], f"b{n:03d}", fetched=FETCHED)
        assert stats.files_written == 1
    return docs


DAY = f"{FOLDER}/date=2025-10-01"


def test_a_crowded_day_becomes_one_file_holding_every_document_as_fetched(tmp_path):
    lake = lake_at(tmp_path)
    refreshes_of_one_day(lake, compaction.MAX_DAY_FILES + 1)
    before = stored_rows(lake)

    stats = compaction.compact_crowded_days(lake, "entries", "alice", ["2025-10-01"], batch_id="b9")

    assert (stats.days, stats.files_merged, stats.documents) == (1, 9, 27)
    assert lake.list_files(DAY) == [f"{DAY}/b9-0000.parquet"]
    assert stored_rows(lake) == before  # byte for byte, each with its own batch


def test_a_day_of_a_few_files_is_left_alone(tmp_path):
    lake = lake_at(tmp_path)
    refreshes_of_one_day(lake, compaction.MAX_DAY_FILES)

    stats = compaction.compact_crowded_days(lake, "entries", "alice", ["2025-10-01"], batch_id="b9")

    assert stats.days == 0
    assert len(lake.list_files(DAY)) == compaction.MAX_DAY_FILES


def test_a_compacted_day_still_stores_nothing_twice(tmp_path):
    lake = lake_at(tmp_path)
    docs = refreshes_of_one_day(lake, compaction.MAX_DAY_FILES + 1)
    compaction.compact_crowded_days(lake, "entries", "alice", ["2025-10-01"], batch_id="b9")

    again = write(lake, docs, "b10")  # the next refresh's overlap fetches them all again

    assert (again.documents_already_stored, again.documents_written) == (27, 0)

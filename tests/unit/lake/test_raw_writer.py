from __future__ import annotations

from datetime import UTC, datetime

from tests.helpers import raw_rows

from glucolake.lake import Lake
from glucolake.lake.raw import RawPartitionWriter, document_day
from glucolake.lake.raw_layout import day_dir
from glucolake.settings import S3Settings

NOW = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)
DAY_MS = 86_400_000
BASE = 1_763_596_800_000  # 2025-11-20T00:00:00Z


def lake_at(tmp_path):
    return Lake.open(str(tmp_path / "lake"), S3Settings())


def entries(n, start=BASE, step=300_000):
    return [
        {"_id": f"{i:024x}", "date": start + i * step, "sgv": 100 + i % 50, "type": "sgv"}
        for i in range(n)
    ]


def stored_documents(lake, collection="entries"):
    return [text for text, _, _ in raw_rows(lake.path(f"raw/nightscout/{collection}"))]


def write(lake, docs, batch="b1", collection="entries"):
    writer = RawPartitionWriter(lake, collection=collection, source_id="alice", batch_id=batch)
    writer.add(docs, fetched_at=NOW)
    return writer.close()


def test_partitions_by_source_and_utc_day(tmp_path):
    lake = lake_at(tmp_path)
    stats = write(lake, entries(600))  # a little over two days
    assert stats.days == {"2025-11-20", "2025-11-21", "2025-11-22"}
    assert lake.list_files(day_dir("entries", "alice", "2025-11-21")) == [
        "raw/nightscout/entries/source=alice/date=2025-11-21/b1-0000.parquet"
    ]
    assert stats.documents_written == 600


def test_rewriting_the_same_period_stores_nothing_twice(tmp_path):
    lake = lake_at(tmp_path)
    docs = entries(400)
    write(lake, docs, "b1")
    again = write(lake, docs[100:] + entries(50, start=BASE + 400 * 300_000), "b2")
    assert again.documents_already_stored == 300
    assert again.documents_written == 50
    assert len(stored_documents(lake)) == 450


def test_a_changed_document_is_a_new_fact_kept_beside_the_old(tmp_path):
    lake = lake_at(tmp_path)
    (doc,) = entries(1)
    write(lake, [doc], "b1")
    write(lake, [{**doc, "sgv": 101}], "b2")
    assert len(stored_documents(lake)) == 2


def test_documents_without_usable_time_are_kept_under_unknown(tmp_path):
    lake = lake_at(tmp_path)
    write(lake, [{"_id": "x", "sgv": 90}, {"_id": "y", "date": "yesterday"}])
    assert len(lake.list_files(day_dir("entries", "alice", "unknown"))) == 1


def test_document_day_reads_the_field_the_api_filters_on():
    assert document_day("entries", {"date": BASE + 0.73}) == "2025-11-20"
    assert document_day("entries", {"date": 1573470155}) == "1970-01-19"  # seconds stay raw
    assert (
        document_day("treatments", {"created_at": "2025-11-20T23:30:00.000-02:00"}) == "2025-11-21"
    )
    assert document_day("devicestatus", {"created_at": "2025-11-20T01:00:00Z"}) == "2025-11-20"
    assert document_day("profile", {"startDate": None}) == "unknown"


def test_no_temporary_file_is_left_behind(tmp_path):
    lake = lake_at(tmp_path)
    write(lake, entries(300))
    leftovers = [p for p in (tmp_path / "lake").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []

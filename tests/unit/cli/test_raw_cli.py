"""``glucolake raw`` gives back the documents as they were kept, compacted months included."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.helpers import glucolake, home_environment

from glucolake.lake import Lake
from glucolake.lake.compaction import compact_closed_months
from glucolake.lake.raw import RawPartitionWriter
from glucolake.lake.raw_encoding import canonical_json
from glucolake.settings import S3Settings

BASE = 1_759_276_800_000  # 2025-10-01T00:00:00Z
STEP = 300_000


def device_statuses(n):
    """Nested documents, a repeated time and a loose type, as real uploaders send."""
    docs = []
    for i in range(n):
        at = datetime.fromtimestamp((BASE + i * STEP) / 1000, UTC).isoformat()
        docs.append(
            {
                "_id": f"{i:024x}",
                "created_at": at,
                "pump": {"clock": at, "reservoir": 120 - i / 100, "battery": {"percent": 80}},
                "loop": {"iob": {"iob": "n/a" if i % 97 == 0 else i % 3}, "predicted": [1, 2]},
            }
        )
    return docs


def test_every_document_comes_back_as_kept_and_a_day_is_its_own(tmp_path):
    env = home_environment(tmp_path)
    lake = Lake.open(str(tmp_path / "lake"), S3Settings())
    docs = device_statuses(288 * 40)  # October, compacted below, and 9 days of November
    writer = RawPartitionWriter(lake, collection="devicestatus", source_id="alice", batch_id="b1")
    writer.add(docs, fetched_at=datetime(2025, 11, 10, tzinfo=UTC))
    writer.close()
    stats = compact_closed_months(
        lake, "devicestatus", "alice", newest_day=date(2025, 11, 9), batch_id="c1"
    )
    assert stats.months == 1

    everything = glucolake("raw", "devicestatus", env=env).stdout.splitlines()
    assert sorted(everything) == sorted(canonical_json(d) for d in docs)

    in_month = glucolake("raw", "devicestatus", "--day", "2025-10-02", env=env).stdout
    in_days = glucolake("raw", "devicestatus", "--source", "alice", "--day", "2025-11-02", env=env)
    assert in_month.splitlines() == [canonical_json(d) for d in docs[288:576]]
    assert in_days.stdout.splitlines() == [canonical_json(d) for d in docs[288 * 32 : 288 * 33]]


def test_an_unknown_source_is_one_line_and_exit_2(tmp_path):
    env = home_environment(tmp_path)
    result = glucolake("raw", "entries", "--source", "bob", env=env, check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"glucolake: error: raw: no entries of source 'bob' in the lake {tmp_path / 'lake'}"
    )

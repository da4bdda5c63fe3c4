"""Readings from a CSV come out exactly: date = the instant, sgv = gl."""

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from glucolake.simulate import SimulatorConfig
from glucolake.simulate.app import Router
from glucolake.simulate.build import build_sites
from glucolake.simulate.config import Clock
from glucolake.simulate.csv_source import load_csv_sources
from glucolake.simulate.documents import render_entries
from glucolake.simulate.faults import FaultPlan

CSV = """\
"id","time","gl"
"Subject 1","2015-06-06T16:50:27",153
"Subject 1","2015-06-06T17:05:27",137
"Subject 1","2015-06-06T16:55:27",150
"Subject 2","2015-03-08T02:04:39",88
"Subject 2","2015-03-08T02:09:39",91
"""
EST = dt.timezone(dt.timedelta(hours=-5))


def expected_ms(text):
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=EST).timestamp()) * 1000


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "readings.csv"
    path.write_text(CSV)
    return path


def test_every_reading_is_served_exactly(csv_file):
    config = SimulatorConfig(csv_path=csv_file, csv_timezone="Etc/GMT+5", quirks=True)
    clock = Clock(config.frozen_now)
    sites = build_sites(config, clock)
    assert list(sites) == ["subject-1", "subject-2"]
    router = Router(clock, FaultPlan(1, 0.0, ()))

    def served(source):
        reply = router.handle(
            sites[source], "/api/v1/entries.json", "find[date][$gte]=0&count=0", {}
        )
        return [(d["date"], d["sgv"], d["type"]) for d in json.loads(reply.body)]

    assert served("subject-1") == [
        (expected_ms("2015-06-06T17:05:27"), 137, "sgv"),
        (expected_ms("2015-06-06T16:55:27"), 150, "sgv"),
        (expected_ms("2015-06-06T16:50:27"), 153, "sgv"),
    ]
    # 02:04 on 2015-03-08 does not exist in New York; in a fixed UTC-5 zone it does.
    assert served("subject-2") == [
        (expected_ms("2015-03-08T02:09:39"), 91, "sgv"),
        (expected_ms("2015-03-08T02:04:39"), 88, "sgv"),
    ]
    truth = sites["subject-1"].truth()
    assert truth["entries"]["documents"] == truth["entries"]["valid_sgv_readings"] == 3
    assert truth["treatments"]["documents"] == truth["devicestatus"]["documents"] == 0
    profile = json.loads(router.handle(sites["subject-1"], "/api/v1/profile.json", "", {}).body)
    assert profile[0]["store"]["Default"]["timezone"] == "Etc/GMT+5"


def test_utc_offset_and_trend_follow_the_readings(csv_file):
    (subject, _) = load_csv_sources(csv_file, "Etc/GMT+5", seed=1)
    assert subject.entries["sgv"].tolist() == [153, 150, 137]
    assert subject.timeline.minutes(subject.entries["inst"]).tolist() == [-300, -300, -300]
    # 153 -> 150 in 5 minutes is flat; 150 -> 137 over 10 minutes is -1.3/min.
    assert subject.entries["trend"].tolist() == [8, 4, 5]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"id","when","gl"\n"a","2015-01-01T00:00:00",1\n', "missing columns"),
        ('"id","time","gl"\n"a","yesterday",1\n', "not ISO 8601"),
        ('"id","time","gl"\n"a","2015-01-01T00:00:00",high\n', "is not a number"),
        ('"id","time","gl"\n"a","2015-01-01T00:00:00+01:00",1\n', "carries an offset"),
        (
            '"id","time","gl"\n"A b","2015-01-01T00:00:00",1\n"a-B","2015-01-01T00:00:00",1\n',
            "both become",
        ),
    ],
)
def test_bad_csv_is_refused_with_the_line(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_csv_sources(path, "UTC", seed=1)


def test_the_iglu_reference_data_comes_out_reading_for_reading():
    path = Path(__file__).parents[2] / "fixtures" / "iglu" / "iglu_example_data_5_subject.csv"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    sources = {s.spec.source_id: s for s in load_csv_sources(path, "Etc/GMT+5", seed=1)}
    assert sorted(sources) == [f"subject-{i}" for i in range(1, 6)]
    served = {
        (sid, d["date"], d["sgv"])
        for sid, data in sources.items()
        for d in render_entries(data, np.arange(data.entries.rows))
    }
    expected = {
        (f"subject-{r['id'].split()[-1]}", expected_ms(r["time"]), int(r["gl"])) for r in rows
    }
    assert len(rows) == 13_866
    assert served == expected

"""Nightscout v1 list semantics, answered by the router on generated sites (no HTTP)."""

import dataclasses
import json

import numpy as np
import pytest

from glucolake.simulate import SimulatorConfig
from glucolake.simulate.app import Router
from glucolake.simulate.build import build_sites
from glucolake.simulate.columns import Columns
from glucolake.simulate.config import Clock
from glucolake.simulate.faults import FaultPlan
from glucolake.simulate.finder import CollectionView, select_rows
from glucolake.simulate.query import ListQuery
from glucolake.simulate.site import Site

NOW = "2025-03-25T08:00:00Z"
NOW_MS = 1_742_889_600_000
FOUR_DAYS = 4 * 86_400_000


@pytest.fixture(scope="module")
def world():
    config = SimulatorConfig(
        sources=2,
        days=12,
        seed=7,
        quirks=True,
        quirk_scale=4,
        now=NOW,
        omit_timezone={"patient-002"},
    )
    clock = Clock(config.frozen_now)
    return Router(clock, FaultPlan(7, 0.0, ())), build_sites(config, clock)


def get(world, path, query="", source="patient-001", headers=None):
    router, sites = world
    reply = router.handle(sites[source], "/api/v1/" + path, query, headers or {})
    return reply.status, json.loads(reply.body)


def every_entry(world):
    return get(world, "entries.json", "find[date][$gte]=0&count=0")[1]


def test_without_a_date_constraint_only_the_last_four_days(world):
    status, docs = get(world, "entries.json", "count=100000")
    assert status == 200
    expected = [d for d in every_entry(world) if d["date"] >= NOW_MS - FOUR_DAYS]
    assert docs == expected
    assert len(docs) > 1000


@pytest.mark.parametrize(("path", "count"), [("entries.json", 10), ("devicestatus.json", 10)])
def test_count_defaults(world, path, count):
    assert len(get(world, path)[1]) == count


def test_profile_count_default_and_shape(world):
    (profile,) = get(world, "profile.json")[1]
    store = profile["store"][profile["defaultProfile"]]
    assert store["timezone"] == "Europe/Berlin"
    assert store["units"] == profile["units"] == "mg/dl"
    assert {"dia", "carbratio", "sens", "basal", "target_low", "target_high"} <= store.keys()
    (other,) = get(world, "profile.json", source="patient-002")[1]
    assert "timezone" not in other["store"]["Default"]


def many_treatments_site(world):
    """A site holding 2500 treatments in the last day, to see the default limits."""
    _, sites = world
    site = sites["patient-001"]
    data = site.data()
    n = 2500
    tiled = data.treatments.take(np.arange(n) % data.treatments.rows)
    created = NOW_MS - 1 - np.arange(n, dtype=np.int64)[::-1] * 30_000
    treatments = tiled.replace(created=created, visible=created)
    crowded = dataclasses.replace(data, treatments=treatments)
    return Site(
        crowded, clock=Clock(None), role="readable", credentials=site.credentials, fail_always=False
    )


def test_treatments_count_default_is_100_or_1000_with_find(world):
    router, _ = world
    site = many_treatments_site(world)
    plain = json.loads(router.handle(site, "/api/v1/treatments.json", "", {}).body)
    found = json.loads(
        router.handle(site, "/api/v1/treatments.json", "find[created_at][$gte]=2025-03-24", {}).body
    )
    assert len(plain) == 100
    assert len(found) == 1000


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("entries.json", "date"),
        ("treatments.json", "created_at"),
        ("devicestatus.json", "created_at"),
    ],
)
def test_newest_first(world, path, field):
    docs = get(world, path, "count=500")[1]
    times = [d[field] for d in docs]
    assert times == sorted(times, reverse=True)


def test_iso_date_on_entries_is_parse_int_ed(world):
    everything = every_entry(world)
    assert get(world, "entries.json", "find[date][$gte]=2025-03-20&count=0")[1] == everything
    assert get(world, "entries.json", "find[date][$lt]=2025-03-20&count=0")[1] == []


def test_string_sgv_never_matches_a_numeric_sgv_filter(world):
    everything = every_entry(world)
    strings = [d for d in everything if isinstance(d.get("sgv"), str)]
    assert strings
    found = get(world, "entries.json", "find[date][$gte]=0&find[sgv][$gte]=0&count=0")[1]
    assert not any(isinstance(d.get("sgv"), str) for d in found)
    numbers = [d["sgv"] for d in everything if isinstance(d.get("sgv"), int)]
    assert min(numbers) < 0, "negative sgv values are served too"
    assert len(found) == sum(sgv >= 0 for sgv in numbers)


def test_documents_without_a_numeric_date_never_match_a_date_filter():
    columns = Columns({"date": np.array([1.0, 2.0, np.nan]), "visible": np.zeros(3, np.int64)})

    def render(rows):
        return [
            {"date": None if np.isnan(columns["date"][r]) else columns["date"][r]} for r in rows
        ]

    view = CollectionView("entries", columns, columns["date"], render)
    assert list(select_rows(view, ListQuery({"date": {"$gte": 0}}, None), 0)) == [1, 0]
    assert list(select_rows(view, ListQuery({"date": {"$lte": 10**15}}, None), 0)) == [1, 0]
    # $ne selects documents without the value, as in Mongo.
    assert list(select_rows(view, ListQuery({"date": {"$ne": 1}}, None), 0)) == [2, 1]


def test_spec_routes_add_the_type(world):
    for spec in ("sgv", "mbg", "cal"):
        docs = get(world, f"entries/{spec}.json", "find[date][$gte]=0&count=0")[1]
        assert docs
        assert {d["type"] for d in docs} == {spec}


def test_current_is_the_newest_entry_of_any_type(world):
    (current,) = get(world, "entries/current.json")[1]
    assert current == get(world, "entries.json", "count=1")[1][0]


def test_entry_by_id_and_count_endpoint(world):
    doc = every_entry(world)[123]
    assert get(world, f"entries/{doc['_id']}.json")[1] == [doc]
    lo, hi = NOW_MS - 86_400_000, NOW_MS
    query = f"find[date][$gte]={lo}&find[date][$lt]={hi}"
    listed = get(world, "entries.json", query + "&count=0")[1]
    assert get(world, "count/entries/where", query)[1] == [{"_id": None, "count": len(listed)}]
    assert get(world, "count/entries/where", "find[date][$lt]=1")[1] == []


def test_date_string_filter_is_lexicographic_and_lifts_the_window(world):
    docs = get(world, "entries.json", "find[dateString][$gte]=2025-03-15&count=0")[1]
    assert docs
    assert all(d["dateString"] >= "2025-03-15" for d in docs)
    assert min(d["date"] for d in docs) < NOW_MS - FOUR_DAYS


def test_created_at_filters(world):
    day = get(
        world,
        "treatments.json",
        "find[created_at][$gte]=2025-03-20&find[created_at][$lt]=2025-03-21T00:00:00%2B00:00",
    )[1]
    assert day
    assert all("2025-03-20" <= d["created_at"] < "2025-03-21" for d in day)
    everything = get(world, "treatments.json", "find[created_at][$gte]=0&count=0")[1]
    assert len(everything) > len(get(world, "treatments.json", "count=0")[1])
    assert get(world, "treatments.json", "find[created_at][$lt]=1700000000000")[1] == []


def test_unparseable_created_at_is_a_500(world):
    status, body = get(world, "treatments.json", "find[created_at][$gte]=yesterday")
    assert status == 500
    assert "Cannot parse" in body["message"]


def test_treatments_carry_null_carbs_and_insulin_when_absent(world):
    docs = get(world, "treatments.json", "find[created_at][$gte]=0&count=0")[1]
    assert all("carbs" in d and "insulin" in d for d in docs)
    temp = next(d for d in docs if d["eventType"] == "Temp Basal")
    assert temp["carbs"] is None
    assert temp["insulin"] is None
    check = next(d for d in docs if d["eventType"] == "BG Check")
    assert check["glucoseType"] == "Finger"
    assert check["units"] == "mg/dl"


def test_status(world):
    status = get(world, "status.json")[1]
    assert status["serverTimeEpoch"] == NOW_MS
    assert status["settings"]["units"] == "mg/dl"
    assert status["settings"]["thresholds"] == {
        "bgHigh": 260,
        "bgTargetTop": 180,
        "bgTargetBottom": 80,
        "bgLow": 55,
    }


def test_unknown_routes_and_formats(world):
    assert get(world, "nothing.json")[0] == 404
    assert get(world, "entries.csv")[0] == 406

"""Query-string parsing and Nightscout's value rules, without any data."""

import math
import re

import pytest

from glucolake.simulate.js_values import js_is_nan, js_parse_int, js_truthy, moment_iso
from glucolake.simulate.matcher import matches
from glucolake.simulate.query import DEFAULT_WINDOW_MS, QueryError, build_query, parse_qs

NOW = 1_750_000_000_000


def test_qs_brackets_nest_and_repeat_into_lists():
    parsed = parse_qs(
        "find[date][$gte]=1&find[date][$lt]=2&find[type]=sgv&count=5"
        "&find[sgv][$in][]=100&find[sgv][$in][]=120&a=1&a=2&b[0]=x&b[1]=y"
    )
    assert parsed == {
        "find": {"date": {"$gte": "1", "$lt": "2"}, "type": "sgv", "sgv": {"$in": ["100", "120"]}},
        "count": "5",
        "a": ["1", "2"],
        "b": ["x", "y"],
    }


def test_qs_keeps_plus_as_space_and_blank_values():
    assert parse_qs("find[created_at][$gte]=2015-01-01T00:00:00+01:00&x=") == {
        "find": {"created_at": {"$gte": "2015-01-01T00:00:00 01:00"}},
        "x": "",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1700000000000", 1_700_000_000_000),
        ("2024-01-01", 2024),
        ("  42abc", 42),
        ("-7", -7),
        ("1.5e12", 1),
        ("0x1A", 26),
        (["12", "13"], 12),
    ],
)
def test_parse_int_is_javascripts(text, expected):
    assert js_parse_int(text) == expected


def test_parse_int_of_nothing_numeric_is_nan():
    assert math.isnan(js_parse_int("abc"))
    assert math.isnan(js_parse_int(""))


@pytest.mark.parametrize(
    ("value", "nan"),
    [
        ("0", False),
        ("", False),
        (" 12 ", False),
        ("1e3", False),
        ("Infinity", False),
        ("2015", False),
    ],
)
def test_is_nan_on_numeric_strings(value, nan):
    assert js_is_nan(value) is nan


@pytest.mark.parametrize(
    "value", ["2015-01", "2015-01-01T00:00:00Z", "-", "abc", {"a": 1}, math.nan]
)
def test_is_nan_on_the_rest(value):
    assert js_is_nan(value)


def test_truthiness():
    assert not any(js_truthy(v) for v in (None, "", 0, math.nan, False))
    assert all(js_truthy(v) for v in ("0", {}, [], 1, "x"))


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2015", "2015-01-01T00:00:00.000Z"),
        ("2015-08", "2015-08-01T00:00:00.000Z"),
        ("2015-08-28", "2015-08-28T00:00:00.000Z"),
        ("2015-08-28T10:20", "2015-08-28T10:20:00.000Z"),
        ("2015-08-28T10:20:30.5+02:00", "2015-08-28T08:20:30.500Z"),
        ("2015-08-28T00:00:00-0500", "2015-08-28T05:00:00.000Z"),
    ],
)
def test_moment_parse_zone_to_utc(text, iso):
    assert moment_iso(text) == iso


@pytest.mark.parametrize("text", ["yesterday", "2015-13-01", "2015-02-30"])
def test_moment_rejects(text):
    assert moment_iso(text) is None


def entries_find(query):
    return build_query("entries", parse_qs(query), NOW, default_count=10).find


def test_no_date_constraint_means_the_last_four_days():
    assert entries_find("find[type]=sgv") == {
        "type": "sgv",
        "date": {"$gte": NOW - DEFAULT_WINDOW_MS},
    }
    assert DEFAULT_WINDOW_MS == 4 * 86_400_000


def test_a_datestring_constraint_also_lifts_the_default_window():
    assert entries_find("find[dateString][$gte]=2015-08-28") == {
        "dateString": {"$gte": "2015-08-28"}
    }


def test_entry_dates_are_parse_int_ed_so_iso_becomes_a_year():
    assert entries_find("find[date][$gte]=2024-01-01T00:00:00Z")["date"] == {"$gte": 2024}
    assert entries_find("find[sgv][$gte]=100&find[date][$gte]=1")["sgv"] == {"$gte": 100}


def test_entry_date_zero_is_falsy_and_replaced_by_the_window():
    assert entries_find("find[date]=0")["date"] == {"$gte": NOW - DEFAULT_WINDOW_MS}


def test_entry_date_that_is_no_number_is_a_server_error():
    with pytest.raises(QueryError):
        entries_find("find[date][$gte]=abc")


def test_an_id_lifts_the_date_filter_and_is_lower_cased():
    assert entries_find("find[_id]=ABCDEFABCDEFABCDEFABCDEF") == {"_id": "abcdefabcdefabcdefabcdef"}


def created_at_find(query):
    return build_query("treatments", parse_qs(query), NOW, default_count=100).find


def test_created_at_is_normalised_to_utc_iso():
    assert created_at_find("find[created_at][$gte]=2015-03")["created_at"] == {
        "$gte": "2015-03-01T00:00:00.000Z"
    }
    # A '+' sent unescaped arrives as a space; the server turns it back.
    zoned = created_at_find("find[created_at][$gte]=2015-06-01T02:00:00+02:00")
    assert zoned["created_at"] == {"$gte": "2015-06-01T00:00:00.000Z"}


def test_created_at_numeric_strings_stay_strings():
    # `isNaN("2015")` is false, so query.js leaves a bare year alone (as a string prefix it
    # still compares sensibly with stored ISO strings).
    assert created_at_find("find[created_at][$gte]=2015")["created_at"] == {"$gte": "2015"}
    assert created_at_find("find[created_at][$gte]=0")["created_at"] == {"$gte": "0"}
    assert created_at_find("find[created_at][$lt]=1700000000000")["created_at"] == {
        "$lt": "1700000000000"
    }


def test_created_at_default_window_is_an_iso_string():
    assert created_at_find("count=3")["created_at"] == {"$gte": "2025-06-11T15:06:40.000Z"}


def test_created_at_unparseable_is_a_server_error():
    with pytest.raises(QueryError, match="Cannot parse yesterday as a valid ISO-8601 date"):
        created_at_find("find[created_at][$gte]=yesterday")
    # An equality string is walked character by character by the real server.
    with pytest.raises(QueryError, match="Cannot parse -"):
        created_at_find("find[created_at]=2015-01-01")


def test_treatment_text_fields_accept_regexes():
    find = created_at_find("find[eventType]=/bolus/i&find[carbs][$gt]=10&find[created_at][$gte]=0")
    assert isinstance(find["eventType"], re.Pattern)
    assert find["carbs"] == {"$gt": 10}


@pytest.mark.parametrize(
    ("count", "limit"), [(None, 10), ("5", 5), ("0", None), ("abc", 10), ("-3", 3), ("", 10)]
)
def test_count_is_parse_int_and_zero_means_no_limit(count, limit):
    params = {} if count is None else {"count": count}
    assert build_query("entries", params, NOW, default_count=10).limit == limit


def test_matcher_brackets_types():
    doc = {"sgv": "176", "date": 5, "type": "sgv"}
    assert not matches(doc, {"sgv": {"$gte": 100}})
    assert matches(doc, {"sgv": "176"})
    assert not matches(doc, {"date": {"$gte": "0"}})
    assert matches(doc, {"date": {"$gte": 0}})


def test_matcher_missing_fields():
    doc = {"type": "sgv"}
    assert not matches(doc, {"date": {"$gte": 0}})
    assert matches(doc, {"date": {"$ne": 5}})
    assert matches(doc, {"date": {"$exists": "false"}})
    assert matches(doc, {"type": {"$in": ["mbg", "sgv"]}})
    assert matches(doc, {"$or": [{"type": "mbg"}, {"type": "sgv"}]})


def test_matcher_unknown_operator_is_an_error():
    with pytest.raises(QueryError):
        matches({"a": 1}, {"a": {"$near": 1}})

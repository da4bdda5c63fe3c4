from __future__ import annotations

from collections import Counter
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from glucolake.ingest.walk import COLLECTION_SPECS, iso_ms, walk

ENTRIES = COLLECTION_SPECS["entries"]
TREATMENTS = COLLECTION_SPECS["treatments"]
BASE = 1_700_000_000_000


def entry(i: int, date: float) -> dict:
    return {"_id": f"{i:024x}", "date": date, "sgv": 100, "type": "sgv"}


def collect(site, spec, **bounds):
    return [d["_id"] for page in walk(site, spec, **bounds) for d in page]


def test_walks_whole_history_newest_first_across_pages(memory_site):
    docs = [entry(i, BASE + i * 300_000) for i in range(95)]
    site = memory_site({"entries": docs})
    ids = collect(site, replace(ENTRIES, page_size=10), lower_ms=0)
    assert ids == [d["_id"] for d in reversed(docs)]
    assert all("find[date][$gte]" in call for call in site.calls), "a date filter on every request"
    assert all(call["count"] for call in site.calls), "an explicit count on every request"


def test_ties_at_a_page_boundary_are_neither_skipped_nor_repeated(memory_site):
    # Two uploaders, one millisecond: 7 documents share the boundary time of a 5-document page.
    docs = [entry(i, BASE) for i in range(7)] + [entry(100 + i, BASE + 1 + i) for i in range(4)]
    site = memory_site({"entries": docs})
    ids = collect(site, replace(ENTRIES, page_size=5), lower_ms=0)
    assert Counter(ids) == Counter(d["_id"] for d in docs)


def test_fractional_milliseconds_are_matched_through_integer_bounds(memory_site):
    docs = [entry(i, BASE + i * 1000 + 0.73) for i in range(12)]
    site = memory_site({"entries": docs})
    ids = collect(site, replace(ENTRIES, page_size=4), lower_ms=0)
    assert sorted(ids) == sorted(d["_id"] for d in docs)


def test_window_bounds_are_half_open(memory_site):
    docs = [entry(i, BASE + i) for i in range(10)]
    site = memory_site({"entries": docs})
    ids = collect(site, ENTRIES, lower_ms=BASE + 2, upper_ms=BASE + 5)
    assert ids == [f"{i:024x}" for i in (4, 3, 2)]


def test_created_at_collections_page_by_iso_strings(memory_site):
    docs = [
        {"_id": f"t{i}", "created_at": iso_ms(BASE + (i // 3) * 1000), "eventType": "Note"}
        for i in range(30)
    ]
    # Some uploaders store seconds without milliseconds.
    docs.append({"_id": "no-ms", "created_at": "2023-11-14T22:13:21Z", "eventType": "Note"})
    site = memory_site({"treatments": docs})
    ids = collect(site, replace(TREATMENTS, page_size=4), lower_ms=0)
    assert Counter(ids) == Counter(d["_id"] for d in docs)


@settings(max_examples=150, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=40), min_size=0, max_size=120),
    fractions=st.lists(st.sampled_from([0, 0, 0.25, 0.73]), min_size=120, max_size=120),
    page_size=st.integers(min_value=1, max_value=17),
)
def test_every_document_exactly_once_whatever_the_ties_and_page_size(
    memory_site, offsets, fractions, page_size
):
    docs = [entry(i, BASE + off + fractions[i]) for i, off in enumerate(offsets)]
    site = memory_site({"entries": docs})
    ids = collect(site, replace(ENTRIES, page_size=page_size), lower_ms=0)
    assert Counter(ids) == Counter(d["_id"] for d in docs)

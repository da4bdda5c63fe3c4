"""The dbt Python model glucose_window_metrics: how it hands each source's readings on."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pyarrow as pa
import pytest

MODEL = Path(__file__).parents[3] / "dbt/models/curated/glucose_window_metrics.py"


@pytest.fixture(scope="module")
def model() -> ModuleType:
    spec = importlib.util.spec_from_file_location("glucose_window_metrics", MODEL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _batch(rows: list[tuple[str, int, float]]) -> pa.RecordBatch:
    source_id, date_ms, glucose = zip(*rows, strict=True)
    return pa.RecordBatch.from_pydict(
        {"source_id": source_id, "date_ms": date_ms, "glucose_mg_dl": glucose}
    )


def test_each_source_comes_whole_and_in_time_order(model: ModuleType) -> None:
    # Files hold a source's months together but not in time order; a batch may end mid-source.
    batches = [
        _batch([("a", 300, 3.0), ("a", 100, 1.0)]),
        _batch([("a", 200, 2.0), ("b", 20, 20.0), ("b", 10, 10.0)]),
        _batch([("c", 5, 5.0)]),
    ]

    sources = [(s, t.tolist(), g.tolist()) for s, t, g in model._sources(batches)]

    assert sources == [
        ("a", [100, 200, 300], [1.0, 2.0, 3.0]),
        ("b", [10, 20], [10.0, 20.0]),
        ("c", [5], [5.0]),
    ]


@pytest.mark.parametrize(
    "batches",
    [
        [[("a", 1, 1.0), ("b", 1, 1.0), ("a", 2, 2.0)]],
        [[("a", 1, 1.0), ("b", 1, 1.0)], [("a", 2, 2.0)]],
    ],
    ids=["within-a-batch", "across-batches"],
)
def test_a_source_met_again_stops_the_build(
    model: ModuleType, batches: list[list[tuple[str, int, float]]]
) -> None:
    with pytest.raises(RuntimeError, match="the readings of a were not read together"):
        list(model._sources(_batch(rows) for rows in batches))


def test_a_lone_source_is_computed_in_the_model_as_a_worker_would(model: ModuleType) -> None:
    epoch_ms = np.arange(0, 3 * 86_400_000, 300_000, dtype=np.int64)
    glucose = 130 + 50 * np.sin(epoch_ms / 5_400_000)
    sources = [("a", epoch_ms, glucose), ("b", epoch_ms, glucose + 20)]
    zones = {"a": "Europe/Berlin", "b": "America/New_York"}

    alone = model._computed(sources[:1], zones, 1)
    by_workers = model._computed(sources, zones, 2)

    assert alone == by_workers[:1]
    assert alone[0][1]["all"]["n_readings"] == epoch_ms.size

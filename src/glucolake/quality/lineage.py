"""The gate's results as OpenLineage data-quality assertions on the datasets it validated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from openlineage.client.generated import data_quality_assertions_dataset as dqa

from glucolake.lineage import lake_dataset
from glucolake.quality.datasets import INTERMEDIATE, QUARANTINE, TREATMENTS

if TYPE_CHECKING:
    from openlineage.client.event_v2 import InputDataset

    from glucolake.quality.gate import GateReport
    from glucolake.settings import Settings

__all__ = ["GateFailedError", "assertion_datasets"]

# Derived suites (<dataset>__<aggregate>) validate aggregates of the dataset they start with.
_DATASETS = {
    "int_glucose_enriched": INTERMEDIATE,
    "stg_nightscout__entries_quarantine": QUARANTINE,
    "stg_nightscout__treatments": TREATMENTS,
}


class GateFailedError(Exception):
    """A critical expectation failed (raised inside the lineage step so it ends in FAIL)."""


def assertion_datasets(settings: Settings, report: GateReport) -> list[InputDataset]:
    """Each validated lake dataset, carrying its expectations' outcomes as assertions."""
    assertions: dict[str, list[dqa.Assertion]] = {}
    for outcome in report.outcomes:
        path = next(
            path
            for name, path in _DATASETS.items()
            if outcome.suite == name or outcome.suite.startswith(f"{name}__")
        )
        column = outcome.kwargs.get("column")
        assertions.setdefault(path, []).append(
            dqa.Assertion(
                assertion=outcome.expectation,
                success=outcome.success,
                column=str(column) if column else None,
                severity="error" if outcome.severity == "critical" else "warn",
                name=outcome.suite,
                actual=str(outcome.unexpected) if outcome.checked else None,
            )
        )
    datasets = []
    for path, items in assertions.items():
        dataset = lake_dataset(settings, path)
        dataset.inputFacets = {
            "dataQualityAssertions": dqa.DataQualityAssertionsDatasetFacet(assertions=items)
        }
        datasets.append(dataset)
    return datasets

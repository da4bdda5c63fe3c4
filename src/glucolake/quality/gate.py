"""The quality gate: Great Expectations suites over the intermediate layer, critical or warning.

Suites are JSON files in ``expectations/``, one per validated dataset, each expectation with GX's
own ``severity``. The readings are validated in batches of whole sources (bounded memory, and
few GX runs: each has a fixed cost) and their outcomes are summed per expectation; a critical
expectation that fails for any source fails the gate. Only a batch with a failure is validated
again source by source, to name the sources that fail.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from glucolake.importing import import_uncollected
from glucolake.jinja_code import kept_compiled_templates
from glucolake.logs import fields, get_logger
from glucolake.quality.datasets import QUARANTINE, TREATMENTS

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    import pandas as pd

    from glucolake.quality.datasets import LakeDatasets

__all__ = ["ExpectationOutcome", "GateReport", "load_suites", "run_gate"]

log = get_logger(__name__)

FUTURE_TOLERANCE_MS = 5 * 60_000
# Readings per validation batch (the suite's seven columns: about 60 MB as a DataFrame). Each GX
# run has a fixed cost: a cohort's refresh (100 sources, a day each) took 17 s as 100 runs and
# 4.4 s as one.
READINGS_BATCH_ROWS = 1_000_000
# The packages whose code compiles GX's Data Docs templates (see glucolake.jinja_code).
_GX_TEMPLATES = ("jinja2", "great-expectations")


@dataclass
class ExpectationOutcome:
    """One expectation's result over every batch it ran on."""

    suite: str
    expectation: str
    kwargs: dict[str, Any]
    severity: str
    why: str | None
    success: bool = True
    unexpected: int = 0
    checked: int = 0
    failing_sources: list[str] = field(default_factory=list)
    observed: Any = None

    def describe(self) -> str:
        """One line: suite, expectation with its arguments, and what was found."""
        arguments = ", ".join(
            f"{k}={v}" for k, v in self.kwargs.items() if k not in {"batch_id", "result_format"}
        )
        found = (
            f"{self.unexpected:,} of {self.checked:,} rows unexpected"
            if self.checked
            else f"observed {self.observed}"
        )
        where = f" (sources: {', '.join(self.failing_sources[:5])})" if self.failing_sources else ""
        return f"{self.suite}: {self.expectation}({arguments}): {found}{where}"


@dataclass
class GateReport:
    """Everything the gate found."""

    run_id: str
    validated_at_ms: int
    outcomes: list[ExpectationOutcome]
    seconds: float = 0.0

    @property
    def critical_failures(self) -> list[ExpectationOutcome]:
        """Failed expectations that block everything downstream."""
        return [o for o in self.outcomes if not o.success and o.severity == "critical"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        """Failed expectations that are only worth a look."""
        return [o for o in self.outcomes if not o.success and o.severity != "critical"]

    @property
    def passed(self) -> bool:
        """Whether the data may be curated and published."""
        return not self.critical_failures

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready record of the run."""
        return {
            "run_id": self.run_id,
            "validated_at_ms": self.validated_at_ms,
            "passed": self.passed,
            "critical_failed": len(self.critical_failures),
            "warnings": len(self.warnings),
            "expectations": len(self.outcomes),
            "seconds": round(self.seconds, 2),
            "outcomes": [
                {
                    "suite": o.suite,
                    "expectation": o.expectation,
                    "kwargs": o.kwargs,
                    "severity": o.severity,
                    "success": o.success,
                    "unexpected": o.unexpected,
                    "checked": o.checked,
                    "failing_sources": o.failing_sources,
                    "observed": o.observed,
                    "why": o.why,
                }
                for o in self.outcomes
            ],
        }


def load_suites(directory: Path) -> dict[str, dict[str, Any]]:
    """Every suite JSON in ``directory``, by suite name."""
    suites = {}
    for path in sorted(directory.glob("*.json")):
        document = json.loads(path.read_text())
        suites[str(document["name"])] = document
    return suites


def run_gate(
    datasets: LakeDatasets,
    suites: dict[str, dict[str, Any]],
    *,
    run_id: str,
    now_ms: int,
    data_docs: Path | None = None,
) -> GateReport:
    """Validate every dataset that has a suite; return the combined report.

    With ``data_docs``, GX renders its Data Docs site (suites and every validation) there.
    """
    started = time.perf_counter()
    validator = _Validator(
        suites, {"latest_allowed_ms": now_ms + FUTURE_TOLERANCE_MS}, data_docs=data_docs
    )
    # One batch of readings in memory at a time: each frame is read, validated and dropped.
    columns = _suite_columns(suites.get("int_glucose_enriched", {}))
    for frame in datasets.readings_in_batches(READINGS_BATCH_ROWS, columns):
        validator.validate("int_glucose_enriched", frame, by_source=True)
    validator.validate("int_glucose_enriched__per_source_day", datasets.per_source_day())
    validator.validate("int_glucose_enriched__per_source", datasets.per_source(now_ms))
    validator.validate("stg_nightscout__entries_quarantine", datasets.whole(QUARANTINE))
    validator.validate("stg_nightscout__treatments", datasets.whole(TREATMENTS))
    validator.build_data_docs()
    report = GateReport(run_id=run_id, validated_at_ms=now_ms, outcomes=validator.outcomes())
    report.seconds = time.perf_counter() - started
    log.info(
        "gate_finished",
        extra=fields(
            run_id=run_id,
            passed=report.passed,
            critical_failed=len(report.critical_failures),
            warnings=len(report.warnings),
            seconds=round(report.seconds, 2),
        ),
    )
    return report


class _Validator:
    """Runs suites on pandas batches in one ephemeral GX context; sums outcomes per expectation."""

    def __init__(
        self,
        suites: dict[str, dict[str, Any]],
        parameters: dict[str, Any],
        *,
        data_docs: Path | None,
    ) -> None:
        import_uncollected("great_expectations")
        import great_expectations as gx  # noqa: PLC0415 - a 2-second import; only the gate pays it

        # GX reports progress with tqdm bars and chatty INFO logs; the gate has its own report.
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        self._gx = gx
        self._context = gx.get_context(mode="ephemeral")
        self._context.variables.progress_bars = {"globally": False}  # type: ignore[assignment]
        self._source = self._context.data_sources.add_pandas("lake")
        self._data_docs = data_docs
        if data_docs is not None:
            self._context.add_data_docs_site(
                site_name="gate",
                site_config={
                    "class_name": "SiteBuilder",
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(data_docs),
                    },
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                },
            )
        self._suites = {name: gx.ExpectationSuite(**doc) for name, doc in suites.items()}
        self._parameters = parameters
        self._outcomes: dict[tuple[str, int], ExpectationOutcome] = {}
        self._definitions: dict[str, Any] = {}

    def validate(self, suite_name: str, frame: pd.DataFrame, *, by_source: bool = False) -> None:
        """Run a suite on ``frame`` and add its outcomes.

        With ``by_source``, a failure in a frame of several sources is traced by validating
        each source's rows again; otherwise the failing rows GX lists name the sources.
        """
        suite = self._suites.get(suite_name)
        if suite is None:
            return
        result = self._run(suite_name, suite, frame)
        configurations = {c.id: (i, c) for i, c in enumerate(suite.expectations)}
        failed: list[ExpectationOutcome] = []
        for item in result.results:
            index, expectation = configurations[item.expectation_config.id]
            outcome = self._outcome(suite_name, index, expectation)
            details = item.result or {}
            outcome.unexpected += int(details.get("unexpected_count") or 0)
            outcome.checked += int(details.get("element_count") or 0)
            if "observed_value" in details:
                outcome.observed = _plain(details["observed_value"])
            if not item.success:
                outcome.success = False
                failed.append(outcome)
                if not by_source:
                    _add_sources(outcome, _failing_rows_sources(frame, details))
        if failed and by_source:
            self._trace_sources(suite_name, suite, frame, failed)

    def _trace_sources(
        self,
        suite_name: str,
        suite: Any,  # noqa: ANN401 - GX's own type
        frame: pd.DataFrame,
        failed: list[ExpectationOutcome],
    ) -> None:
        """Name the sources behind ``failed`` outcomes of a batch (counts are already in)."""
        sources = frame["source_id"].dropna().unique()
        if len(sources) == 1:
            for outcome in failed:
                _add_sources(outcome, [str(sources[0])])
            return
        indexes = {c.id: i for i, c in enumerate(suite.expectations)}
        for source_id, rows in frame.groupby("source_id", sort=True):
            for item in self._run(suite_name, suite, rows).results:
                outcome = self._outcomes[(suite_name, indexes[item.expectation_config.id])]
                if not item.success and any(outcome is f for f in failed):
                    _add_sources(outcome, [str(source_id)])

    def _run(self, suite_name: str, suite: Any, frame: pd.DataFrame) -> Any:  # noqa: ANN401
        definition = self._definition(suite_name, suite)
        return definition.run(
            batch_parameters={"dataframe": frame}, expectation_parameters=self._parameters
        )

    def build_data_docs(self) -> None:
        if self._data_docs is not None:
            # GX compiles every Data Docs template again at each gate: kept in the home instead.
            with kept_compiled_templates(self._data_docs.parent, _GX_TEMPLATES):
                self._context.build_data_docs(site_names=["gate"])

    def outcomes(self) -> list[ExpectationOutcome]:
        return [self._outcomes[key] for key in sorted(self._outcomes)]

    def _definition(self, name: str, suite: Any) -> Any:  # noqa: ANN401 - GX's own types
        if name not in self._definitions:
            asset = self._source.add_dataframe_asset(name)
            batch = asset.add_batch_definition_whole_dataframe(f"{name}-batch")
            registered = self._context.suites.add(suite)
            self._definitions[name] = self._context.validation_definitions.add(
                self._gx.ValidationDefinition(name=name, data=batch, suite=registered)
            )
        return self._definitions[name]

    def _outcome(self, suite: str, index: int, expectation: Any) -> ExpectationOutcome:  # noqa: ANN401
        key = (suite, index)
        if key not in self._outcomes:
            configuration = expectation.configuration
            self._outcomes[key] = ExpectationOutcome(
                suite=suite,
                expectation=configuration.type,
                kwargs=_plain(dict(configuration.kwargs)),
                severity=str(getattr(expectation, "severity", "critical")).lower().split(".")[-1],
                why=(configuration.meta or {}).get("why"),
            )
        return self._outcomes[key]


def _suite_columns(suite: dict[str, Any]) -> set[str]:
    """The columns a suite's expectations name (``column``, ``column_list``)."""
    columns: set[str] = set()
    for expectation in suite.get("expectations", []):
        kwargs = expectation.get("kwargs", {})
        columns.update([kwargs["column"]] if "column" in kwargs else [])
        columns.update(kwargs.get("column_list", []))
    return columns


def _failing_rows_sources(frame: pd.DataFrame, details: dict[str, Any]) -> list[str]:
    """The sources of the failing rows GX lists (a sample of them) in a frame of sources."""
    rows = details.get("partial_unexpected_index_list") or []
    if "source_id" in frame.columns and rows:
        return sorted({str(frame.loc[i, "source_id"]) for i in rows if i in frame.index})
    return []


def _add_sources(outcome: ExpectationOutcome, sources: Iterable[str]) -> None:
    outcome.failing_sources.extend(s for s in sources if s not in outcome.failing_sources)


def _plain(value: Any) -> Any:  # noqa: ANN401 - any JSON-ish value
    """Make GX's values JSON-serialisable (numpy scalars, dates)."""
    return json.loads(json.dumps(value, default=str))

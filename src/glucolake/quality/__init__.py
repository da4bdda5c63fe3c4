"""The quality gate between the intermediate and curated layers (Great Expectations)."""

from glucolake.quality.gate import ExpectationOutcome, GateReport, load_suites, run_gate
from glucolake.quality.results import store_report

__all__ = ["ExpectationOutcome", "GateReport", "load_suites", "run_gate", "store_report"]

"""The one-machine dashboard: a self-contained HTML report per run."""

from glucolake.report.data import SourceReport, read_report_data
from glucolake.report.html import render_report
from glucolake.report.targets import METRICS, Metric

__all__ = ["METRICS", "Metric", "SourceReport", "read_report_data", "render_report"]

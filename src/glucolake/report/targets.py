"""The clinical targets of the International Consensus on Time in Range (Battelino 2019).

For most adults with type 1 or type 2 diabetes; the report and the terminal summary colour each
figure against them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["METRICS", "Metric"]


@dataclass(frozen=True)
class Metric:
    """A figure of the consensus report: its column, heading, format and target."""

    column: str
    heading: str
    fmt: str
    comparison: str | None = None
    limit: float | None = None

    def meets(self, value: float) -> bool | None:
        """Whether ``value`` meets the target; ``None`` when the figure has none."""
        if self.comparison is None or self.limit is None:
            return None
        return {
            "<": value < self.limit,
            "<=": value <= self.limit,
            ">": value > self.limit,
            ">=": value >= self.limit,
        }[self.comparison]

    @property
    def target(self) -> str:
        """The target as text, e.g. ``> 70``."""
        return "" if self.comparison is None else f"{self.comparison} {self.limit:g}"


METRICS = (
    Metric("n_readings", "readings", "{:,.0f}"),
    Metric("active_percent", "active %", "{:.1f}", ">=", 70),
    Metric("mean_glucose", "mean mg/dL", "{:.0f}"),
    Metric("gmi", "GMI %", "{:.2f}"),
    Metric("cv_glucose", "CV %", "{:.1f}", "<=", 36),
    Metric("below_54", "<54 %", "{:.1f}", "<", 1),
    Metric("below_70", "<70 %", "{:.1f}", "<", 4),
    Metric("in_range_70_180", "70–180 %", "{:.1f}", ">", 70),
    Metric("above_180", ">180 %", "{:.1f}", "<", 25),
    Metric("above_250", ">250 %", "{:.1f}", "<", 5),
    Metric("gri", "GRI", "{:.1f}"),
)

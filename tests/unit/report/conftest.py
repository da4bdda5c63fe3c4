from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tests.unit.report.sample import make_report

if TYPE_CHECKING:
    from glucolake.report.data import SourceReport


@pytest.fixture
def report() -> SourceReport:
    """A made-up source with every chart's data (``sample.make_report``)."""
    return make_report()

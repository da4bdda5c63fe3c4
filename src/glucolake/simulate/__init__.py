"""``glucolake simulate``: Nightscout-compatible sites with realistic, deterministic CGM data.

A test or demo starts :class:`SimulatorServer` with a :class:`SimulatorConfig` and talks to it
over HTTP with plain Nightscout v1 semantics; with ``quirks`` the sites also hold the bad
records (``QUIRK_KINDS``) and show the faults (``FAULT_KINDS``) that real sites have, and
``truth()`` says what a correct pipeline must make of them::

    with SimulatorServer(SimulatorConfig(sources=2, days=3, quirks=True)) as sim:
        url = sim.url_for("patient-001")
        expected = sim.truth("patient-001")
"""

from __future__ import annotations

from glucolake.simulate.auth import access_token
from glucolake.simulate.cohort import SourceSpec, build_cohort
from glucolake.simulate.config import DEFAULT_TIMEZONES, SimulatorConfig
from glucolake.simulate.faults import FAULT_KINDS
from glucolake.simulate.quirk_kinds import QUIRK_KINDS
from glucolake.simulate.server import SimulatorServer
from glucolake.simulate.sources_file import API_SECRET_ENV, sources_document, write_sources_file
from glucolake.simulate.truth import QUARANTINE_REASONS

__all__ = [
    "API_SECRET_ENV",
    "DEFAULT_TIMEZONES",
    "FAULT_KINDS",
    "QUARANTINE_REASONS",
    "QUIRK_KINDS",
    "SimulatorConfig",
    "SimulatorServer",
    "SourceSpec",
    "access_token",
    "build_cohort",
    "sources_document",
    "write_sources_file",
]

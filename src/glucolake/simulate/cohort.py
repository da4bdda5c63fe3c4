"""The simulated cohort: one :class:`SourceSpec` per Nightscout site.

Everything that makes a source individual (time zone, uploader style, physiology, ObjectId
machine bytes) is drawn from the seed and the source index only, so a source looks the same
whatever the number of sources or days.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from glucolake.simulate.keyed_random import Stream, uniform

if TYPE_CHECKING:
    from glucolake.simulate.config import SimulatorConfig

__all__ = [
    "STYLE_DEVICES",
    "STYLE_SHARE",
    "STYLE_XDRIP",
    "UPLOADER_CARE",
    "UPLOADER_CGM",
    "UPLOADER_LOOP",
    "UPLOADER_SECOND",
    "SourceSpec",
    "build_cohort",
    "make_spec",
    "slugify_source_id",
]

# Entry uploader styles; the index is stored per document (column ``style``).
STYLE_SHARE = 0
STYLE_XDRIP = 1
STYLE_DEVICES = ("share2", "xDrip-DexcomG6")

# Which uploader wrote a document: index into ``SourceSpec.machines`` (ObjectId bytes 5..9).
UPLOADER_CGM = 0
UPLOADER_SECOND = 1
UPLOADER_LOOP = 2
UPLOADER_CARE = 3

BasalStyle = Literal["absolute", "percent"]
_XDRIP_SHARE = 0.5  # half the sites upload with xDrip+, half through the Share bridge
_ABSOLUTE_BASAL_SHARE = 0.7  # Loop writes absolute temp basals; some pumps write percent


@dataclass(frozen=True)
class SourceSpec:
    """One simulated Nightscout site and the person behind it."""

    index: int
    """0-based position in the cohort (keys every random draw of this source)."""
    source_id: str
    """Stable id, used in URLs and by the ingest client."""
    timezone: str
    """IANA time zone of the person (used for the local-time pattern either way)."""
    profile_timezone: bool
    """Whether the profile document names the time zone."""
    style: int
    """Entry uploader style: ``STYLE_SHARE`` or ``STYLE_XDRIP``."""
    basal_style: BasalStyle
    """How temp basals are written: an absolute rate or a percentage."""
    phase_ms: int
    """Offset of the 5-minute reading grid from UTC midnight."""
    base_glucose: float
    """Mean glucose level (mg/dL) around which the trace moves."""
    dawn_amplitude: float
    """Height (mg/dL) of the early-morning rise."""
    carb_ratio: float
    """Grams of carbohydrate per unit of insulin."""
    sensitivity: float
    """mg/dL drop per unit of insulin."""
    basal_rate: float
    """Scheduled basal rate in U/h."""
    session_offset: int
    """Shifts the 10-day sensor-session calendar per source."""
    machines: tuple[str, str, str, str]
    """5-byte ObjectId machine parts (hex) of the CGM, second, Loop and careportal uploaders."""
    subject_id: str
    """ObjectId of the access-token subject for this site."""


def slugify_source_id(raw: str) -> str:
    """Turn a free-text id into a URL-safe source id (``"Subject 1"`` -> ``"subject-1"``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", raw.strip().lower()).strip("-")
    if not slug:
        raise ValueError(f"cannot make a source id from {raw!r}")
    return slug


def _machine_hex(seed: int, index: int, uploader: int) -> str:
    digest = hashlib.sha256(f"machine:{seed}:{index}:{uploader}".encode()).hexdigest()
    return digest[:10]


def make_spec(
    seed: int,
    index: int,
    source_id: str,
    timezone: str,
    *,
    profile_timezone: bool = True,
) -> SourceSpec:
    """Draw the individual traits of source ``index`` from the seed."""
    u = uniform(seed, index, Stream.SOURCE, range(12))
    subject = hashlib.sha256(f"subject:{source_id}".encode()).hexdigest()[:24]
    return SourceSpec(
        index=index,
        source_id=source_id,
        timezone=timezone,
        profile_timezone=profile_timezone,
        style=STYLE_XDRIP if u[0] < _XDRIP_SHARE else STYLE_SHARE,
        basal_style="absolute" if u[1] < _ABSOLUTE_BASAL_SHARE else "percent",
        phase_ms=int(u[2] * 300_000),
        base_glucose=135.0 + 35.0 * float(u[3]),
        dawn_amplitude=15.0 + 25.0 * float(u[4]),
        carb_ratio=round(8.0 + 7.0 * float(u[5]), 1),
        sensitivity=round(35.0 + 30.0 * float(u[6])),
        basal_rate=round(0.6 + 0.8 * float(u[7]), 2),
        session_offset=int(u[8] * 10),
        machines=(
            _machine_hex(seed, index, 0),
            _machine_hex(seed, index, 1),
            _machine_hex(seed, index, 2),
            _machine_hex(seed, index, 3),
        ),
        subject_id=subject,
    )


def build_cohort(config: SimulatorConfig) -> tuple[SourceSpec, ...]:
    """The generated sources ``patient-001``... with their cycled time zones."""
    specs = []
    for index in range(config.sources):
        source_id = f"patient-{index + 1:03d}"
        specs.append(
            make_spec(
                config.seed,
                index,
                source_id,
                config.timezones[index % len(config.timezones)],
                profile_timezone=source_id not in config.omit_timezone,
            )
        )
    return tuple(specs)

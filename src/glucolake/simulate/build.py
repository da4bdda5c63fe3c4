"""From a :class:`SimulatorConfig` to ready :class:`Site` objects (generated or from a CSV)."""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from glucolake.simulate.auth import Credentials
from glucolake.simulate.cohort import SourceSpec, build_cohort
from glucolake.simulate.csv_source import load_csv_sources
from glucolake.simulate.dataset import SourceData, build_generated_source
from glucolake.simulate.site import Site
from glucolake.simulate.timezones import DAY_MS

if TYPE_CHECKING:
    from collections.abc import Callable

    from glucolake.simulate.config import Clock, SimulatorConfig

__all__ = ["build_sites", "day_range"]

_BUILD_THREADS = 4  # numpy releases the GIL for most of the work


def day_range(config: SimulatorConfig, now_ms: int, *, live: bool) -> tuple[int, int]:
    """First and last UTC day (days since the epoch) to generate.

    ``days`` whole days before the day of "now", that day itself and, with a live clock, one day
    ahead so readings keep appearing as wall time passes.
    """
    today = now_ms // DAY_MS
    return today - config.days, today + (1 if live else 0)


def _site(
    config: SimulatorConfig,
    clock: Clock,
    data: SourceData,
    rebuild: Callable[[int], SourceData] | None = None,
    last_day: int | None = None,
) -> Site:
    source_id = data.spec.source_id
    role = config.role_for(source_id)
    return Site(
        data,
        clock=clock,
        role=role,
        credentials=Credentials(config.api_secret, data.spec.subject_id, role),
        fail_always=source_id in config.fail_always,
        rebuild=rebuild,
        last_day=last_day,
    )


def build_sites(config: SimulatorConfig, clock: Clock) -> dict[str, Site]:
    """Every site of the configuration, keyed by source id, in cohort order."""
    if config.csv_path is not None and config.csv_timezone is not None:
        loaded = load_csv_sources(config.csv_path, config.csv_timezone, config.seed)
        return _checked(config, {d.spec.source_id: _site(config, clock, d) for d in loaded})

    first_day, last_day = day_range(config, clock.now_ms(), live=not clock.frozen)

    def generate(spec: SourceSpec, until: int) -> SourceData:
        return build_generated_source(
            config.seed,
            spec,
            first_day,
            until,
            quirks=config.quirks,
            quirk_scale=config.quirk_scale,
        )

    specs = build_cohort(config)
    with ThreadPoolExecutor(max_workers=_BUILD_THREADS) as pool:
        built = list(pool.map(lambda spec: generate(spec, last_day), specs))
    return _checked(
        config,
        {
            spec.source_id: _site(
                config,
                clock,
                data,
                rebuild=None if clock.frozen else functools.partial(generate, spec),
                last_day=last_day,
            )
            for spec, data in zip(specs, built, strict=True)
        },
    )


def _checked(config: SimulatorConfig, sites: dict[str, Site]) -> dict[str, Site]:
    """Refuse per-source settings that name no source (a typo would silently do nothing)."""
    named = config.fail_always | config.omit_timezone | set(config.auth_overrides)
    unknown = sorted(named - set(sites))
    if unknown:
        raise ValueError(f"unknown source ids {unknown}; the sources are {', '.join(sites)}")
    return sites

"""A cohort at scale: the full build from a filled raw zone, then the 15-minute refresh.

The raw zone of a large cohort is ingested once over HTTP from `glucolake simulate` and cached
(a year of 100 sources is about 21 million documents). The full build then runs every lake and
warehouse step into that home; each refresh moves the simulated clock on 15 minutes, so ingest
finds three new readings per source and every step after it works incrementally. The same
refresh on one week of history tells whether its cost grows with history.

Every step runs as it does in a pod: a fresh process whose home is an emptied scratch folder,
with the lake and the warehouse elsewhere (the cluster's S3 lake and Postgres). Whatever a step
keeps for the next must therefore be in the lake, as on the cluster. A refresh's ingest runs as
the workflow's does: one process per part of the cohort, all at once.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from benchmarks.measure import (
    Measurement,
    Summary,
    home_environment,
    import_seconds,
    run_measured,
    summarise,
)
from benchmarks.run_stage import scheduled_runs
from benchmarks.scale_sites import cohort_port, first_sites, refresh_sites
from glucolake.run import load_workflow

BUILD_STEPS = (
    ("transform-intermediate", ["transform", "--stage", "intermediate"]),
    ("validate", ["validate"]),
    ("transform-curated", ["transform", "--stage", "curated"]),
    ("publish", ["publish"]),
    ("report", ["report"]),
)
# What the build writes; removed before each full build so it starts from the raw zone alone.
_DERIVED = (
    "lake/staging",
    "lake/intermediate",
    "lake/curated",
    "lake/quality",
    "lake/state/changes",
    "lake/state/dbt",
)


@dataclass(frozen=True)
class StepNumbers:
    """Wall seconds and peak RSS (MB, all its processes together) of one step, over runs."""

    seconds: Summary
    peak_mb: Summary


@dataclass(frozen=True)
class ScaleNumbers:
    """A cohort's ingest, full build and refresh."""

    sources: int
    days: int
    ingest: Measurement
    build: dict[str, StepNumbers]
    refresh: dict[str, StepNumbers]
    refresh_imports: dict[str, float]
    """Per step, seconds of one more refresh spent importing modules (``-X importtime``)."""
    scheduled_refresh: Summary | None = None
    """Seconds of the refreshes of ``glucolake run --every`` after its first, if measured."""

    @property
    def build_seconds(self) -> float:
        """The full build's wall time, step medians summed (ingest excluded)."""
        return sum(step.seconds.median for step in self.build.values())

    @property
    def refresh_seconds(self) -> float:
        """One refresh's wall time, step medians summed (ingest included)."""
        return sum(step.seconds.median for step in self.refresh.values())

    def peak_mb(self, steps: dict[str, StepNumbers]) -> float:
        """The largest peak RSS of any step."""
        return max(step.peak_mb.high for step in steps.values())


def measure_scale(
    sources: int, days: int, *, cache: Path, runs: int, tick_seconds: int | None = None
) -> ScaleNumbers:
    """Ingest (cached), build ``runs`` times from the raw zone, then refresh ``runs`` times.

    With ``tick_seconds``, then ``runs`` more refreshes by ``glucolake run --every`` at that tick.
    """
    workdir = cache / f"{sources}x{days}"
    home = workdir / "home"
    ingest = _ingest_once(sources, days, workdir, home)
    build: dict[str, list[Measurement]] = {}
    for _ in range(runs):
        for derived in _DERIVED:
            shutil.rmtree(home / derived, ignore_errors=True)
        (home / "warehouse.duckdb").unlink(missing_ok=True)
        for name, args in BUILD_STEPS:
            build.setdefault(name, []).append(_step(args, home))
    # The first refresh after a full build is measured with the others: it finds the full
    # build's parse in the lake, as every later one finds its predecessor's. The refreshes
    # serve the sites at one address, as real sites are: with a new one each time, ingest
    # records every source's setting anew at each refresh.
    port = cohort_port(workdir)
    refresh: dict[str, list[Measurement]] = {}
    for _ in range(runs):
        for name, measured in _refresh(sources, days, workdir, home, port=port).items():
            refresh.setdefault(name, []).append(measured)
    # What each step pays before its work: a pod starts a fresh interpreter, which imports
    # dbt or Great Expectations again. A refresh of its own, so that the wall times above
    # stay those of plain runs (importtime's accounting costs little, but some).
    imports = {
        name: import_seconds(measured.stderr)
        for name, measured in _refresh(
            sources, days, workdir, home, port=port, PYTHONPROFILEIMPORTTIME="1"
        ).items()
    }
    scheduled = (
        summarise(
            _scheduled_refreshes(sources, days, workdir, port=port, runs=runs, tick=tick_seconds)
        )
        if tick_seconds
        else None
    )
    return ScaleNumbers(
        sources, days, ingest, _summaries(build), _summaries(refresh), imports, scheduled
    )


def _refresh(
    sources: int, days: int, workdir: Path, home: Path, *, port: int, **extra_env: str
) -> dict[str, Measurement]:
    """One 15-minute refresh: ingest from the simulator 15 minutes on, then every step."""
    with refresh_sites(sources, days, workdir, port=port) as cohort:
        steps = {"ingest": _ingest_in_parts(cohort, home, **extra_env)}
    for name, args in BUILD_STEPS:
        steps[name] = _step(args, home, **extra_env)
    return steps


def _scheduled_refreshes(
    sources: int, days: int, workdir: Path, *, port: int, runs: int, tick: int
) -> list[float]:
    """Seconds of each run after the first of ``glucolake run --every <tick>s`` in the home.

    The embedded default's refresh, and what a step would cost on the cluster if it did not
    start a fresh interpreter: one process whose fork server is kept from run to run, so that
    after the first run no task imports dbt or Great Expectations again. Between two runs the
    simulator moves on 15 minutes (restarted at the same address), so that every run is a
    refresh; the tick leaves it the time to.
    """
    with contextlib.ExitStack() as sites:
        cohort = sites.enter_context(refresh_sites(sources, days, workdir, port=port))

        def move_on() -> None:
            sites.close()
            sites.enter_context(refresh_sites(sources, days, workdir, port=port))

        return scheduled_runs(
            cohort, workdir / "home", later=runs, tick=f"{tick}s", between=move_on
        )


def _ingest_once(sources: int, days: int, workdir: Path, home: Path) -> Measurement:
    record = workdir / "ingest.json"
    if record.exists():
        return Measurement(**json.loads(record.read_text()))
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    with first_sites(sources, days, workdir) as cohort:
        measured = _step(["ingest", "--sources", str(cohort)], home)
    record.write_text(json.dumps({**measured.__dict__, "stderr": ""}))
    return measured


# The rendered workflow: its plan step says how many parts the refresh's ingest runs in.
_PIPELINE = Path(__file__).parents[1] / "charts/glucolake/files/workflows/glucolake-pipeline.yaml"


def _ingest_in_parts(cohort: Path, home: Path, **extra_env: str) -> Measurement:
    """Ingest as the workflow does: ``plan`` cuts the cohort in parts, one pod each, all at once.

    The wall time is the parts' together; the peak memory is the largest part's (each is a pod).
    """
    plan = load_workflow(_PIPELINE).steps["plan"].args
    parts_option = plan[plan.index("--parts") : plan.index("--parts") + 2]
    listed = subprocess.run(
        [sys.executable, "-m", "glucolake", "sources", "--sources", str(cohort), *parts_option],
        env=home_environment(home.parent),
        capture_output=True,
        text=True,
        check=True,
    )
    parts = json.loads(listed.stdout)
    started = time.perf_counter()
    with ThreadPoolExecutor(len(parts)) as pool:
        measured = list(
            pool.map(
                lambda index, part: _step(
                    ["ingest", "--sources", str(cohort), "--only", part],
                    home,
                    scratch=f"scratch-{index}",
                    **extra_env,
                ),
                range(len(parts)),
                parts,
            )
        )
    return Measurement(
        seconds=time.perf_counter() - started,
        peak_rss_mb=max(m.peak_rss_mb for m in measured),
        returncode=0,
        stderr="".join(m.stderr for m in measured),
        peak_tree_mb=max(m.peak_tree_mb for m in measured),
    )


def _step(
    args: list[str], home: Path, *, scratch: str = "scratch", **extra_env: str
) -> Measurement:
    """Run one step as a pod does: an empty home, the lake and the warehouse kept in ``home``."""
    scratch_home = home.parent / scratch
    shutil.rmtree(scratch_home, ignore_errors=True)
    scratch_home.mkdir()
    env = home_environment(
        scratch_home,
        GLUCOLAKE_LAKE=str(home / "lake"),
        GLUCOLAKE_WAREHOUSE=str(home / "warehouse.duckdb"),
        **extra_env,
    )
    measured = run_measured([sys.executable, "-m", "glucolake", *args, "--json-logs"], env=env)
    if measured.returncode != 0:
        raise RuntimeError(f"glucolake {' '.join(args)} failed:\n{measured.stderr[-3000:]}")
    return measured


def _summaries(measured: dict[str, list[Measurement]]) -> dict[str, StepNumbers]:
    return {
        name: StepNumbers(
            seconds=summarise([m.seconds for m in runs]),
            peak_mb=summarise([m.peak_mb for m in runs]),
        )
        for name, runs in measured.items()
    }


def markdown(year: ScaleNumbers, week: ScaleNumbers) -> str:
    """The scale section of docs/benchmarks.md: targets, measures, ratios, then per step."""
    refresh_ratio = year.refresh_seconds / week.refresh_seconds
    scheduled = []
    if year.scheduled_refresh:
        seconds = year.scheduled_refresh
        scheduled.append(
            f"| refresh on {year.days} days by `glucolake run --every`, after its first, wall s "
            f"| ≤ 10 | {seconds} | {seconds.median / 10:.2f} |"
        )
    lines = [
        f"### {year.sources} sources × {year.days} days: full build and 15-minute refresh",
        "",
        (
            f"Raw zone ingested once over HTTP from the simulator: {year.ingest.seconds:.0f} s, "
            f"peak {year.ingest.peak_rss_mb:.0f} MB (not part of the build below)."
        ),
        "",
        "Each step runs as in a pod: a fresh process whose home is an emptied folder, the lake",
        "and the warehouse kept elsewhere. A refresh's ingest runs as the workflow's does: the",
        "cohort cut in parts (`glucolake sources --parts`), one process each, all at once; its",
        "time is theirs together, its memory the largest part's. The full build starts from the",
        "raw zone alone (dbt parses the project); the refreshes follow it and reuse its parse, as",
        "the cluster's refreshes do. One more refresh runs with `python -X importtime`, to count",
        "what each step spends importing modules, which a pod pays at every start: seconds summed",
        "over the step's processes, some of which run at once (the ingest parts, the metrics'",
        "workers). Its accounting costs little (Great Expectations' import: 2.9 s with it,",
        "2.8–3.4 s without), but it is another run than the medians beside it.",
        "",
        "The refreshes of `glucolake run --every` (the embedded default's schedule) then run in",
        "the same home: one process whose fork server, kept from run to run, imported dbt and",
        "Great Expectations once, so that after its first run no task imports them again (what",
        "long-lived workers would give the cluster). Its first run is left out; the simulator",
        "moves on 15 minutes between two runs.",
        "",
        "| measure | target | measured | ratio |",
        "|---|---|---|---|",
        (
            f"| full build, wall s (raw zone → marts and report) | ≤ 120 "
            f"| {year.build_seconds:.1f} | {year.build_seconds / 120:.2f} |"
        ),
        (
            f"| full build, peak RSS of one step (its processes together), MB | ≤ 2048 "
            f"| {year.peak_mb(year.build):.0f} | {year.peak_mb(year.build) / 2048:.2f} |"
        ),
        (
            f"| refresh on {year.days} days, wall s (ingest → report) | ≤ 10 "
            f"| {year.refresh_seconds:.1f} | {year.refresh_seconds / 10:.2f} |"
        ),
        *scheduled,
        (
            f"| importing modules, in one more refresh (`-X importtime`), s | – "
            f"| {sum(year.refresh_imports.values()):.1f} | – |"
        ),
        (
            f"| refresh on {year.days} days ÷ refresh on {week.days} days | ≤ 1.5 "
            f"| {refresh_ratio:.2f} | {refresh_ratio / 1.5:.2f} |"
        ),
        (
            f"| refresh, peak RSS of one step (its processes together), MB | ≤ 2048 "
            f"| {year.peak_mb(year.refresh):.0f} | {year.peak_mb(year.refresh) / 2048:.2f} |"
        ),
        "",
        (
            f"| step | build s ({year.days} d) | build MB | refresh s ({year.days} d) "
            f"| importing | refresh MB | refresh s ({week.days} d) |"
        ),
        "|---|---|---|---|---|---|---|",
    ]
    for name in ["ingest", *[n for n, _ in BUILD_STEPS]]:
        built = year.build.get(name)
        refreshed, small = year.refresh[name], week.refresh[name]
        lines.append(
            f"| {name} | {built.seconds if built else '–'} "
            f"| {f'{built.peak_mb.high:.0f}' if built else '–'} | {refreshed.seconds} "
            f"| {year.refresh_imports[name]:.2f} "
            f"| {refreshed.peak_mb.high:.0f} | {small.seconds} |"
        )
    return "\n".join(lines) + "\n"

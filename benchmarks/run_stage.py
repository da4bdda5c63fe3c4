"""`glucolake run` end to end on a small cohort: where the time goes, task by task."""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.ingest_stage import simulator
from benchmarks.measure import Summary, run_measured, summarise

TARGET_SECONDS = 5.0


@dataclass(frozen=True)
class RunNumbers:
    """Wall time of the whole run and the median seconds of each task."""

    sources: int
    days: int
    total: Summary
    peak_mb: Summary
    tasks: dict[str, float]


def measure_run(sources: int, days: int, runs: int) -> RunNumbers:
    """Run the whole DAG ``runs`` times into fresh homes (a warm install: the venv exists)."""
    totals, peaks = [], []
    per_task: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="glucolake-bench-run-") as tmp:
        workdir = Path(tmp)
        with simulator(sources, days, workdir) as cohort:
            for run in range(runs):
                home = workdir / f"run-{run}"
                env = {"PATH": os.environ["PATH"], "HOME": str(home), "GLUCOLAKE_HOME": str(home)}
                result = run_measured(
                    [sys.executable, "-m", "glucolake", "run", "--sources", str(cohort)], env=env
                )
                if result.returncode != 0:
                    raise RuntimeError(f"glucolake run failed:\n{result.stderr[-3000:]}")
                totals.append(result.seconds)
                peaks.append(result.peak_rss_mb)
                for line in result.stderr.splitlines():
                    if line.startswith("{") and '"task_finished"' in line:
                        event = json.loads(line)
                        task = event["task"].split("(")[0]
                        per_task.setdefault(task, []).append(event["seconds"])
    return RunNumbers(
        sources=sources,
        days=days,
        total=summarise(totals),
        peak_mb=summarise(peaks),
        tasks={task: statistics.median(s) for task, s in per_task.items()},
    )


def markdown(numbers: RunNumbers) -> str:
    """The `glucolake run` section of docs/benchmarks.md."""
    ratio = numbers.total.median / TARGET_SECONDS
    lines = [
        f"### `glucolake run`: {numbers.sources} source × {numbers.days} days, end to end",
        "",
        "Warm install (the venv exists); every task is a fresh process, as a pod would be, so",
        "framework start-up (dbt, Great Expectations) counts.",
        "",
        "| measure | target | measured | ratio |",
        "|---|---|---|---|",
        (
            f"| whole DAG, wall s | ≤ {TARGET_SECONDS:.0f} (older stack: about 10) "
            f"| {numbers.total} | {ratio:.2f} |"
        ),
        f"| whole DAG, peak RSS of one task, MB | – | {numbers.peak_mb} | – |",
        "",
        "| task | median s |",
        "|---|---|",
        *[f"| {task} | {seconds:.2f} |" for task, seconds in numbers.tasks.items()],
    ]
    return "\n".join(lines) + "\n"


def measure_fresh_demo() -> float:
    """`git clone` then `make demo` with an empty uv cache: the newcomer's first experience."""
    import subprocess  # noqa: PLC0415
    import time  # noqa: PLC0415

    repository = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="glucolake-bench-fresh-") as tmp:
        clone = Path(tmp) / "glucolake"
        subprocess.run(["git", "clone", "-q", str(repository), str(clone)], check=True)
        # A newcomer's shell (proxies, CA bundles) minus glucolake's own settings.
        env = {k: v for k, v in os.environ.items() if not k.startswith("GLUCOLAKE_")}
        env["UV_CACHE_DIR"] = str(Path(tmp) / "uv-cache")
        started = time.perf_counter()
        subprocess.run(
            ["make", "demo"],
            cwd=clone,
            env=env,
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - started


def fresh_demo_markdown(seconds: float) -> str:
    """The fresh-machine line of docs/benchmarks.md."""
    return (
        "### Fresh machine: `git clone` then `make demo`\n\n"
        "An empty uv cache, so every pinned package is downloaded and installed (about 1 GB),\n"
        "then"
        f" the demo runs the whole pipeline on three simulated patients: **{seconds:.0f} s**.\n"
    )

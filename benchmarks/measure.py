"""Run a command as a child process and measure it with the operating system's own accounting."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    """Wall time and peak resident memory of one child process."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stderr: str


def run_measured(args: list[str], *, env: dict[str, str], cwd: Path | None = None) -> Measurement:
    """Run ``args`` to completion; peak RSS comes from ``wait4``'s rusage of that child alone."""
    stderr_path = Path(env.get("GLUCOLAKE_HOME", ".")) / f"bench-{time.time_ns()}.stderr"
    stderr_path.parent.mkdir(parents=True, exist_ok=True)
    with stderr_path.open("w") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    text = stderr_path.read_text()
    stderr_path.unlink()
    # ru_maxrss is in KiB on Linux.
    return Measurement(elapsed, usage.ru_maxrss / 1024, process.returncode, text)


@dataclass(frozen=True)
class Summary:
    """Median and spread of repeated measurements."""

    median: float
    low: float
    high: float
    runs: int

    def __str__(self) -> str:
        """``1.23 (1.10–1.40, 3 runs)``."""
        if self.runs == 1:
            return f"{self.median:.2f} (1 run)"
        return f"{self.median:.2f} ({self.low:.2f}–{self.high:.2f}, {self.runs} runs)"


def summarise(values: list[float]) -> Summary:
    """Median, minimum and maximum."""
    return Summary(statistics.median(values), min(values), max(values), len(values))


def machine() -> str:
    """One line describing the machine the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f"{mem_kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        memory = "unknown RAM"
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )

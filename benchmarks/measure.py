"""Run a command as a child process and measure it with the operating system's own accounting."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

# How often the memory of a command's whole process tree is summed.
_SAMPLE_SECONDS = 0.05
_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass(frozen=True)
class Measurement:
    """Wall time and peak resident memory of one child process."""

    seconds: float
    peak_rss_mb: float
    """The kernel's peak of the largest single process (the child or one of its descendants)."""
    returncode: int
    stderr: str
    peak_tree_mb: float = 0.0
    """The largest sum over the child and every descendant alive at once (sampled every 50 ms):
    what a pod's memory limit sees when a step runs worker processes."""

    @property
    def peak_mb(self) -> float:
        """The higher of the two peaks (sampling can miss a short one)."""
        return max(self.peak_rss_mb, self.peak_tree_mb)


def home_environment(home: Path, **extra: str) -> dict[str, str]:
    """A ``glucolake`` command's environment with its home in ``home``, plus ``extra``."""
    return {"PATH": os.environ["PATH"], "HOME": str(home), "GLUCOLAKE_HOME": str(home), **extra}


def run_measured(args: list[str], *, env: dict[str, str], cwd: Path | None = None) -> Measurement:
    """Run ``args`` to completion; peak RSS comes from ``wait4``'s rusage of that child alone."""
    stderr_path = Path(env.get("GLUCOLAKE_HOME", ".")) / f"bench-{time.time_ns()}.stderr"
    stderr_path.parent.mkdir(parents=True, exist_ok=True)
    with stderr_path.open("w") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr)
        sampler = _TreeSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        sampler.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    text = stderr_path.read_text()
    stderr_path.unlink()
    # ru_maxrss is in KiB on Linux.
    return Measurement(
        elapsed, usage.ru_maxrss / 1024, process.returncode, text, sampler.peak_kb / 1024
    )


class _TreeSampler(threading.Thread):
    """Keeps the peak of the summed RSS of a process and its descendants while it runs."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak_kb = 0
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(_SAMPLE_SECONDS):
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(self.root))

    def stop(self) -> None:
        self._stopped.set()
        self.join()


def _tree_rss_kb(root: int) -> int:
    """RSS of ``root`` and its descendants now, in KiB, from /proc (0 once it has exited)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command may hold spaces and parentheses: the parent pid follows the last ')'.
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE_KB
        except (OSError, IndexError, ValueError):
            continue
        pending.extend(children.get(pid, []))
    return total


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


def import_seconds(stderr: str) -> float:
    """Seconds spent importing modules, from the ``python -X importtime`` lines of ``stderr``.

    The top-level imports' cumulative times: a nested import (indented) is inside its parent's.
    Every process that printed to ``stderr`` counts, worker processes included.
    """
    microseconds = 0
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        _, cumulative, name = line.split("|")
        if name.startswith("  ") or not cumulative.strip().isdigit():
            continue  # nested, or the header
        microseconds += int(cumulative)
    return microseconds / 1e6

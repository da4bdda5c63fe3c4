from __future__ import annotations

import os
import sys

from benchmarks.measure import run_measured

# A parent holding 60 MB waits for a child holding 120 MB for a second.
_TWO_PROCESSES = """
import subprocess, sys
held = bytearray(60 * 2**20)
child = "import time; held = bytearray(120 * 2**20); time.sleep(1)"
subprocess.run([sys.executable, "-c", child], check=True)
"""


def test_peak_of_a_step_counts_its_processes_together():
    measured = run_measured([sys.executable, "-c", _TWO_PROCESSES], env=dict(os.environ))
    assert measured.returncode == 0, measured.stderr
    # The kernel's peak is that of one process (the child, or pytest itself in the moment it
    # forked); the tree's is both processes at once.
    assert measured.peak_rss_mb >= 120
    assert measured.peak_tree_mb >= 180
    assert measured.peak_mb == max(measured.peak_rss_mb, measured.peak_tree_mb)

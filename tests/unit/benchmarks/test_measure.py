from __future__ import annotations

import os
import sys

from benchmarks.measure import import_seconds, run_measured

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


def test_import_seconds_add_up_the_top_level_imports():
    stderr = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:       100 |        100 |   parent.child\n"
        "import time:        50 |        150 | parent\n"
        '{"event": "a log line between"}\n'
        "import time:        20 |         20 | other\n"
    )
    assert import_seconds(stderr) == 170e-6
    assert import_seconds("no import lines here\n") == 0


def test_import_seconds_count_every_process_of_a_step():
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    code = "import json, subprocess, sys; subprocess.run([sys.executable, '-c', 'import csv'])"
    measured = run_measured([sys.executable, "-c", code], env=env)
    assert measured.returncode == 0, measured.stderr
    top = [
        int(line.split("|")[1])
        for line in measured.stderr.splitlines()
        if line.startswith("import time:") and line.endswith((" json", " subprocess", " csv"))
    ]
    assert len(top) == 3, "json and subprocess in one process, csv in the other"
    assert import_seconds(measured.stderr) >= sum(top) / 1e6

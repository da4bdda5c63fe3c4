"""What the fork server of ``glucolake run`` imports (and warms) before forking tasks, and how.

Forking is only safe from a process with one thread (``run.forkserver``), so everything here
is imported without starting one. DuckDB starts a thread when imported, so the tasks import it
themselves; numpy's OpenBLAS and pyarrow's jemalloc would each start one too, unless their
settings say otherwise when the library loads (``ONE_THREAD_WHILE_LOADING``).
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

__all__ = ["ONE_THREAD_WHILE_LOADING", "PRELOAD", "preload", "threads"]

PRELOAD = (
    # What every step imports first, then dbt (the three dbt steps), then OpenLineage (every
    # step's lineage). Ordered so that no single import takes long: the server answers requests
    # between two imports. None of these starts a thread (tests/unit/run/test_forkserver.py).
    "glucolake.cli",
    "glucolake.cli._options",
    "yaml",
    "rich.console",
    "jinja2",
    "agate",
    "dbt_common.events.functions",
    "dbt.adapters.base",
    "dbt.artifacts.schemas.run",
    "dbt.contracts.graph.manifest",
    "dbt.parser.manifest",
    "dbt.cli.main",
    "dbt.task.build",
    "openlineage.client",
    "openlineage.common.provider.dbt.local",
    # What ingest, the gate and the metrics import (with ONE_THREAD_WHILE_LOADING), then Great
    # Expectations (the gate) in parts: alone, its import is 2 s during which no task starts.
    "numpy",
    "pyarrow.parquet",
    "pyarrow.dataset",
    "requests",
    "pandas",
    "scipy.stats",
    "altair",
    "great_expectations.expectations",
    "great_expectations.datasource.fluent",
    "great_expectations",
    # Last, the code dbt compiles lazily, the same in every dbt step (a `module:function` entry
    # is run after its module's import), and inspect's map of every module imported so far.
    # After the gate's import, not before: the first dbt step starts before the server is
    # through dbt and warms dbt itself, and the gate comes next. Warmed first, the gate waited
    # for Great Expectations' import (a third run of 1 source × 7 days: 6.08–6.22 s; warmed
    # last, 5.64–5.69 s, the curated step forking in time for the warm code all the same).
    "glucolake.run.warm:dbt_serialisers",
    "glucolake.run.warm:module_files",
)
# Native libraries read these once, when they load: without them numpy's OpenBLAS starts worker
# threads and pyarrow's jemalloc a purging thread. The server sets them only around an import,
# so a task's environment is still the runner's; a forked task's numpy then does its (little)
# linear algebra on one thread, and its pyarrow returns freed memory on allocation rather than
# from a background thread. A value the runner set itself is kept (and then decides).
ONE_THREAD_WHILE_LOADING = {
    "OPENBLAS_NUM_THREADS": "1",
    "JE_ARROW_MALLOC_CONF": "background_thread:false",
}


def threads() -> int:
    """The process's threads, native ones included (Python's own count misses those)."""
    try:
        return sum(1 for _ in Path("/proc/self/task").iterdir())
    except OSError:  # no procfs: assume the worst
        return 2


def preload(entry: str) -> None:
    """Import a module (``module``) or run a function of one (``module:function``).

    Native libraries are told to start no thread meanwhile; a failure is reported, not raised.
    """
    module, _, function = entry.partition(":")
    added = {k: v for k, v in ONE_THREAD_WHILE_LOADING.items() if k not in os.environ}
    os.environ.update(added)
    try:
        loaded = importlib.import_module(module)
        if function:
            getattr(loaded, function)()
    except Exception as exc:  # noqa: BLE001 - a task imports what it needs itself
        sys.stderr.write(f"fork server: cannot preload {entry}: {exc}\n")
    finally:
        for key in added:
            del os.environ[key]
    if threads() != 1:
        sys.stderr.write(
            f"fork server: preloading {entry} started a thread; "
            "tasks run as plain subprocesses from now on\n"
        )

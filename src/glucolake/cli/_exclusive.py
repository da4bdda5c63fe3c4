"""Locks that keep two glucolake processes on one machine from writing the same files at once.

``glucolake run`` holds ``$GLUCOLAKE_HOME/run.lock``. The steps that rebuild the lake's derived
zones and the warehouse (transform, validate, publish, report) hold one lock between them, next
to the lake: two of them at once read files the other is rewriting (two curated builds once left
a Parquet file that the next build could not read). They follow one another in the DAG, so a
run never waits on it; a step started by hand next to another fails at once instead.

These are ``flock`` locks on local files, released by the kernel when the process dies. On a
cluster each pod has its own disk; there the workflow's mutex keeps runs apart.
"""

from __future__ import annotations

import contextlib
import fcntl
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from collections.abc import Iterator

    from glucolake.settings import Settings

__all__ = ["exclusive", "steps_exclusive"]


@contextlib.contextmanager
def exclusive(path: Path, *, command: str, holders: str, place: str) -> Iterator[None]:
    """Hold ``path`` locked while the block runs, or exit 1 at once, saying who holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            click.echo(
                f"glucolake: error: {command}: another {holders} is using {place}; "
                "wait for it to finish",
                err=True,
            )
            sys.exit(1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def steps_exclusive(settings: Settings, command: str) -> contextlib.AbstractContextManager[None]:
    """The lock of the steps that write the lake's derived zones and the warehouse.

    In the lake's ``state/`` folder when the lake is a folder (the bench and the tests keep one
    lake for several homes); in the home when it is a bucket.
    """
    if settings.lake.startswith("s3://"):
        path, place = settings.home / "steps.lock", f"the home {settings.home}"
    else:
        path, place = Path(settings.lake) / "state" / "steps.lock", f"the lake {settings.lake}"
    return exclusive(
        path,
        command=command,
        holders="glucolake transform, validate, publish or report",
        place=place,
    )

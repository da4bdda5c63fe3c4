"""Writing a local file whole or not at all, the one way every part of glucolake does it."""

from __future__ import annotations

import os
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` at ``target`` so that readers see the old file or all of the new one.

    The data goes to a hidden name ending in ``.tmp`` in the target's folder (no reader globs
    those), is flushed to disk, then renamed over the target; a failure removes it and raises.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    # Make the rename itself durable, so a power cut cannot undo a file we reported as written.
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)

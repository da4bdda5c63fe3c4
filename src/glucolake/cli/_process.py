"""How a glucolake command ends: it leaves at once, without tearing the interpreter down.

At exit, CPython's finalization collects and frees every object the step imported: measured
here, 0.75 s for a process that had imported what ``glucolake run``'s fork server preloads, and
1 s for a task forked from that server, where each object freed also copies the page it shares
with the server. None of that is the command's work: its files are closed and its transactions
committed by then.

What a normal exit does that matters is kept, in CPython's order: wake and join the threads that
are not daemons, run the ``atexit`` handlers (logging's flush and close among them), flush stdout
and stderr. Then ``os._exit`` ends the process with the status that ``SystemExit`` carried.

The collector's thresholds stay CPython's. Raised to collect young objects every 10,000
allocations, they saved 0.25 s of a dbt step, but the gate on a cohort's year then held 780 MB
more and took 3.7 s longer: much of what it drops sits in reference cycles, which only a
collection frees.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["exit_status", "run_then_leave"]


def run_then_leave(command: Callable[[], object]) -> NoReturn:
    """Run ``command`` (a click command in standalone mode ends with ``SystemExit``); then leave.

    An exception other than ``SystemExit`` is not caught: the interpreter prints it and exits
    as usual, finalization included, since the process may then hold anything.
    """
    try:
        command()
    except SystemExit as exc:
        status = exit_status(exc.code)
    else:
        status = 0
    _finish_like_the_interpreter()
    os._exit(status)


def exit_status(code: object) -> int:
    """The process status for ``SystemExit(code)``, as the interpreter derives it.

    None is success, an integer is itself, anything else is printed to stderr and is 1.
    """
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    sys.stderr.write(f"{code}\n")
    return 1


def _finish_like_the_interpreter() -> None:
    # Private names, the functions Py_FinalizeEx itself calls first. threading's also runs the
    # hooks that wake idle pool threads (concurrent.futures) before it joins the threads that
    # are not daemons: joining them without those hooks would wait forever.
    threading._shutdown()  # type: ignore[attr-defined]  # noqa: SLF001
    atexit._run_exitfuncs()  # noqa: SLF001
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed or gone: nothing left to write there
            continue

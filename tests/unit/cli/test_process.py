"""A finished command leaves at once, yet as a normal exit would: same status, same output."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from glucolake.cli._process import exit_status


def leave_after(body: str) -> subprocess.CompletedProcess[str]:
    """Run ``body`` as the command of ``run_then_leave`` in a fresh interpreter."""
    code = "from glucolake.cli._process import run_then_leave\n" + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("code", "status"), [(None, 0), (0, 0), (3, 3), (-1, 255), (256, 0), ("bad input", 1)]
)
def test_exit_status_is_the_interpreters(code, status):
    assert exit_status(code) == status
    plain = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.exit({code!r})"], capture_output=True, check=False
    )
    assert plain.returncode == status


def test_a_message_in_system_exit_goes_to_stderr():
    result = leave_after(
        """
        import sys
        run_then_leave(lambda: sys.exit("no sources given"))
        """
    )
    assert result.returncode == 1
    assert result.stderr == "no sources given\n"


def test_buffered_output_atexit_handlers_and_threads_all_finish():
    result = leave_after(
        """
        import atexit, logging, sys, threading, time

        def command():
            logging.basicConfig(stream=sys.stderr, format="%(message)s")
            atexit.register(lambda: print("atexit ran"))
            late = threading.Thread(target=lambda: (time.sleep(0.2), print("thread ended")))
            late.start()
            sys.stdout.write("buffered, no newline")
            logging.getLogger("x").warning("logged")
            raise SystemExit(4)

        run_then_leave(command)
        """
    )
    assert result.returncode == 4
    assert result.stdout.splitlines() == ["buffered, no newlinethread ended", "atexit ran"]
    assert result.stderr == "logged\n"


def test_a_command_that_returns_is_a_success():
    assert leave_after("run_then_leave(lambda: print('done'))").stdout == "done\n"


def test_any_other_exception_exits_as_the_interpreter_does():
    result = leave_after("run_then_leave(lambda: 1 / 0)")
    assert result.returncode == 1
    assert "ZeroDivisionError" in result.stderr


def test_an_idle_pool_left_open_does_not_hold_the_exit():
    result = leave_after(
        """
        from concurrent.futures import ThreadPoolExecutor

        def command():
            pool = ThreadPoolExecutor(max_workers=2)  # never shut down, as a careless library
            print(pool.submit(lambda: "pooled").result())

        run_then_leave(command)
        """
    )
    assert result.returncode == 0
    assert result.stdout == "pooled\n"

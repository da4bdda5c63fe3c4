"""The fork server runs glucolake tasks as a fresh process would, or not at all."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from tests.helpers import children_of

from glucolake.run import preload
from glucolake.run.executor import run_workflow
from glucolake.run.forkserver import ForkServer
from glucolake.run.template import Dag, DagTask, StepTemplate, WorkflowDefinition

LIGHT = ("glucolake.cli",)  # enough to fork from, and quick to start


def plain(args, tmp_path):
    """What a plain `python -m glucolake <args>` gives: exit status, stdout, stderr."""
    result = subprocess.run(
        [sys.executable, "-m", "glucolake", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    return result.returncode, result.stdout, result.stderr


def forked(server, args, tmp_path, name="task.log"):
    log = tmp_path / name
    with log.open("a") as handle:
        outcome = server.run(list(args), handle)
    return outcome, log.read_text()


@contextlib.contextmanager
def serving(tmp_path, modules=LIGHT):
    """A fork server, started in the test's body: it serves only the environment it started
    with, and pytest changes PYTEST_CURRENT_TEST between a fixture and the test."""
    with ForkServer.started(tmp_path / "fork-server.log", modules) as server:
        assert server is not None
        yield server


def test_preloaded_modules_start_no_thread():
    """Forking is only safe from a single-threaded process: preloading PRELOAD as the server
    does must not start one (DuckDB does, which is why it is not in it; numpy and pyarrow do
    unless told otherwise while they load), and must leave the environment as it found it."""
    code = (
        "import os\n"
        "from glucolake.run import preload\n"
        "before = dict(os.environ)\n"
        "for m in preload.PRELOAD: preload.preload(m)\n"
        "print(len(os.listdir('/proc/self/task')), dict(os.environ) == before)\n"
    )
    # The runner's own settings would decide instead (see ONE_THREAD_WHILE_LOADING).
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"OPENBLAS_NUM_THREADS", "JE_ARROW_MALLOC_CONF"}
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env=env,
    )
    assert result.stdout.strip() == "1 True", result.stderr
    assert "cannot preload" not in result.stderr


def test_a_preload_entry_may_name_a_function_to_run(tmp_path, monkeypatch, capsys):
    (tmp_path / "warming.py").write_text(
        f"import pathlib\ndef warm():\n    pathlib.Path({str(tmp_path / 'warmed')!r}).touch()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    preload.preload("warming:warm")
    assert (tmp_path / "warmed").exists()
    preload.preload("warming:missing")
    assert "cannot preload warming:missing" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [("--version",), ("nonsense",), ("sources", "--url", "http://127.0.0.1:9/x", "--select", "x")],
    ids=["stdout", "usage-error", "config-error"],
)
def test_a_forked_task_ends_as_a_fresh_process_would(tmp_path, args):
    status, stdout, stderr = plain(args, tmp_path)
    with serving(tmp_path) as server:
        outcome, log = forked(server, args, tmp_path)
    assert outcome == (status, stdout)
    assert log == stderr


def test_each_task_is_its_own_process_and_a_crash_is_its_own(tmp_path):
    with serving(tmp_path) as server:
        each_task_is_its_own_process(server, tmp_path)


def start_endless_task(server, tmp_path, results, key):
    """Fork a task that runs until it is killed (the simulator); its outcome lands in
    ``results[key]``. Returns the waiting thread and the task's pid."""

    def simulate():
        results[key] = forked(
            server, ["simulate", "--sources", "1", "--days", "1", "--port", "0"], tmp_path
        )

    worker = threading.Thread(target=simulate)
    worker.start()
    deadline = time.monotonic() + 60
    while not (pids := children_of(server._process.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    (pid,) = pids
    return worker, pid


def each_task_is_its_own_process(server, tmp_path):
    results = {}
    worker, pid = start_endless_task(server, tmp_path, results, "killed")
    assert pid not in {os.getpid(), server._process.pid}
    # Meanwhile another task runs and ends normally.
    assert forked(server, ["--version"], tmp_path, "other.log")[0][0] == 0
    os.kill(pid, signal.SIGKILL)
    worker.join(timeout=60)
    assert results["killed"][0] == (-signal.SIGKILL, "")
    # The server goes on.
    assert forked(server, ["--version"], tmp_path, "after.log")[0][0] == 0


def test_a_task_that_ends_while_the_server_imports_is_reported_at_once(tmp_path, monkeypatch):
    """The server imports between requests; a task's exit status must not wait for the import
    in progress (it held the DAG 0.7 s). This import lasts until the test releases it."""
    release = tmp_path / "release"
    (tmp_path / "imports_until_released.py").write_text(
        "import pathlib, time\n"
        f"release, end = pathlib.Path({str(release)!r}), time.monotonic() + 120\n"
        "while not release.exists() and time.monotonic() < end:\n"
        "    pass  # busy, as an import is: Python code running in the main thread\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    results = {}
    with serving(tmp_path, ("imports_until_released",)) as server:
        # Sent before the server's loop starts: it forks the task, then starts the import.
        asking = threading.Thread(
            target=lambda: results.update(done=forked(server, ["--version"], tmp_path))
        )
        asking.start()
        asking.join(timeout=60)
        still_importing = asking.is_alive()
        release.touch()
        asking.join()
    assert not still_importing, "the exit status waited for the server's import"
    (status, stdout), _ = results["done"]
    assert status == 0
    assert stdout.startswith("glucolake")


def test_a_changed_environment_is_left_to_a_plain_subprocess(tmp_path, monkeypatch):
    with serving(tmp_path) as server:
        assert forked(server, ["--version"], tmp_path)[0] is not None
        monkeypatch.setenv("GLUCOLAKE_FORK_SERVER_TEST", "changed")
        assert forked(server, ["--version"], tmp_path)[0] is None


def test_a_server_that_started_a_thread_refuses_to_fork(tmp_path, monkeypatch):
    (tmp_path / "starts_a_thread.py").write_text(
        "import threading, time\n"
        "threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    log = tmp_path / "fork-server.log"  # where serving() has the server write
    with serving(tmp_path, (*LIGHT, "starts_a_thread")) as server:
        time.sleep(0.5)  # let it import both
        assert forked(server, ["--version"], tmp_path)[0] is None
        assert forked(server, ["--version"], tmp_path)[0] is None  # and it is not asked again
    assert "started a thread" in log.read_text()


def test_a_lost_server_fails_its_running_task_and_no_other(tmp_path):
    with serving(tmp_path) as server:
        a_lost_server_fails_its_running_task(server, tmp_path)


def a_lost_server_fails_its_running_task(server, tmp_path):
    results = {}
    worker, pid = start_endless_task(server, tmp_path, results, "orphan")
    server._process.kill()
    server._process.wait()
    os.kill(pid, signal.SIGTERM)
    worker.join(timeout=60)
    (status, _), log = results["orphan"]
    assert status == 1
    assert "its exit status is unknown" in log
    assert forked(server, ["--version"], tmp_path, "later.log")[0] is None


def test_the_dag_runs_the_same_with_forks(tmp_path):
    steps = {
        "version": StepTemplate("version", ["glucolake"], ["--version"], {}),
        "echo": StepTemplate("echo", ["sh", "-c"], ["echo {{inputs.parameters.v}}"], {"v": None}),
    }
    tasks = {
        "a": DagTask("a", "version", {}),
        "b": DagTask("b", "echo", {"v": "{{tasks.a.outputs.result}}"}, depends=("a",)),
    }
    definition = WorkflowDefinition("w", {}, Dag("main", {}, tasks), steps)
    plain_results = run_workflow(definition, parameters={}, run_id="p", log_dir=tmp_path / "p")
    with serving(tmp_path) as server:
        forked_results = run_workflow(
            definition, parameters={}, run_id="f", log_dir=tmp_path / "f", forks=server
        )
    for name in tasks:
        assert forked_results[name].status == plain_results[name].status == "Succeeded"
        assert forked_results[name].stdout == plain_results[name].stdout
    assert forked_results["b"].stdout.startswith("glucolake, version")

"""Start each ``glucolake …`` task of ``glucolake run`` as a fork of a process that imported dbt.

Why: every task of the DAG runs as a fresh process, as it does in a pod, and a fresh Python
process imports its libraries again: about 3 s of dbt for each of the three dbt steps, 2.5 s of
Great Expectations for the gate, and half a second of glucolake's CLI, pyarrow and pandas for
every step, on a run that should take seconds. ``glucolake run``
therefore starts one fork server beside the DAG. The server imports those modules once; for
each task it forks a child that runs the task's command, as ``python -m glucolake …`` would.

Each task stays its own process, with its own exit status, its own stdout (Argo's
``outputs.result``) and its own log file as stderr; a task that crashes takes down only itself.
Commands that are not ``glucolake`` never come here: they run as plain subprocesses, and so does
every task whenever the server cannot take it (see ``ForkServer.run``).

Why it is safe, point by point:

- Threads. ``fork()`` copies only the calling thread; a lock another thread held stays locked in
  the child forever. The server imports only modules that start no thread (``run.preload``),
  checks ``/proc/self/task`` after every import and before every fork, and refuses to fork
  when it finds a second thread; the runner then starts the task as a plain subprocess.
- State. The server opens no database and no file but its own socket and wake-up pipe,
  configures no logging and runs no glucolake code: a child's interpreter is that of a fresh
  process that imported the same modules. Python reseeds ``random`` in a forked child; dbt makes
  a new invocation id for every command. The child closes the server's descriptors, puts the
  runner's stdin, the stdout pipe and the log file on 0, 1 and 2, restores SIGINT and SIGCHLD,
  and takes the runner's working directory. It leaves as the command line does
  (``cli._process``): threads joined, atexit handlers run, streams flushed, then ``os._exit``.
- Memory. The server freezes its objects (``gc.freeze``) before each fork, so that a child's
  collections neither walk nor copy them.
- Environment. Modules may read the environment when imported, so the runner only uses the
  server while its environment is the one the server started with, but for the variables that
  only name the run (``RUN_SCOPED``): a task gets their values of the moment it starts, so
  that one server serves each run of ``glucolake run --every``.
- Failure. The child itself tells the runner it started; the server reaps it when it ends,
  even in the middle of an import, and reports its exit status as ``subprocess`` would
  (negative for a signal). If the server dies, later tasks run as plain subprocesses; a task
  it had already forked runs to its end, but its exit status is lost, so it counts as failed.
  A task is never started twice.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import importlib.util
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

from glucolake.logs import fields, get_logger
from glucolake.run.preload import PRELOAD, preload, threads

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from types import FrameType

__all__ = ["RUN_SCOPED", "ForkServer", "main"]

log = get_logger(__name__)

_MAX_REQUEST = 1 << 16
_ENTRY = "import glucolake.run.forkserver as f; f.main()"

RUN_SCOPED = ("GLUCOLAKE_RUN_ID",)
"""Variables that name the run: read when a command runs, never when a module is imported."""


def _lasting(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment but the variables that name the run."""
    return {key: value for key, value in environ.items() if key not in RUN_SCOPED}


class ForkServer:
    """The runner's side of the fork server: one per ``glucolake run``, safe to share by threads."""

    def __init__(self, process: subprocess.Popen[bytes], control: socket.socket) -> None:
        self._process = process
        self._control = control
        self._environ = _lasting(os.environ)
        self._lock = threading.Lock()
        self._lost = False
        self.forked = 0
        """Tasks this server started (the others ran as plain subprocesses)."""

    @classmethod
    @contextlib.contextmanager
    def started(
        cls, log_file: Path, modules: Sequence[str] = PRELOAD
    ) -> Iterator[ForkServer | None]:
        """A running fork server, stopped on exit; None when it cannot start.

        Without a server, tasks run as plain subprocesses. Start it with the environment the
        tasks will have: it is only used while the environment stays the same.
        """
        try:
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        except OSError as exc:
            log.warning("fork_server_unavailable", extra=fields(reason=str(exc)))
            yield None
            return
        with theirs, log_file.open("ab") as errors:
            # Its own interpreter, so it starts with one thread whatever this process runs.
            # Its stdout is a pipe and its stderr a file, as a task's are, so that the stream
            # objects a child inherits were made for the same kinds of file.
            process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
                [sys.executable, "-c", _ENTRY, str(theirs.fileno()), ",".join(modules)],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=errors,
            )
        server = cls(process, ours)
        try:
            yield server
        finally:
            server.close()

    @property
    def lost(self) -> bool:
        """Whether tasks now run as plain subprocesses: the server ended or refused to fork."""
        return self._lost

    def close(self) -> None:
        """End the server (it stops at the end of its control socket) and wait for it."""
        self._control.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()

    def run(self, args: list[str], stderr: IO[str]) -> tuple[int, str] | None:
        """Run ``glucolake <args>`` as a fork of the server, its stderr going to ``stderr``.

        Returns the exit status and the stdout, or None when the server cannot run it (then
        nothing ran, and the caller starts a plain subprocess).
        """
        sent = self._send(args, stderr)
        if sent is None:
            return None
        reply, read_end = sent
        with reply, reply.makefile("rb") as replies, open(read_end) as stdout:  # noqa: PTH123
            started = _message(replies)
            if started is None or "pid" not in started:
                # Refused (a thread appeared) or the server is gone: the task did not start.
                refused = (started or {}).get("refused")
                self._give_up(f"it has {refused}" if refused else "it ended")
                return None
            with self._lock:
                self.forked += 1
            output = stdout.read()  # to its end: the task and whatever it started closed it
            ended = _message(replies)
        if ended is None:
            self._give_up("it ended while a task ran")
            _wait_for_exit(int(started["pid"]))
            stderr.write(
                "glucolake run: the fork server ended while this task ran; "
                "its exit status is unknown, so it counts as failed\n"
            )
            stderr.flush()
            return 1, output
        return int(ended["returncode"]), output

    def _send(self, args: list[str], stderr: IO[str]) -> tuple[socket.socket, int] | None:
        """Ask for the task; return the reply socket and the read end of its stdout."""
        if self._lost:
            return None
        if _lasting(os.environ) != self._environ:
            self._give_up("the environment changed since the server started")
            return None
        run = {key: os.environ.get(key) for key in RUN_SCOPED}
        request = json.dumps({"args": args, "cwd": str(Path.cwd()), "run": run}).encode()
        if len(request) > _MAX_REQUEST:
            return None
        reply, theirs = socket.socketpair()
        read_end, write_end = os.pipe()
        try:
            with self._lock:
                socket.send_fds(
                    self._control, [request], [0, write_end, stderr.fileno(), theirs.fileno()]
                )
        except OSError as exc:
            self._give_up(f"cannot reach it ({exc})")
            os.close(read_end)
            reply.close()
            return None
        finally:
            os.close(write_end)
            theirs.close()
        return reply, read_end

    def _give_up(self, reason: str) -> None:
        """Run every later task as a plain subprocess; say why, once."""
        with self._lock:
            if self._lost:
                return
            self._lost = True
        log.warning("fork_server_unused", extra=fields(reason=reason))


def _message(replies: IO[bytes]) -> dict[str, Any] | None:
    line = replies.readline()
    return json.loads(line) if line else None


def _wait_for_exit(pid: int) -> None:
    """Wait for a process that is not our child to end."""
    try:
        handle = os.pidfd_open(pid)
    except (ProcessLookupError, OSError):
        return
    try:
        select.select([handle], [], [])
    finally:
        os.close(handle)


# The server.


def main() -> None:
    """The server process: ``python -c … <control fd> <modules>``; a forked child runs its task."""
    request = _serve(int(sys.argv[1]), [m for m in sys.argv[2].split(",") if m])
    if request is not None:
        _run_task(request)


def _run_task(request: dict[str, Any]) -> NoReturn:
    """Run the task's command in this (forked) process, as ``python -m glucolake …`` would."""
    spec = importlib.util.find_spec("glucolake.__main__")
    sys.argv = [spec.origin if spec and spec.origin else "glucolake", *request["args"]]
    sys.path[0] = str(Path.cwd())  # `python -m` puts the working directory first
    for key, value in request["run"].items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    from glucolake.cli import command_line  # noqa: PLC0415 - preloaded; imported when needed

    # Leaves without finalizing the interpreter, which would free (and so copy) every object
    # the server imported.
    command_line(list(request["args"]), prog_name="python -m glucolake")


class _Server:
    """The server's state: its control socket and the reply socket of each running task."""

    def __init__(self, control: socket.socket) -> None:
        self.control = control
        self.wake_read, self.wake_write = os.pipe()
        os.set_blocking(self.wake_read, False)
        os.set_blocking(self.wake_write, False)
        self.children: dict[int, socket.socket] = {}
        self._reaping = False

    def on_child_ended(self, _signum: int, _frame: FrameType | None) -> None:
        """SIGCHLD: report the exit status now, not after the import the server is in.

        The loop only gets back to its select() between two imports, and one of them takes up
        to a second: a task that ended meanwhile kept the DAG waiting for its status (0.7 s of
        the first dbt step of `glucolake run`, measured). Python runs this handler between two
        bytecodes of the server's main thread, so in the middle of an import too; reaping and
        writing to a reply socket touch nothing an import uses.
        """
        self.reap()

    def reap(self) -> None:
        """Send the exit status of every child that ended to the runner waiting for it.

        Only registered tasks are waited for, by pid, never a process an imported module
        started. A call that interrupts another (the handler during the loop's reap) does
        nothing: the interrupted one, or the loop woken by the SIGCHLD's byte on the wake-up
        fd, reaps that child.
        """
        if self._reaping:
            return
        self._reaping = True
        try:
            for pid in list(self.children):
                try:
                    ended, status = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:  # already reaped by someone else: status unknown
                    ended, status = pid, 1 << 8
                if ended == 0:
                    continue
                reply = self.children.pop(pid)
                code = os.waitstatus_to_exitcode(status)
                with contextlib.suppress(OSError):
                    reply.sendall(json.dumps({"returncode": code}).encode() + b"\n")
                reply.close()
        finally:
            self._reaping = False

    def fork(self, request: dict[str, Any], fds: list[int]) -> dict[str, Any] | None:
        """Fork the task's process; return its request in the child, None in the server."""
        if len(fds) != 4:  # noqa: PLR2004 - stdin, stdout, stderr and the reply socket
            for fd in fds:
                os.close(fd)
            return None
        stdio, reply = fds[:3], socket.socket(fileno=fds[3])
        count = threads()
        if count != 1:
            with contextlib.suppress(OSError):
                reply.sendall(json.dumps({"refused": f"{count} threads"}).encode() + b"\n")
            reply.close()
            for fd in stdio:
                os.close(fd)
            return None
        sys.stdout.flush()
        sys.stderr.flush()
        # Out of the collector's sight: a child's collections would otherwise walk, and by
        # touching copy, every object the server imported (1 s more per task, measured).
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            try:
                self._become_task(request, stdio, reply)
            except BaseException:  # noqa: BLE001 - never fall back into the server's loop
                os._exit(70)
            return request
        for fd in stdio:
            os.close(fd)
        # A child that ended before this line is reaped by the loop (its SIGCHLD woke it).
        self.children[pid] = reply
        return None

    def _become_task(self, request: dict[str, Any], stdio: list[int], reply: socket.socket) -> None:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        self.control.close()
        os.close(self.wake_read)
        os.close(self.wake_write)
        # The child says it started, not the server: if the server died right after the fork,
        # the runner still knows the task runs, and never starts it a second time.
        reply.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
        reply.close()
        for other in self.children.values():
            other.close()
        self.children.clear()
        for target, fd in enumerate(stdio):
            os.dup2(fd, target)
        for fd in set(stdio) - {0, 1, 2}:
            os.close(fd)
        os.chdir(request["cwd"])


def _serve(control_fd: int, modules: list[str]) -> dict[str, Any] | None:
    """Import ``modules`` one by one, answering requests in between; fork a child per request.

    Returns only in a forked child (its request), or when the runner closed the control socket.
    """
    # Ctrl-C reaches every task itself; the server ends when the runner closes the socket.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    server = _Server(socket.socket(fileno=control_fd))
    signal.signal(signal.SIGCHLD, server.on_child_ended)
    signal.set_wakeup_fd(server.wake_write)
    pending = list(modules)
    while True:
        importing = bool(pending) and threads() == 1
        readable, _, _ = select.select(
            [server.control, server.wake_read], [], [], 0 if importing else None
        )
        if server.wake_read in readable:
            with contextlib.suppress(BlockingIOError):
                while os.read(server.wake_read, 512):
                    pass
            server.reap()
        if server.control in readable:
            message, fds, _flags, _address = socket.recv_fds(server.control, _MAX_REQUEST, 4)
            if not message:
                return None  # the runner is done; running children finish on their own
            request = server.fork(json.loads(message), fds)
            if request is not None:
                return request
        elif importing:
            preload(pending.pop(0))

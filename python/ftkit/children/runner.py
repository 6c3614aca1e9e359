"""Run a child program in its own session, bounded in time and memory; read its one JSON result.

Every command that imports, probes or hammers a target goes through here (DESIGN.md, "Child
processes"). What it guarantees, and why:
- a new session (`start_new_session`), so a timeout kills the child's whole process group: a
  module under test may start processes of its own;
- stdout and stderr are kept as head + tail of bounded size: a child printing 300 MB costs
  a few hundred KB here, not 300 MB;
- the result travels on an extra pipe (its fd given in channel.ENV_VAR), so nothing the code
  under test prints can forge or hide it;
- every read has a deadline: a double-forked daemon that escaped the group kill and still holds
  the pipes open costs at most DRAIN_SECONDS after the child itself has ended.
"""

from __future__ import annotations

import math
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from .channel import ENV_VAR

HERE = Path(__file__).resolve().parent
HEAD_BYTES = 64 * 1024  # per stream: where faulthandler's report of a crash starts
TAIL_BYTES = 64 * 1024  # per stream: where the last error is
RESULT_BYTES = 64 * 1024 * 1024  # our own programs' one line: generous, but still a bound
DRAIN_SECONDS = 0.5  # how long output is still read after the child ended or was killed

Program = Union[str, os.PathLike]

# The process groups of the children run_child is waiting on, so an interrupted run (Ctrl-C, or the
# SIGTERM cli.py turns into the same exception) can end them at once instead of waiting out their
# timeouts; while _stopping is set, run_child starts nothing new.
_live: set[int] = set()
_live_lock = threading.Lock()
_stopping = threading.Event()


def stop_children() -> None:
    """Kill every child run_child is waiting on and start no more until resume_children()."""
    _stopping.set()
    with _live_lock:
        pids = list(_live)
    for pid in pids:
        kill_group(pid)


def resume_children() -> None:
    _stopping.clear()


def program_path(program: Program) -> str:
    """A child program of this package by name ("import_probe"), or any .py file by path."""
    if isinstance(program, str) and os.sep not in program and not program.endswith(".py"):
        path = HERE / f"{program}.py"
        if not path.is_file():
            raise ValueError(f"no child program named {program!r} in {HERE}")
        return str(path)
    return os.fspath(program)


def check_timeout(timeout: float) -> float:
    """timeout if it is a finite positive number of seconds; ValueError (a usage error) otherwise."""
    if not isinstance(timeout, (int, float)) or not math.isfinite(timeout) or timeout <= 0:
        raise ValueError(f"a timeout must be a positive number of seconds, not {timeout!r}")
    return float(timeout)


def signal_name(returncode: int | None) -> str | None:
    """"SIGSEGV" for a child killed by signal 11 (returncode -11); None if it exited."""
    if returncode is None or returncode >= 0:
        return None
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    """Signal the process group a child started with start_new_session leads (its pid is the pgid)."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass  # the group is gone (PermissionError: macOS for a group of zombies)


class Output:
    """The first and last bytes of a stream, and how many there were in all: bounded memory."""

    def __init__(self, head: int = HEAD_BYTES, tail: int = TAIL_BYTES) -> None:
        self._head_max, self._tail_max = head, tail
        self._head = bytearray()
        self._tail = bytearray()
        self.total = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self._head_max - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if data:
            self._tail += data
            if len(self._tail) > 2 * self._tail_max:  # trim in batches: amortised O(1) per byte
                del self._tail[:-self._tail_max]

    @property
    def omitted(self) -> int:
        return max(0, self.total - len(self._head) - min(len(self._tail), self._tail_max))

    def text(self) -> str:
        """Everything kept, with a line saying how much was left out in the middle."""
        tail = bytes(self._tail[-self._tail_max:]) if self._tail_max else b""
        gap = f"\n[... {self.omitted} bytes not kept ...]\n".encode() if self.omitted else b""
        return (bytes(self._head) + gap + tail).decode(errors="replace")

    def head_lines(self, n: int) -> list[str]:
        return bytes(self._head).decode(errors="replace").splitlines()[:n]

    def tail_lines(self, n: int) -> list[str]:
        data = bytes(self._tail[-self._tail_max:]) if self._tail else bytes(self._head)
        return data.decode(errors="replace").splitlines()[-n:] if n > 0 else []


@dataclass
class ChildResult:
    """How a child ended and what it said. `result` is its JSON line, None if it sent none."""

    argv: list[str]
    timeout: float
    returncode: int | None = None  # None: it could not be started (see start_error)
    timed_out: bool = False
    seconds: float = 0.0
    result: Any = None
    result_error: str | None = None  # why result is None
    start_error: str | None = None
    stdout: Output = field(default_factory=Output)
    stderr: Output = field(default_factory=Output)

    @property
    def signal(self) -> str | None:
        return None if self.timed_out else signal_name(self.returncode)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and self.result_error is None

    def last_error_line(self) -> str:
        return (self.stderr.tail_lines(1) or ["no output"])[0].strip() or "no output"

    def describe(self) -> str:
        """One line for an error message: why this child gave no usable result (or "ok")."""
        if self.start_error is not None:
            return f"cannot run it ({self.start_error})"
        if self.timed_out:
            return f"no answer within {self.timeout:g}s (killed)"
        if self.signal is not None:
            return f"killed by {self.signal}: {self.last_error_line()}"
        if self.returncode != 0:
            return f"exit {self.returncode}: {self.last_error_line()}"
        if self.result_error is not None:
            return f"exit 0 without a result ({self.result_error})"
        return "ok"


def child_env(env: dict | None) -> dict:
    return dict(os.environ if env is None else env)


def result_channel(env: dict | None = None) -> tuple[int, int, dict]:
    """A pipe for what a child reports: (read_fd, write_fd, env naming write_fd in channel.ENV_VAR).
    Start the child with pass_fds=(write_fd,), then close write_fd here: the child's exit is EOF."""
    read_fd, write_fd = os.pipe()
    environment = child_env(env)
    environment[ENV_VAR] = str(write_fd)
    return read_fd, write_fd, environment


def drain(pipe, into: Output) -> threading.Thread:
    """Read pipe (a long-lived child's stderr, say) into `into` on a daemon thread until EOF, so the
    child never blocks on a full pipe and the parent keeps only a bounded head and tail."""

    def run() -> None:
        fd = pipe.fileno()
        while True:
            try:
                data = os.read(fd, 1 << 16)
            except OSError:  # closed under us: the session is over
                return
            if not data:
                return
            into.add(data)

    thread = threading.Thread(target=run, name="ftkit-drain", daemon=True)
    thread.start()
    return thread


def spawn(argv: Sequence[str], env: dict | None = None, cwd: str | os.PathLike | None = None,
          pass_fds: Sequence[int] = (), stdin: Any = subprocess.DEVNULL, stdout: Any = subprocess.PIPE,
          stderr: Any = subprocess.PIPE, text: bool = False) -> subprocess.Popen:
    """Start argv as the leader of a new session (so kill_group reaches everything it starts).
    The primitive run_child and long-lived worker sessions share; raises OSError if it cannot start."""
    return subprocess.Popen(list(argv), stdin=stdin, stdout=stdout, stderr=stderr, env=child_env(env),
                            cwd=cwd, pass_fds=tuple(pass_fds), start_new_session=True, text=text)


def run_child(python: str, program: Program, args: Sequence[str] = (), env: dict | None = None,
              timeout: float = 60.0, cwd: str | os.PathLike | None = None,
              python_args: Sequence[str] = ()) -> ChildResult:
    """Run `python [python_args] program args` once and wait for it, at most `timeout` seconds.

    env None means this process's environment. Never raises for what the child does (a crash, a
    hang, garbage on stdout, an interpreter that does not exist): that is all in the ChildResult.
    """
    timeout = check_timeout(timeout)
    argv = [os.fspath(python), *python_args, program_path(program), *map(str, args)]
    out = ChildResult(argv, timeout)
    if _stopping.is_set():
        out.start_error = "interrupted"
        return out
    read_fd, write_fd, environment = result_channel(env)
    start = time.monotonic()
    try:
        proc = spawn(argv, environment, cwd, pass_fds=(write_fd,))
    except (OSError, ValueError) as e:  # ValueError: a NUL byte in an argument
        os.close(read_fd)
        out.start_error = getattr(e, "strerror", None) or str(e)
        return out
    finally:
        os.close(write_fd)  # the child's copy is the only one: its exit means EOF
    with _live_lock:
        _live.add(proc.pid)
    if _stopping.is_set():  # stop_children() ran between the check above and the registration
        kill_group(proc.pid)
    result = bytearray()
    try:
        _collect(proc, {proc.stdout.fileno(): out.stdout, proc.stderr.fileno(): out.stderr,
                        read_fd: result}, start + timeout, out)
    finally:
        with _live_lock:
            _live.discard(proc.pid)
        proc.stdout.close()
        proc.stderr.close()
        os.close(read_fd)
    out.seconds = time.monotonic() - start
    out.returncode = proc.returncode
    out.result, out.result_error = _parse_result(result)
    return out


def _collect(proc: subprocess.Popen, sinks: dict, deadline: float, out: ChildResult) -> None:
    """Read every pipe into its sink until the child ended and the pipes are drained (or
    DRAIN_SECONDS passed since), killing the group at the deadline."""
    sel = selectors.DefaultSelector()
    for fd in sinks:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    drain_until = None
    try:
        while sel.get_map():
            now = time.monotonic()
            if drain_until is None:
                if proc.poll() is not None:
                    # Leftovers of the group (a background process the code under test started)
                    # would hold the pipes; the child's session ends with it.
                    kill_group(proc.pid)
                    drain_until = now + DRAIN_SECONDS
                elif now >= deadline:
                    out.timed_out = True
                    kill_group(proc.pid)
                    proc.wait()
                    drain_until = time.monotonic() + DRAIN_SECONDS
            elif now >= drain_until:
                break  # someone outside the group (a daemon) still holds a pipe: stop reading
            limit = drain_until if drain_until is not None else deadline
            for key, _ in sel.select(max(0.0, min(limit - now, 0.05))):
                try:
                    data = os.read(key.fd, 1 << 16)
                except BlockingIOError:
                    continue
                if not data:
                    sel.unregister(key.fd)
                    continue
                sink = sinks[key.fd]
                if isinstance(sink, bytearray):
                    if len(sink) < RESULT_BYTES:
                        sink += data
                else:
                    sink.add(data)
    finally:
        sel.close()
    if proc.poll() is None:  # every pipe closed but the child lives on (it closed them itself)
        remaining = deadline - time.monotonic()
        try:
            proc.wait(max(remaining, 0.001))
        except subprocess.TimeoutExpired:
            out.timed_out = True
            kill_group(proc.pid)
            proc.wait()
    # Whatever the child left running in its session (with its stdio closed) ends with it. The
    # pgid stays reserved while any member lives, so this cannot reach an unrelated process.
    kill_group(proc.pid)


def _parse_result(data: bytearray) -> tuple[Any, str | None]:
    import json

    if not data:
        return None, "it sent no result"
    if len(data) >= RESULT_BYTES:
        return None, f"its result is larger than {RESULT_BYTES} bytes"
    line, newline, _ = bytes(data).partition(b"\n")
    if not newline:
        return None, "its result line is incomplete"
    try:
        return json.loads(line), None
    except ValueError as e:
        return None, f"its result is not JSON ({e})"

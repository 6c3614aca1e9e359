"""The parent's side of a worker session: spawn child.py, send requests, stream its events back.

One session answers run, describe and repro requests for one scenario until it dies or is
closed. Requests go down a pipe of their own (a plan of any length: no argv limit), events come
back up the runner's result channel; the child's stdout and stderr (the user's code,
faulthandler) are drained into a bounded head and tail. Spawning in a new session, the group
kill and signal names are the shared runner's (ftkit.children).
A worker that dies by a signal, exits abnormally or stays on one trial longer than the timeout
becomes a `died` or `hang` event carrying the trial number and, per engine thread, how many
operations had started and finished (from the shared progress file), plus the tail of its
stderr, where faulthandler wrote every thread's Python traceback. The session is over then;
the driver opens a new one for its next request.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

from ..children import Output, drain, kill_group, result_channel, signal_name, spawn
from ..children.runner import DRAIN_SECONDS  # events still read after the worker exited
from .data import STRATEGIES
from .protocol import HEADER, progress_size

STARTUP_GRACE = 60.0  # importing the user's module and the interpreter start-up, before trial 0
ANSWERS = {"run": "end", "describe": "described", "repro": "repro"}


class WorkerSession:
    def __init__(self, python: str, scenario: str, attribute: str | None, threads: int, timeout: float,
                 debug_alloc: bool = False) -> None:
        self.threads = threads
        self.timeout = timeout
        self.debug_alloc = debug_alloc
        self.ops: list[str] | None = None
        self.over = False  # died, hung or closed: no more requests
        # Kept open and unlinked once the child has mapped it: a killed run leaves no file behind.
        self.progress_fd, self.progress_path = tempfile.mkstemp(prefix="ftkit-stress-", suffix=".progress")
        os.write(self.progress_fd, struct.pack("<qq", -1, -1) + bytes(progress_size(threads) - HEADER))
        # PYTHONMALLOC=debug: 3.14t honours it (mimalloc with CPython's debug hooks), and a freed
        # block is filled with 0xDD (PYMEM_DEADBYTE, Objects/obmalloc.c), so a read of a freed
        # object's type pointer crashes instead of quietly finding the old contents.
        debug = {"PYTHONMALLOC": "debug"} if debug_alloc else {}
        events_r, events_w, env = result_channel({**os.environ, "PYTHONFAULTHANDLER": "1", **debug})
        requests_r, self.requests_w = os.pipe()
        config = {"scenario": scenario, "attribute": attribute, "progress": self.progress_path,
                  "threads": threads, "requests_fd": requests_r, "parent": os.getpid()}
        self.output = Output()
        self.drained: threading.Thread | None = None
        try:
            self.proc = spawn([python, "-X", "faulthandler", "-m", "ftkit.stress.child", json.dumps(config)],
                              env, pass_fds=(events_w, requests_r), stderr=subprocess.STDOUT)
            self.drained = drain(self.proc.stdout, self.output)
        except OSError as e:
            self.proc = None
            self.start_error = f"cannot run {python}: {e.strerror or e}"
        finally:
            os.close(events_w)
            os.close(requests_r)
        self.events_r = os.fdopen(events_r, "r", encoding="utf-8", errors="replace")
        self.lines: queue.Queue[str | None] = queue.Queue()
        if self.proc is not None:
            threading.Thread(target=self._read, daemon=True).start()
        else:
            self.events_r.close()
            self.lines.put(None)

    def _read(self) -> None:
        with self.events_r:
            for line in self.events_r:
                self.lines.put(line)
        self.lines.put(None)

    def open(self) -> Iterator[dict[str, Any]]:
        """The session's first events: `start` (then it takes requests), or why it cannot."""
        if self.proc is None:
            self.close()
            yield {"event": "died", "trial": -1, "slots": [], "returncode": None, "signal": None,
                   "stderr": self.start_error}
            return
        yield from self._events({"start", "error", "gil"})
        self._unlink()

    def request(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Send one request; its events up to the answer (or `died`/`hang`: the session is over)."""
        self._set_trial(-1)  # so a death before the first trial is not blamed on an earlier one
        try:
            data = (json.dumps(request) + "\n").encode()
            while data:
                data = data[os.write(self.requests_w, data):]
        except BrokenPipeError:
            pass  # it died; the events say how
        yield from self._events({ANSWERS[request["request"]], "error"})

    def _events(self, answers: set[str]) -> Iterator[dict[str, Any]]:
        last_trial, changed_at, ended_at = -1, time.monotonic(), None
        while True:
            try:
                line = self.lines.get(timeout=0.05)
            except queue.Empty:
                line = ""
            if line is None:
                break
            if line:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue  # half a line: the worker was killed while writing it
                if event["event"] == "start":
                    self.ops = event["ops"]
                yield event
                if event["event"] in answers:
                    if event["event"] in ("error", "gil") and self.ops is None:
                        self.close()
                    return
                continue
            now = time.monotonic()
            if self.proc.poll() is not None:  # exited; a process it forked may still hold the pipe
                ended_at = ended_at or now
                if now - ended_at > DRAIN_SECONDS:
                    break
                continue
            trial, _, _ = self.progress()
            if trial != last_trial:
                last_trial, changed_at = trial, now
            limit = self.timeout + (STARTUP_GRACE if trial < 0 else 0)
            if now - changed_at > limit and self.proc.poll() is None:
                trial, slots, strategy = self.progress()
                # The worker's faulthandler prints every thread's stack on SIGUSR1 (on a fatal
                # signal, 3.14t prints only "<Cannot show all threads while the GIL is disabled>").
                self.proc.send_signal(signal.SIGUSR1)
                try:
                    self.proc.wait(1.0)
                except subprocess.TimeoutExpired:
                    pass
                self.close()
                yield {"event": "hang", "trial": trial, "slots": slots, "seconds": round(now - changed_at, 1),
                       "stderr": self.stderr_tail(), "strategy": strategy}
                return
        code = self.proc.wait()
        trial, slots, strategy = self.progress()
        self.close()
        yield {"event": "died", "returncode": code, "trial": trial, "slots": slots,
               "signal": signal_name(code), "stderr": self.stderr_tail(), "strategy": strategy}

    def progress(self) -> tuple[int, list[tuple[int, int]], str | None]:
        """The trial the worker is in, per thread (operations started, finished), the trial's strategy."""
        data = os.pread(self.progress_fd, progress_size(self.threads), 0)
        trial, arm = struct.unpack_from("<qq", data, 0)
        slots = [struct.unpack_from("<ii", data, HEADER + 8 * t) for t in range(self.threads)]
        return trial, slots, STRATEGIES[arm] if 0 <= arm < len(STRATEGIES) else None

    def _set_trial(self, trial: int) -> None:
        os.pwrite(self.progress_fd, struct.pack("<q", trial), 0)

    def _unlink(self) -> None:
        try:
            os.unlink(self.progress_path)
        except FileNotFoundError:
            pass

    def stderr_tail(self, limit: int = 3000) -> str:
        """faulthandler's output from its first line on if there is any, else the end."""
        if self.drained is not None:
            self.drained.join(1.0)  # the last bytes; a grandchild holding the pipe costs 1 s at most
        text = self.output.text()
        marks = (text.rfind("Fatal Python error"), text.find("Thread 0x"), text.find("Current thread"))
        starts = [i for i in marks if i >= 0]
        return text[min(starts):min(starts) + limit] if starts else text[-limit:]

    def close(self) -> None:
        """End the session: the child sees its request pipe close; its whole group is killed."""
        if self.over:
            return
        self.over = True
        try:
            os.close(self.requests_w)
        except OSError:
            pass
        if self.proc is not None:
            try:
                self.proc.wait(1.0)  # a healthy child exits on EOF and flushes its output
            except subprocess.TimeoutExpired:
                pass
            kill_group(self.proc.pid)
            self.proc.wait()
            self.proc.stdout.close()
        self._unlink()
        os.close(self.progress_fd)

    def __del__(self) -> None:
        if not getattr(self, "over", True):
            self.close()


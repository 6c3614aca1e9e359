"""Worker processes seen from the parent: spawn, stream events, and turn death or silence into events.

A worker that dies by a signal, exits abnormally or stays on one trial longer than the timeout
becomes a `died` or `hang` event carrying the trial number and, per engine thread, how many
operations had started and finished (from the shared progress file), plus the tail of its
stderr, where faulthandler wrote every thread's Python traceback.
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

from .protocol import HEADER, progress_size

STARTUP_GRACE = 60.0  # importing the user's module and the interpreter start-up, before trial 0


class Worker:
    def __init__(self, python: str, config: dict[str, Any], timeout: float) -> None:
        self.threads = config.get("threads", 1)
        self.timeout = timeout
        fd, self.progress_path = tempfile.mkstemp(prefix="ftkit-stress-", suffix=".progress")
        os.write(fd, struct.pack("<q", -1) + bytes(progress_size(self.threads) - HEADER))
        os.close(fd)
        config = {**config, "progress": self.progress_path}
        self.stderr = tempfile.TemporaryFile()
        env = dict(os.environ)
        env["PYTHONFAULTHANDLER"] = "1"
        self.proc = subprocess.Popen(
            [python, "-X", "faulthandler", "-m", "ftkit.stress.worker", json.dumps(config)],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True, env=env)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def progress(self) -> tuple[int, list[tuple[int, int]]]:
        with open(self.progress_path, "rb") as f:
            data = f.read(progress_size(self.threads))
        trial = struct.unpack_from("<q", data, 0)[0]
        slots = [struct.unpack_from("<ii", data, HEADER + 8 * t) for t in range(self.threads)]
        return trial, slots

    def stderr_tail(self, limit: int = 3000) -> str:
        """faulthandler's output from its first line on if there is any, else the end."""
        self.stderr.seek(0)
        text = self.stderr.read().decode(errors="replace")
        marks = (text.rfind("Fatal Python error"), text.find("Thread 0x"), text.find("Current thread"))
        starts = [i for i in marks if i >= 0]
        return text[min(starts):min(starts) + limit] if starts else text[-limit:]

    def events(self) -> Iterator[dict[str, Any]]:
        """Every event the worker prints, then `died`/`hang` if it ended badly."""
        last_trial, changed_at = -1, time.monotonic()
        ended = False
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
                except json.JSONDecodeError:
                    continue  # the user's code printed to stdout; not ours
                ended = ended or event.get("event") == "end"
                yield event
                continue
            trial, _ = self.progress()
            now = time.monotonic()
            if trial != last_trial:
                last_trial, changed_at = trial, now
            limit = self.timeout + (STARTUP_GRACE if trial < 0 else 0)
            if now - changed_at > limit and self.proc.poll() is None:
                trial, slots = self.progress()
                # The worker's faulthandler prints every thread's stack on SIGUSR1 (on a fatal
                # signal, 3.14t prints only "<Cannot show all threads while the GIL is disabled>").
                self.proc.send_signal(signal.SIGUSR1)
                try:
                    self.proc.wait(1.0)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
                yield {"event": "hang", "trial": trial, "slots": slots, "seconds": round(now - changed_at, 1),
                       "stderr": self.stderr_tail()}
                self.close()
                return
        code = self.proc.wait()
        if code != 0 and not ended:
            trial, slots = self.progress()
            yield {"event": "died", "returncode": code, "trial": trial, "slots": slots,
                   "signal": signal.Signals(-code).name if code < 0 and -code in signal.valid_signals() else None,
                   "stderr": self.stderr_tail()}
        self.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self.stderr.close()
        try:
            os.unlink(self.progress_path)
        except FileNotFoundError:
            pass

"""The worker process of `ftkit stress` (the child side of a session): one scenario, many requests.

Run as `python -X faulthandler -m ftkit.stress.child CONFIG_JSON` by session.py. CONFIG_JSON
is short (scenario path, attribute, progress file, the request fd, the most threads a plan has);
plans travel as requests. The child loads the scenario once, says `start`, then answers JSON-line
requests read from its request fd until that closes:

    {"request": "run", "first": F, "count": N, "steps": null | PLAN, "seed": .., "threads": .., ...}
        -> finding* progress* end             (trials F..F+N-1; one PLAN for all of them if given)
    {"request": "describe", "steps": PLAN}     -> described {"calls": [...]}
    {"request": "repro", "steps": PLAN, "output": PATH, "verdict": V}   -> repro {"path" | "error"}

Events go to the runner's result pipe (ftkit.children.channel), never to stdout: the user's
code may print anything there. Everything that touches the user's module happens in this
process, so a crash or hang costs it only. Before each trial the trial number goes into the shared progress
file (protocol.py) that the parent reads when this process dies.
"""

from __future__ import annotations

import faulthandler
import json
import mmap
import os
import signal
import struct
import sys
import time
import traceback
from typing import Any

from .protocol import HEADER, EventChannel, progress_size


class Child:
    def __init__(self, config: dict[str, Any], events: EventChannel) -> None:
        from .scenario import ScenarioError, load

        self.events = events
        self.scenario = None
        try:
            self.scenario = load(config["scenario"], config.get("attribute"))
        except ScenarioError as e:
            events.emit("error", message=str(e))
            return
        if getattr(sys, "_is_gil_enabled", lambda: True)():
            events.emit("gil", message="the GIL is enabled after loading the scenario (a module it imports "
                                       "did not declare free-threading support, or PYTHON_GIL=1): the stress "
                                       "test would test nothing")
            self.scenario = None
            return
        fd = os.open(config["progress"], os.O_RDWR)
        self.mm = mmap.mmap(fd, progress_size(config["threads"]))
        os.close(fd)
        self.runners: dict[int, Any] = {}  # engine threads -> TrialRunner sharing the progress slots
        events.emit("start", ops=[op.name for op in self.scenario.ops], pid=os.getpid())

    def serve(self, requests) -> None:
        handlers = {"run": self.run, "describe": self.describe, "repro": self.repro}
        try:
            for line in requests:
                request = json.loads(line)
                handlers[request["request"]](request)
        finally:
            for runner in self.runners.values():
                runner.close()

    def calls_of(self, steps: list) -> list[list[str]]:
        from .trial import describe

        scenario = self.scenario
        return [[describe(scenario, (kind, scenario.ops[kind].make_args(seed)), "?").rsplit(" -> ", 1)[0]
                 for kind, seed, _, _ in thread] for thread in steps]

    def describe(self, request: dict[str, Any]) -> None:
        try:
            self.events.emit("described", calls=self.calls_of(request["steps"]))
        except Exception as e:  # an argument generator raised: the scenario is broken
            self.events.emit("error", message=_scenario_failure(e, self.scenario))

    def repro(self, request: dict[str, Any]) -> None:
        from . import repro

        try:
            path = repro.write(self.scenario, request["steps"], request["output"], request.get("verdict", ""),
                                bool(request.get("debug_alloc")))
        except (ValueError, OSError, SyntaxError) as e:
            self.events.emit("repro", error=f"no repro script: {e}")
            return
        self.events.emit("repro", path=str(path))

    def runner(self, threads: int):
        from .trial import TrialRunner

        if threads not in self.runners:
            slots = memoryview(self.mm)[HEADER:HEADER + 8 * threads]
            self.runners[threads] = TrialRunner(self.scenario, threads, slots)
        return self.runners[threads]

    def run(self, request: dict[str, Any]) -> None:
        from .. import _core
        from .adaptive import Adaptive
        from .data import INCONCLUSIVE, PASSED, STRATEGIES

        fixed = request.get("steps")
        threads = len(fixed) if fixed is not None else request["threads"]
        runner = self.runner(threads)
        deadline = time.monotonic() + request["duration"] if request.get("duration") else None
        first, end = request["first"], request["first"] + request["count"]
        strategy = request.get("strategy", "none")
        chooser = Adaptive(request.get("seed", 0) + first) if strategy == "adaptive" else None
        tried: dict[str, int] = {}
        overlapped: dict[str, int] = {}
        overlap_sum = 0.0
        trial, last_report = first, time.monotonic()
        while trial < end and (deadline is None or time.monotonic() < deadline):
            arm = chooser.pick() if chooser else strategy
            struct.pack_into("<qq", self.mm, 0, trial, STRATEGIES.index(arm) if arm in STRATEGIES else -1)
            steps = fixed if fixed is not None else _core.stress_plan(
                request["seed"], trial, threads, request["ops"], len(self.scenario.ops), arm, request["pct_depth"])
            try:
                verdict = runner.run(steps)
            except BaseException as e:  # SystemExit too: the scenario's code, not a race
                self.events.emit("error", message=_scenario_failure(e, self.scenario, trial))
                return
            trial += 1
            share, pairs = runner.overlap
            if chooser:
                chooser.record(arm, share)
            tried[arm] = tried.get(arm, 0) + 1
            overlap_sum += share
            for a, b in pairs:
                name = f"{self.scenario.ops[a].name}|{self.scenario.ops[b].name}"
                overlapped[name] = overlapped.get(name, 0) + 1
            if verdict.verdict != PASSED:
                self.events.emit("finding", trial=trial - 1, verdict=verdict.verdict, detail=verdict.detail,
                                 steps=steps, calls=self.calls_of(steps), strategy=arm)
                if request.get("stop_first", True) and verdict.verdict != INCONCLUSIVE:
                    break
            now = time.monotonic()
            if now - last_report > 0.2:
                self.events.emit("progress", done=trial - first)
                last_report = now
        self.events.emit("end", done=trial - first, tried=tried, overlapped=overlapped,
                         overlap=round(overlap_sum, 6))


def _scenario_failure(e: BaseException, scenario, trial: int | None = None) -> str:
    """One line naming the scenario function that raised outside the operations' own calls
    (a factory, argument generator, fingerprint, equal, or an op calling sys.exit)."""
    path = getattr(scenario, "source_path", None)
    frames = [f for f in traceback.extract_tb(e.__traceback__) if path and f.filename == path]
    where = f" in {frames[-1].name}() at line {frames[-1].lineno} of {os.path.basename(path)}" if frames else ""
    when = f" during trial {trial}" if trial is not None else ""
    return (f"the scenario's own code raised {type(e).__name__}: {e}{where}{when}; a factory, argument "
            "generator, fingerprint or equal= must not raise, nor an operation exit the process: fix the scenario")


def _die_with_parent(parent: int) -> None:
    """SIGKILL this worker when the `ftkit stress` process dies, however it dies (issue 12: a
    killed run left its worker hanging in an operation forever). Linux's PR_SET_PDEATHSIG."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before that took effect
        os._exit(1)


def main(argv: list[str]) -> int:
    config = json.loads(argv[0])
    _die_with_parent(config["parent"])
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # the parent's "you hang: show me"
    from ..children import channel

    events = EventChannel(channel.take())  # the runner's result pipe, kept from the user's code
    child = Child(config, events)
    if child.scenario is None:
        return 2
    with os.fdopen(config["requests_fd"], "r", encoding="utf-8") as requests:
        child.serve(requests)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The parent side of a stress run: trials in a worker session, folded into findings; then, per
finding, its plan in words, how often it reproduces, the smallest plan that shows it, a script."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

from . import repro_check
from .data import CRASH, HANG, INCONCLUSIVE, ReplayTally, StressFinding, StressOptions, StressResult
from .fold import Fold
from .minimise import minimise
from .session import WorkerSession


class StressRun:
    def __init__(self, scenario: str, options: StressOptions,
                 on_progress: Callable[[int, int], None] | None = None) -> None:
        problems = options.problems()
        if problems:
            raise ValueError(problems[0])
        self.scenario = str(Path(scenario).resolve())
        self.o = options
        self.on_progress = on_progress
        self.session: WorkerSession | None = None
        self.sessions = 0  # worker processes started: one, unless workers died or hung
        self.ops: list[str] = []
        self.fold = Fold(options.trial_cap, options.seed)  # every event of the trial requests goes in

    def run(self) -> StressResult:
        start = time.monotonic()
        interrupted = False
        try:
            try:
                self._trials(start)
            except KeyboardInterrupt:  # Ctrl-C: report what was found so far, marked as such
                interrupted = True
                self._end_session()
            folded = self.fold.result()
            result = StressResult(self.scenario, self.o, folded.counts, folded.findings, ops=self.ops,
                                  error=folded.error, interrupted=interrupted)
            try:
                for finding in result.findings if not interrupted else ():
                    self._follow_up(finding)
            except KeyboardInterrupt:  # while replaying or shrinking: the findings stand as they are
                result.interrupted = True
        finally:
            self._end_session()
        result.elapsed_s = time.monotonic() - start
        return result

    def _trials(self, start: float) -> None:
        o = self.o
        first, end = o.first_trial, o.first_trial + o.trial_cap
        debug = o.debug_alloc is True
        while first < end:
            remaining = None if o.duration is None else o.duration - (time.monotonic() - start)
            if remaining is not None and remaining <= 0:
                break
            if o.debug_alloc is None and remaining is not None:
                # Both allocators in one time budget: slices of 2, 2, 4, 4, 8, 8 ... s, alternating.
                elapsed = time.monotonic() - start
                slice_s, debug = allocator_slice(elapsed)
                remaining = min(remaining, slice_s)
            session = self._session(lambda e: self._fold(e, start), debug)
            if session is None:
                return
            self._fold({"event": "run", "first": first, "count": end - first}, start)
            last: dict[str, Any] = {}
            for last in session.request({"request": "run", "first": first, "count": end - first,
                                         "duration": remaining, "stop_first": not o.keep_going,
                                         "threads": o.threads, "ops": o.ops, "seed": o.seed,
                                         "strategy": o.strategy, "pct_depth": o.pct_depth}):
                self._fold(last, start)
                if last["event"] in ("progress", "end"):
                    self._progress(first - o.first_trial + last["done"])
            lost = last.get("event") == "hang" or (last.get("event") == "died" and last.get("returncode") != 0)
            if last.get("event") == "end" and o.debug_alloc is None and remaining is not None:
                if any(f.verdict != INCONCLUSIVE for f in self.fold.findings) and not o.keep_going:
                    return
                first += last["done"]  # the slice ran out: the next one goes on with the other allocator
                continue
            if not (lost and o.keep_going):
                return
            first = max(last["trial"], first) + 1  # the next worker goes on after the lost trial
            self._progress(first - o.first_trial)

    def _end_session(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    def _fold(self, event: dict[str, Any], start: float) -> None:
        debug = self.session is not None and self.session.debug_alloc
        self.fold.add({**event, "at": time.monotonic() - start, "debug_alloc": debug})

    def _session(self, on_event: Callable[[dict[str, Any]], None] | None = None,
                 debug_alloc: bool = False) -> WorkerSession | None:
        """The live worker session with that allocator, or a new one (None when it cannot start;
        its events say why)."""
        if self.session is not None and not self.session.over and self.session.debug_alloc == debug_alloc:
            return self.session
        self._end_session()
        o = self.o
        self.sessions += 1
        self.session = WorkerSession(o.python, self.scenario, o.attribute, o.threads, o.timeout, debug_alloc)
        for event in self.session.open():
            if on_event:
                on_event(event)
        if self.session.ops is not None:
            self.ops = self.session.ops
        return None if self.session.over else self.session

    def _ask(self, request: dict[str, Any], debug_alloc: bool = False) -> dict[str, Any] | None:
        """A describe or repro request's answer, or None if no worker could give it."""
        session = self._session(debug_alloc=debug_alloc)
        if session is None:
            return None
        events = list(session.request(request))
        return events[-1] if events else None

    def _progress(self, done: int) -> None:
        if self.on_progress:
            self.on_progress(done, self.o.trials)  # None: a run bounded by its duration only

    # -- after the run: the plan in words, how often it reproduces, the smallest plan, a script

    def _follow_up(self, finding: StressFinding) -> None:
        if finding.verdict in (CRASH, HANG) and finding.trial >= 0:
            self._recover_plan(finding)
        if not finding.steps or self.o.replays < 1:
            return
        finding.replay = self.replay(finding.steps, finding.verdict, self.o.replays, finding.debug_alloc)
        steps = finding.steps
        if self.o.minimise and finding.replay.reproduced:
            # Enough attempts per candidate to see the failure ~5 times at the measured rate.
            made, hits = finding.replay.attempts, finding.replay.reproduced
            attempts = max(50, min(self.o.minimise_attempts, -(-5 * made // hits)))
            steps = minimise(finding.steps,
                             lambda cut: self.replay(cut, finding.verdict, attempts, finding.debug_alloc,
                                                     until_seen=True).reproduced > 0,
                             time.monotonic() + self.o.minimise_seconds)
            answer = self._ask({"request": "describe", "steps": steps}, finding.debug_alloc)
            finding.minimal_calls = answer.get("calls") if answer else None
        if self.o.output_dir is not None:
            finding.repro = self._write_repro(steps, finding)

    def _recover_plan(self, finding: StressFinding) -> None:
        """The plan of a trial its worker did not live to report, from the seed, in words."""
        from .. import _core

        o = self.o
        finding.strategy = finding.strategy or o.strategy
        if finding.strategy == "adaptive":  # the worker died before saying which one it chose
            return
        finding.steps = [list(map(list, t)) for t in _core.stress_plan(
            o.seed, finding.trial, o.threads, o.ops, len(self.ops), finding.strategy, o.pct_depth)]
        answer = self._ask({"request": "describe", "steps": finding.steps}, finding.debug_alloc)
        finding.calls = answer.get("calls", []) if answer else []
        slots = finding.detail.pop("slots", [])
        finding.detail["in_flight"] = in_flight(slots, finding.calls)
        finding.detail["completed_ops"] = sum(done for _, done in slots)

    def replay(self, steps: list, verdict: str, attempts: int, debug_alloc: bool = False,
               until_seen: bool = False) -> ReplayTally:
        """Run `steps` up to `attempts` times: how often `verdict` came back, and what else did
        (a crash or hang ends the replays; with until_seen, so does the first finding: the
        minimiser only asks whether a candidate still fails)."""
        session = self._session(debug_alloc=debug_alloc)
        if session is None:
            return ReplayTally(0, 0)
        tally = ReplayTally(0, attempts)

        def seen(v: str) -> None:
            if v == verdict:
                tally.reproduced += 1
            else:  # e.g. heap corruption killing the replays of a wrong-result finding
                tally.other_verdicts[v] = tally.other_verdicts.get(v, 0) + 1

        for event in session.request({"request": "run", "first": 0, "count": attempts, "steps": steps,
                                      "stop_first": until_seen}):
            kind = event["event"]
            if kind == "finding":
                seen(event["verdict"])
            elif kind == "end":
                tally.attempts = event["done"]
            elif kind in ("died", "hang"):
                tally.attempts = max(event["trial"], 0) + 1
                seen(CRASH if kind == "died" else HANG)
            elif kind == "error":
                tally.attempts = 0
        return tally

    def _write_repro(self, steps: list, finding: StressFinding) -> str | None:
        out = Path(self.o.output_dir)
        stem = f"repro_{Path(self.scenario).stem}_{finding.verdict}_seed{finding.seed}_trial{finding.trial}"
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            finding.detail["repro_error"] = f"no repro script: cannot create {out}: {e.strerror or e}"
            return None
        answer = self._ask({"request": "repro", "steps": steps, "output": str(out / f"{stem}.py"),
                            "verdict": finding.verdict, "debug_alloc": finding.debug_alloc},
                           finding.debug_alloc)
        if answer is None or answer["event"] != "repro":
            finding.detail["repro_error"] = "no repro script: the worker could not write it"
            return None
        if "error" in answer:
            finding.detail["repro_error"] = answer["error"]
            return None
        runs, finding.detail["repro_check"] = repro_check.check(self.o.python, answer["path"])
        if not runs:
            finding.detail["repro_error"] = finding.detail["repro_check"]
        return answer["path"]


def allocator_slice(elapsed: float) -> tuple[float, bool]:
    """The time slice a run with both allocators is in at `elapsed` seconds: (seconds left in
    it, whether it runs under PYTHONMALLOC=debug). Slices of 2, 2, 4, 4, 8, 8 ... seconds, plain
    first: a race that shows in results is found in the first slice; one that only a poisoned
    freed block shows (a borrowed reference used after free) waits 2 s at most for its turn."""
    length, at, debug = 2.0, 0.0, False
    while at + length <= elapsed:
        at += length
        if debug:
            length *= 2
        debug = not debug
    return at + length - elapsed, debug


def in_flight(slots: list, calls: list[list[str]]) -> list[str]:
    """The operations a lost trial had started and not finished, from the engine's progress
    slots (per thread: operations started, finished)."""
    out = []
    for t, (started, done) in enumerate(slots):
        if started > done and t < len(calls) and started - 1 < len(calls[t]):
            out.append(f"thread {t}: {calls[t][started - 1]}")
    return out


def run(scenario: str, options: StressOptions | None = None,
        on_progress: Callable[[int, int], None] | None = None) -> StressResult:
    return StressRun(scenario, options or StressOptions(), on_progress).run()

"""The parent side of a stress run: trials in worker processes, then replay, minimise, repro."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .isolation import Worker
from .trial import CRASH, HANG


@dataclass
class StressOptions:
    threads: int = 2
    ops: int = 5                  # operations per thread per trial (Lincheck's 2 x 5)
    trials: int = 2000
    duration: float | None = None  # seconds; with it, trials is only an upper bound
    seed: int = 0
    first_trial: int = 0          # replaying one finding: --first-trial K --trials 1
    strategy: str = "random"      # none | random | pct
    pct_depth: int = 2
    timeout: float = 10.0         # seconds one trial may take before it counts as a hang
    replays: int = 1000           # replays of a finding's plan, to say how often it reproduces
    minimise: bool = True
    minimise_attempts: int = 5000  # cap on trials of a candidate plan before calling it "gone"
    minimise_seconds: float = 60.0
    output_dir: Path | None = None  # where repro scripts go; None: no script
    keep_going: bool = False
    python: str = sys.executable
    attribute: str | None = None  # SCENARIO.py:NAME


@dataclass
class StressFinding:
    verdict: str
    seed: int
    trial: int
    steps: list          # the plan: per thread (kind, arg_seed, perturbation, amount)
    calls: list          # the same plan in words: per thread "op(args)"
    detail: dict[str, Any] = field(default_factory=dict)
    found_after_s: float = 0.0
    replay: dict[str, Any] = field(default_factory=dict)
    minimal_calls: list | None = None
    repro: str | None = None


@dataclass
class StressResult:
    scenario: str
    options: StressOptions
    trials: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    findings: list[StressFinding] = field(default_factory=list)
    elapsed_s: float = 0.0
    ops: list[str] = field(default_factory=list)
    error: str | None = None  # the run could not judge anything (bad scenario, GIL enabled)


class StressRun:
    def __init__(self, scenario: str, options: StressOptions,
                 on_progress: Callable[[int, int], None] | None = None) -> None:
        self.scenario = str(Path(scenario).resolve())
        self.o = options
        self.on_progress = on_progress
        self.result = StressResult(self.scenario, options)

    def _config(self, mode: str, **extra) -> dict[str, Any]:
        o = self.o
        return {"scenario": self.scenario, "attribute": o.attribute, "mode": mode, "threads": o.threads,
                "ops": o.ops, "seed": o.seed, "strategy": o.strategy, "pct_depth": o.pct_depth, **extra}

    def run(self) -> StressResult:
        start = time.monotonic()
        o, r = self.o, self.result
        first, end = o.first_trial, o.first_trial + o.trials
        while first < end:
            remaining = None if o.duration is None else o.duration - (time.monotonic() - start)
            if remaining is not None and remaining <= 0:
                break
            worker = Worker(o.python, self._config("run", first=first, count=end - first,
                                                  duration=remaining, stop_first=not o.keep_going), o.timeout)
            next_first = None
            worker_counts: dict[str, int] = {}
            started = False
            for event in worker.events():
                kind = event["event"]
                if kind == "start":
                    r.ops, started = event["ops"], True
                elif kind == "died" and not started and (event["returncode"] or 0) > 0:
                    r.error = r.error or (
                        f"the worker process failed before running a trial (is ftkit installed for {o.python}?): "
                        f"{event['stderr'].strip()[-600:]}")
                elif kind in ("error", "gil"):
                    r.error = event["message"]
                elif kind == "progress":
                    worker_counts = event["counts"]
                    self._progress(first - o.first_trial + event["done"])
                elif kind == "finding":
                    r.findings.append(StressFinding(event["verdict"], o.seed, event["trial"], event["steps"],
                                                    event["calls"], event["detail"], time.monotonic() - start))
                elif kind == "end":
                    worker_counts = event["counts"]
                    self._progress(first - o.first_trial + event["done"])
                    next_first = end if not o.keep_going else first + event["done"]
                    if r.findings and not o.keep_going:
                        next_first = end
                elif kind in ("died", "hang"):
                    trial = max(event["trial"], first)
                    if r.findings and r.findings[-1].trial == trial:
                        # The trial already judged ended in a crash (in teardown, say): one finding.
                        earlier = r.findings.pop()
                        event = {**event, "earlier": {"verdict": earlier.verdict, **earlier.detail}}
                    verdict = HANG if kind == "hang" else CRASH
                    worker_counts = {**worker_counts, verdict: worker_counts.get(verdict, 0) + 1}
                    # Progress events lag; every earlier trial of this worker ended one way or another.
                    judged = sum(n for v, n in worker_counts.items() if v != "passed")
                    worker_counts["passed"] = max(trial - first - (judged - 1), 0)
                    if not started:
                        trial = -1  # died while importing the scenario or the module
                    self._progress(trial + 1 - o.first_trial)
                    r.findings.append(self._isolated_finding(event, trial, time.monotonic() - start))
                    next_first = trial + 1 if o.keep_going else end
            for verdict, n in worker_counts.items():
                r.counts[verdict] = r.counts.get(verdict, 0) + n
            if r.error:
                break
            if next_first is None or next_first <= first:
                break
            first = next_first
        for finding in r.findings:
            self._follow_up(finding)
        r.elapsed_s = time.monotonic() - start
        return r

    def _progress(self, done: int) -> None:
        self.result.trials = done
        if self.on_progress:
            self.on_progress(done, self.o.trials)

    def _isolated_finding(self, event: dict[str, Any], trial: int, after: float) -> StressFinding:
        verdict = HANG if event["event"] == "hang" else CRASH
        steps_calls = self._describe(trial) if trial >= 0 else None
        steps, calls = steps_calls if steps_calls else ([], [])
        in_flight, completed = [], 0
        for t, (started, done) in enumerate(event["slots"]):
            completed += done
            if started > done and t < len(calls) and started - 1 < len(calls[t]):
                in_flight.append(f"thread {t}: {calls[t][started - 1]}")
        detail = {"in_flight": in_flight, "completed_ops": completed,
                  "stderr": event.get("stderr", "")}
        if "earlier" in event:
            detail["timeline"] = event["earlier"].get("timeline", [])
            detail["judged_before"] = event["earlier"]["verdict"]
        if verdict == CRASH:
            detail["signal"] = event.get("signal")
            detail["returncode"] = event.get("returncode")
        else:
            detail["seconds"] = event.get("seconds")
        return StressFinding(verdict, self.o.seed, trial, steps, calls, detail, after)

    def _describe(self, trial: int, steps: list | None = None) -> tuple[list, list] | None:
        from .. import _core

        worker = Worker(self.o.python, self._config("describe", first=trial, steps=steps), self.o.timeout)
        calls = None
        ops = 0
        for event in worker.events():
            if event["event"] == "start":
                ops = len(event["ops"])
            elif event["event"] == "describe":
                calls = event["calls"]
        if calls is None:
            return None
        if steps is None:
            steps = _core.stress_plan(self.o.seed, trial, self.o.threads, self.o.ops, ops,
                                      self.o.strategy, self.o.pct_depth)
        return [list(map(list, t)) for t in steps], calls

    # -- after the run: how often it reproduces, the smallest plan that shows it, a script

    def reproduces(self, steps: list, verdict: str, attempts: int) -> tuple[int, int]:
        """Run `steps` up to `attempts` times; (times the verdict came back, attempts made).
        Other verdicts seen on the way go to self.last_replay_other (a crash ends the replays)."""
        worker = Worker(self.o.python, self._config("run", threads=len(steps), first=0, count=attempts,
                                                    steps=steps, stop_first=False), self.o.timeout)
        hits, made, self.last_replay_other = 0, attempts, {}
        for event in worker.events():
            if event["event"] == "finding":
                if event["verdict"] == verdict:
                    hits += 1
                else:
                    self.last_replay_other[event["verdict"]] = self.last_replay_other.get(event["verdict"], 0) + 1
            elif event["event"] == "end":
                made = event["done"]
            elif event["event"] in ("died", "hang"):
                ended = CRASH if event["event"] == "died" else HANG
                made = max(event["trial"], 0) + 1
                if ended == verdict:
                    hits += 1
                else:  # e.g. heap corruption killing the replays of a wrong-result finding
                    self.last_replay_other[ended] = self.last_replay_other.get(ended, 0) + 1
        return hits, made

    def _follow_up(self, finding: StressFinding) -> None:
        if not finding.steps or self.o.replays < 1:
            return
        hits, made = self.reproduces(finding.steps, finding.verdict, self.o.replays)
        finding.replay = {"reproduced": hits, "attempts": made}
        if self.last_replay_other:
            finding.replay["other_verdicts"] = self.last_replay_other
        steps = finding.steps
        if self.o.minimise and hits:
            # Enough attempts per candidate to see the failure ~5 times at the measured rate.
            attempts = max(50, min(self.o.minimise_attempts, -(-5 * made // hits)))
            steps = self.minimise(finding.steps, finding.verdict, attempts)
            described = self._describe(0, steps)
            finding.minimal_calls = described[1] if described else None
        if self.o.output_dir is not None:
            finding.repro = self._write_repro(steps, finding)

    def minimise(self, steps: list, verdict: str, attempts: int) -> list:
        """Greedy delta debugging: drop a whole thread, then every op of one kind, then single
        operations, keeping each cut after which the verdict still comes back within
        minimise_attempts trials; repeat until no cut works or the time is up (1-minimal)."""
        deadline = time.monotonic() + self.o.minimise_seconds
        current = [list(t) for t in steps]

        def candidates(plan):
            if len(plan) > 1:
                for t in range(len(plan)):
                    yield plan[:t] + plan[t + 1:]
            for kind in sorted({s[0] for t in plan for s in t}):
                cut = [[s for s in t if s[0] != kind] for t in plan]
                cut = [t for t in cut if t]
                if cut and cut != plan:
                    yield cut
            for t in range(len(plan)):
                for i in range(len(plan[t])):
                    cut = [list(x) for x in plan]
                    del cut[t][i]
                    cut = [x for x in cut if x]
                    if cut:
                        yield cut

        improved = True
        while improved and time.monotonic() < deadline:
            improved = False
            for cand in candidates(current):
                if time.monotonic() >= deadline:
                    break
                if self.reproduces(cand, verdict, attempts)[0]:
                    current, improved = cand, True
                    break
        return current

    def _write_repro(self, steps: list, finding: StressFinding) -> str | None:
        out = Path(self.o.output_dir)
        out.mkdir(parents=True, exist_ok=True)
        stem = f"repro_{Path(self.scenario).stem}_{finding.verdict}_seed{finding.seed}_trial{finding.trial}"
        target = out / f"{stem}.py"
        worker = Worker(self.o.python, self._config("repro", threads=len(steps), steps=steps,
                                                    output=str(target), verdict=finding.verdict),
                        self.o.timeout)
        path = None
        for event in worker.events():
            if event["event"] == "repro":
                path = event["path"]
            elif event["event"] == "error":
                finding.detail["repro_error"] = event["message"]
        return path


def run(scenario: str, options: StressOptions | None = None,
        on_progress: Callable[[int, int], None] | None = None) -> StressResult:
    return StressRun(scenario, options or StressOptions(), on_progress).run()

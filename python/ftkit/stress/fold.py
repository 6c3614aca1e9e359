"""The events of a run, folded into its findings and trial counts (pure: no processes, no clock).

The parent feeds every event of the run's trial requests, in order, to a Fold as they come
(memory stays bounded however long a run goes on); fold() does it for a whole list:

    {"event": "run", "first": F, "count": N}       the parent asked a worker for trials F..F+N-1
    {"event": "start", "ops": [...]}               a worker loaded the scenario
    {"event": "progress", "done": D}               D trials of the request judged (progress bar only)
    {"event": "finding", "trial": T, "verdict": V, "detail": {...}, "steps": [...], "calls": [...],
     "strategy": S}
                                                   trial T ended with verdict V (every non-passing trial)
    {"event": "end", "done": D, "tried": {...}, "overlapped": {...}, "overlap": X}
                                                   the request finished after D trials; per plan
                                                   strategy how many, which operation pairs ran at
                                                   the same time, the sum of overlap shares
    {"event": "died", "trial": T, "slots": [...], "returncode": R, "signal": S, "stderr": "..."}
    {"event": "hang", "trial": T, "slots": [...], "seconds": X, "stderr": "..."}
                                                   the worker died in trial T, or was killed there
    {"event": "error" | "gil", "message": "..."}   the worker cannot judge anything

Trials run one after another in a worker, so a worker that died in trial T had judged every
trial of its request before T, and T itself ends as the crash or hang. A request the log does
not see end (the run was interrupted) counts what its last progress event or finding showed.
`at` (seconds since the run began) dates a finding and `debug_alloc` says whether its worker ran
under PYTHONMALLOC=debug, both stamped by the parent. Crash and hang
findings leave the plan empty: the worker that knew it is gone, and the driver puts it in words
afterwards. Every trial is counted, but a --keep-going run keeps only the first KEPT findings
of each verdict: the ten-thousandth broken invariant tells nothing the first did not.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from .data import CRASH, HANG, INCONCLUSIVE, PASSED, StressFinding, TrialCounts

KEPT = 20  # findings kept per verdict (inconclusive: 1)


class Folded(NamedTuple):
    findings: list[StressFinding]
    counts: TrialCounts
    error: str | None  # why the run could not judge anything, if it could not


def fold(events: Iterable[dict[str, Any]], planned: int, seed: int) -> Folded:
    folder = Fold(planned, seed)
    for event in events:
        folder.add(event)
    return folder.result()


class Fold:
    def __init__(self, planned: int, seed: int) -> None:
        self.planned, self.seed = planned, seed
        self.findings: list[StressFinding] = []
        self.verdicts: dict[str, int] = {}
        self.judged, self.first, self.started, self.error = 0, 0, False, None
        self.shown: int | None = None  # trials the request still running has shown judged (None: none runs)
        self.last: dict[str, Any] | None = None  # the latest finding event, kept or not
        self.tried: dict[str, int] = {}
        self.overlapped: dict[str, int] = {}
        self.overlap_sum = 0.0

    def add(self, e: dict[str, Any]) -> None:
        kind = e["event"]
        if kind == "run":
            self.judged += self.shown or 0  # the request before it never ended: the log was cut
            self.first, self.shown = e["first"], 0
        elif kind == "progress" and self.shown is not None:
            self.shown = max(self.shown, e["done"])
        elif kind == "start":
            self.started = True
        elif kind in ("error", "gil"):
            self.error = self.error or e["message"]
        elif kind == "finding":
            self._finding(e)
        elif kind == "end":
            self.judged += e["done"]
            self.shown = None
            for into, add in ((self.tried, e.get("tried", {})), (self.overlapped, e.get("overlapped", {}))):
                for k, n in add.items():
                    into[k] = into.get(k, 0) + n
            self.overlap_sum += e.get("overlap", 0.0)
        elif kind in ("died", "hang"):
            self._lost(e)

    def _count(self, verdict: str, n: int = 1) -> None:
        self.verdicts[verdict] = self.verdicts.get(verdict, 0) + n

    def _keep(self, finding: StressFinding) -> None:
        kept = sum(f.verdict == finding.verdict for f in self.findings)
        if kept < (1 if finding.verdict == INCONCLUSIVE else KEPT):
            self.findings.append(finding)

    def _finding(self, e: dict[str, Any]) -> None:
        self._count(e["verdict"])
        self.last = e
        if self.shown is not None:
            self.shown = max(self.shown, e["trial"] - self.first + 1)
        self._keep(StressFinding(e["verdict"], self.seed, e["trial"], e["steps"], e["calls"], e["detail"],
                                 e.get("at", 0.0), e.get("strategy"),
                                 bool(e.get("debug_alloc"))))

    def _lost(self, e: dict[str, Any]) -> None:
        kind, self.shown = e["event"], None
        if not self.started:
            if kind == "died" and e.get("signal") is None:
                self.error = self.error or _failed_to_start(e)
            else:  # killed by a signal or hung while importing the scenario or its module
                self._keep(_lost_trial(e, -1, self.seed))
        elif kind == "died" and e.get("signal") is None and e.get("returncode") == 0:
            trial = max(e["trial"], self.first)
            self.judged += trial - self.first
            self.error = self.error or (
                f"the worker process exited with code 0 during trial {trial}: the scenario or an operation "
                "ended the process (sys.exit() or os._exit()?), so the trials after it were never judged")
        else:
            trial = max(e["trial"], self.first)
            self.judged += trial - self.first + 1
            lost = _lost_trial(e, trial, self.seed)
            earlier = self.last if self.last is not None and self.last["trial"] == trial else None
            if earlier is not None:  # judged, then crashed while freeing it (say): one finding
                if self.findings and self.findings[-1].trial == trial:
                    self.findings.pop()
                self._count(earlier["verdict"], -1)
                lost.detail["timeline"] = earlier["detail"].get("timeline", [])
                lost.detail["judged_before"] = earlier["verdict"]
            self._count(lost.verdict)
            self._keep(lost)
        self.started, self.last = False, None  # that worker is gone; the next one announces itself

    def result(self) -> Folded:
        judged = self.judged + (self.shown or 0)
        passed = judged - sum(n for v, n in self.verdicts.items() if v != PASSED)
        counts = {v: n for v, n in self.verdicts.items() if n > 0}
        if passed > 0:
            counts[PASSED] = passed
        scored = sum(self.tried.values())
        return Folded(list(self.findings), TrialCounts(self.planned, judged, counts, dict(self.tried),
                                                       dict(self.overlapped),
                                                       self.overlap_sum / scored if scored else 0.0), self.error)


def _lost_trial(e: dict[str, Any], trial: int, seed: int) -> StressFinding:
    detail: dict[str, Any] = {"slots": e.get("slots", []), "stderr": e.get("stderr", "")}
    if e["event"] == "hang":
        detail["seconds"] = e.get("seconds")
        return StressFinding(HANG, seed, trial, [], [], detail, e.get("at", 0.0), e.get("strategy"),
                             bool(e.get("debug_alloc")))
    detail["signal"] = e.get("signal")
    detail["returncode"] = e.get("returncode")
    return StressFinding(CRASH, seed, trial, [], [], detail, e.get("at", 0.0), e.get("strategy"),
                         bool(e.get("debug_alloc")))


def _failed_to_start(e: dict[str, Any]) -> str:
    tail = (e.get("stderr") or "").strip()[-600:]
    return (f"the worker process ended with exit code {e.get('returncode')} before running a trial "
            "(is this a free-threaded Python with ftkit installed? does the scenario exit while it is "
            "imported?)" + (f": {tail}" if tail else ""))

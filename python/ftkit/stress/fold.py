"""The events of a run, folded into its findings and trial counts (pure: no processes, no clock).

The parent logs every event of the run's trial requests, in order:

    {"event": "run", "first": F, "count": N}       the parent asked a worker for trials F..F+N-1
    {"event": "start", "ops": [...]}               a worker loaded the scenario
    {"event": "progress", "done": D}               D trials of the request judged (progress bar only)
    {"event": "finding", "trial": T, "verdict": V, "detail": {...}, "steps": [...], "calls": [...]}
                                                   trial T ended with verdict V (every non-passing trial)
    {"event": "end", "done": D}                    the request finished after D trials
    {"event": "died", "trial": T, "slots": [...], "returncode": R, "signal": S, "stderr": "..."}
    {"event": "hang", "trial": T, "slots": [...], "seconds": X, "stderr": "..."}
                                                   the worker died in trial T, or was killed there
    {"event": "error" | "gil", "message": "..."}   the worker cannot judge anything

Trials run one after another in a worker, so a worker that died in trial T had judged every
trial of its request before T, and T itself ends as the crash or hang. `at` (seconds since the
run began, stamped by the parent) dates a finding. Crash and hang findings leave the plan empty:
the worker that knew it is gone, and the driver puts it in words afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from .data import CRASH, HANG, INCONCLUSIVE, PASSED, StressFinding, TrialCounts


class Folded(NamedTuple):
    findings: list[StressFinding]
    counts: TrialCounts
    error: str | None  # why the run could not judge anything, if it could not


def fold(events: Iterable[dict[str, Any]], planned: int, seed: int) -> Folded:
    findings: list[StressFinding] = []
    verdicts: dict[str, int] = {}
    judged, first, started, error = 0, 0, False, None
    for e in events:
        kind = e["event"]
        if kind == "run":
            first = e["first"]
        elif kind == "start":
            started = True
        elif kind in ("error", "gil"):
            error = error or e["message"]
        elif kind == "finding":
            verdict = e["verdict"]
            verdicts[verdict] = verdicts.get(verdict, 0) + 1
            if verdict == INCONCLUSIVE and any(f.verdict == INCONCLUSIVE for f in findings):
                continue  # one finding says the budget ran out; the count says how often
            findings.append(StressFinding(verdict, seed, e["trial"], e["steps"], e["calls"], e["detail"],
                                          e.get("at", 0.0)))
        elif kind == "end":
            judged += e["done"]
        elif kind in ("died", "hang"):
            if not started:
                if kind == "died" and e.get("signal") is None:
                    error = error or _failed_to_start(e)
                else:  # killed by a signal or hung while importing the scenario or its module
                    findings.append(_lost_trial(e, -1, seed))
            elif kind == "died" and e.get("signal") is None and e.get("returncode") == 0:
                trial = max(e["trial"], first)
                judged += trial - first
                error = error or (f"the worker process exited with code 0 during trial {trial}: the scenario "
                                  "or an operation ended the process (sys.exit() or os._exit()?), so the "
                                  "trials after it were never judged")
            else:
                trial = max(e["trial"], first)
                judged += trial - first + 1
                earlier = findings[-1] if findings and findings[-1].trial == trial else None
                if earlier is not None:  # judged, then crashed while freeing it (say): one finding
                    findings.pop()
                    verdicts[earlier.verdict] -= 1
                lost = _lost_trial(e, trial, seed)
                if earlier is not None:
                    lost.detail["timeline"] = earlier.detail.get("timeline", [])
                    lost.detail["judged_before"] = earlier.verdict
                verdicts[lost.verdict] = verdicts.get(lost.verdict, 0) + 1
                findings.append(lost)
            started = False  # that worker is gone; the next one announces itself
    passed = judged - sum(n for v, n in verdicts.items() if v != PASSED)
    counts = {v: n for v, n in verdicts.items() if n > 0}
    if passed > 0:
        counts[PASSED] = passed
    return Folded(findings, TrialCounts(planned, judged, counts), error)


def _lost_trial(e: dict[str, Any], trial: int, seed: int) -> StressFinding:
    detail: dict[str, Any] = {"slots": e.get("slots", []), "stderr": e.get("stderr", "")}
    if e["event"] == "hang":
        detail["seconds"] = e.get("seconds")
        return StressFinding(HANG, seed, trial, [], [], detail, e.get("at", 0.0))
    detail["signal"] = e.get("signal")
    detail["returncode"] = e.get("returncode")
    return StressFinding(CRASH, seed, trial, [], [], detail, e.get("at", 0.0))


def _failed_to_start(e: dict[str, Any]) -> str:
    tail = (e.get("stderr") or "").strip()[-600:]
    return (f"the worker process ended with exit code {e.get('returncode')} before running a trial "
            "(is this a free-threaded Python with ftkit installed? does the scenario exit while it is "
            "imported?)" + (f": {tail}" if tail else ""))

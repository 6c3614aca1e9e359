"""What a stress run takes and gives back: options, verdicts, findings, trial counts, the result.

Plain data with no process or engine code, so the report, the pytest fixture and the event fold
can use it without loading ftkit._core.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Verdicts of one trial, most serious first; "passed" is not a finding.
CRASH, HANG, EXCEPTION, INVARIANT, NOT_LINEARIZABLE, INCONCLUSIVE, PASSED = (
    "crash", "hang", "unexpected-exception", "invariant-broken", "not-linearizable", "inconclusive", "passed")
STRATEGIES = ("none", "random", "pct")


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
    replays: int = 1000           # re-runs of a finding's plan, to say how often it reproduces
    minimise: bool = True
    minimise_attempts: int = 5000  # cap on trials of a candidate plan before calling it "gone"
    minimise_seconds: float = 60.0
    output_dir: Path | None = None  # where repro scripts go; None: no script
    keep_going: bool = False
    python: str = sys.executable
    attribute: str | None = None  # SCENARIO.py:NAME

    def problems(self) -> list[str]:
        """What makes these options unusable, one line each (the CLI's and fixture's usage errors)."""
        out = []
        for name in ("threads", "ops", "trials"):
            if not _is_int(getattr(self, name)) or getattr(self, name) < 1:
                out.append(f"--{name} must be at least 1")
        for name in ("seed", "first_trial", "pct_depth", "replays"):
            if not _is_int(getattr(self, name)) or getattr(self, name) < 0:
                out.append(f"--{name.replace('_', '-')} must be at least 0")
        for name, value in (("timeout", self.timeout), ("duration", self.duration)):
            if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                out.append(f"--{name} must be a number of seconds above 0, got {value}")
        if not (isinstance(self.minimise_seconds, (int, float)) and math.isfinite(self.minimise_seconds)
                and self.minimise_seconds >= 0):
            out.append(f"--minimise-seconds must be a number of seconds, at least 0, got {self.minimise_seconds}")
        if self.strategy not in STRATEGIES:
            out.append(f"--strategy must be one of {', '.join(STRATEGIES)}, got {self.strategy!r}")
        return out


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass
class ReplayTally:
    """How often re-running one plan brought its verdict back, and what else the re-runs saw."""
    reproduced: int
    attempts: int
    other_verdicts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reproduced": self.reproduced, "attempts": self.attempts}
        if self.other_verdicts:
            out["other_verdicts"] = dict(self.other_verdicts)
        return out


@dataclass
class StressFinding:
    verdict: str
    seed: int
    trial: int           # -1: the worker process failed while it imported the scenario
    steps: list          # the plan: per thread (kind, arg_seed, perturbation, amount)
    calls: list          # the same plan in words: per thread "op(args)"
    detail: dict[str, Any] = field(default_factory=dict)
    found_after_s: float = 0.0
    replay: ReplayTally | None = None
    minimal_calls: list | None = None
    repro: str | None = None


@dataclass
class TrialCounts:
    """planned: the trials asked for (an upper bound when the run has a duration); judged: the
    trials that ran to a verdict; verdicts: judged trials per verdict, "passed" included."""
    planned: int = 0
    judged: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)


@dataclass
class StressResult:
    scenario: str
    options: StressOptions
    counts: TrialCounts = field(default_factory=TrialCounts)
    findings: list[StressFinding] = field(default_factory=list)
    elapsed_s: float = 0.0
    ops: list[str] = field(default_factory=list)
    error: str | None = None  # the run could not judge anything (bad scenario, GIL enabled)
    interrupted: bool = False  # Ctrl-C: the findings and counts so far, without replays or repros

    @property
    def trials(self) -> int:
        return self.counts.judged

    def shortfall(self) -> str | None:
        """Why the trials judged do not back an "ok", or None. Fewer trials than planned are
        expected after a finding (the run stops at the first) or when a --duration ran out;
        otherwise they mean trials were lost, and no trials at all never make a pass."""
        c = self.counts
        if self.interrupted:
            return f"the run was interrupted after {c.judged} of {c.planned} planned trials"
        if self.findings or self.error:
            return None  # the run fails on those already
        if c.judged == 0:
            return f"no trial was judged (0 of {c.planned} planned)"
        if c.judged < c.planned and self.options.duration is None:
            return f"only {c.judged} of {c.planned} planned trials were judged"
        return None

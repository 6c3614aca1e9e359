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
STRATEGIES = ("adaptive", "collide", "random", "pct", "none")  # adaptive picks one of the next three per trial
DEFAULT_DURATION = 30.0  # seconds: the default budget when neither trials nor a duration is given


@dataclass
class StressOptions:
    threads: int = 2
    ops: int = 5                  # operations per thread per trial (Lincheck's 2 x 5)
    trials: int | None = None     # at most this many trials (None: as many as the duration allows)
    duration: float | None = None  # seconds; with it, trials is only an upper bound
    seed: int = 0
    first_trial: int = 0          # replaying one finding: --first-trial K --trials 1
    strategy: str = "adaptive"    # adaptive | collide | random | pct | none
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
    # Trials under PYTHONMALLOC=debug, where a freed block is poisoned (0xDD) so a use after free
    # crashes or shows: True always, False never, None (default) in alternate slices of a
    # time-budgeted run (a run of --trials only, without --duration, then never).
    debug_alloc: bool | None = None

    def __post_init__(self) -> None:
        if self.trials is None and self.duration is None:  # the default run is budgeted in time
            self.duration = DEFAULT_DURATION

    @property
    def trial_cap(self) -> int:
        """The trials a run may plan: --trials, or without it as many as --duration allows."""
        return self.trials if self.trials is not None else UNBOUNDED

    def problems(self) -> list[str]:
        """What makes these options unusable, one line each (the CLI's and fixture's usage errors)."""
        out = []
        for name in ("threads", "ops", "trials"):
            if name == "trials" and self.trials is None:
                continue
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


UNBOUNDED = 2**62  # "no trial limit": trial numbers stay int64 in the progress file


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
    strategy: str | None = None  # the plan strategy of its trial (adaptive runs choose one per trial)
    debug_alloc: bool = False    # its trial ran under PYTHONMALLOC=debug
    replay: ReplayTally | None = None
    minimal_calls: list | None = None
    repro: str | None = None


@dataclass
class TrialCounts:
    """planned: the trials asked for (an upper bound when the run has a duration; UNBOUNDED
    when it has only a duration); judged: the trials that ran to a verdict; verdicts: judged
    trials per verdict, "passed" included; tried: judged trials per plan strategy; overlapped:
    the pairs of operations ("a|b", names sorted) that ran at the same time in some trial, and
    how many times; overlap: the mean share of cross-thread operation pairs that overlapped."""
    planned: int = 0
    judged: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    tried: dict[str, int] = field(default_factory=dict)
    overlapped: dict[str, int] = field(default_factory=dict)
    overlap: float = 0.0


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
        o = self.options
        planned = f"{c.planned} planned" if o.trials is not None else f"{o.duration:g} s planned"
        if self.interrupted:
            if self.options.trials is not None:
                return f"the run was interrupted after {c.judged} of {c.planned} planned trials"
            return f"the run was interrupted after {c.judged} trials ({planned})"
        if self.findings or self.error:
            return None  # the run fails on those already
        if c.judged == 0:
            return f"no trial was judged (0 of {planned})"
        if c.judged < c.planned and self.options.duration is None:
            return f"only {c.judged} of {c.planned} planned trials were judged"
        return None

"""What a bench run is made of: the interpreters compared, its options, and one measured point each."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from .stats import Summary, per_process, summarise

OK, RAISED, CRASHED, HUNG = "ok", "raised", "crashed", "hung"


class WorkloadError(Exception):
    """The workload cannot be benchmarked (does not import, declares nothing): one line, exit 2."""


@dataclass(frozen=True)
class Target:
    """One interpreter configuration: "ft" 3.14t, "ft-gil" the same with PYTHON_GIL=1, "gil" the GIL build."""

    id: str
    label: str
    path: str
    version: str
    env: tuple[tuple[str, str], ...] = ()  # set in the worker's environment (PYTHON_GIL=1)

    def to_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "path": self.path, "version": self.version,
                "env": dict(self.env)}


@dataclass(frozen=True)
class Options:
    threads: tuple[int, ...]
    variants: tuple[str, ...] | None = None  # None: all the workload declares
    modes: tuple[str, ...] | None = None
    budget: float = 120.0  # seconds for the whole run, checked between worker processes
    min_time: float = 0.02  # seconds one value takes at least, on one thread (calibrated loops)
    values: int = 3  # values per worker process, after one warm-up value
    min_runs: int = 3  # worker processes per point before its interval may stop it
    max_runs: int = 30
    ci: float = 0.05  # stop a point once its 95% interval is within +-ci of the mean
    timeout: float = 60.0  # seconds one worker process may take: longer is a hang
    path: tuple[str, ...] = ()  # folders put first on the workers' sys.path
    seed: int = 0
    statistic: str = "median"  # or "best" or "cpu" (stats.STATISTICS)


@dataclass(frozen=True)
class Key:
    target: str
    variant: str
    mode: str
    threads: int


@dataclass
class Point:
    key: Key
    loops: int | None = None
    runs: dict[int, list[float]] = field(default_factory=dict)  # round -> values (calls per second)
    cpu_runs: dict[int, list[float]] = field(default_factory=dict)  # round -> calls per CPU-second
    status: str = OK
    error: str | None = None  # what happened, for a point that raised, crashed or hung
    gil_enabled: bool | None = None
    peak_rss_kb: int = 0
    statistic: str = "median"
    cpu_share: list[float] = field(default_factory=list)  # per value: CPU time / (threads x wall time)

    def counted(self, rounds: list[int] | None = None) -> list[list[float]]:
        """The values that count, per worker process (of `rounds`, default all), for the statistic."""
        rounds = sorted(self.runs) if rounds is None else rounds
        if self.statistic == "cpu":
            return [self.cpu_runs[r] for r in rounds]
        return per_process([self.runs[r] for r in rounds], self.statistic)

    @property
    def summary(self) -> Summary | None:
        return summarise(self.counted())

    def to_dict(self) -> dict:
        s = self.summary
        return {"target": self.key.target, "variant": self.key.variant, "mode": self.key.mode,
                "threads": self.key.threads, "status": self.status, "error": self.error, "loops": self.loops,
                "gil_enabled": self.gil_enabled, "peak_rss_kb": self.peak_rss_kb,
                "cpu_share": statistics.median(self.cpu_share) if self.cpu_share else None,
                "runs": [self.runs[r] for r in sorted(self.runs)], "rounds": sorted(self.runs),
                "cpu_runs": [self.cpu_runs[r] for r in sorted(self.cpu_runs)],
                "throughput": s.to_dict() if s else None}


@dataclass
class Declaration:
    """What the workload file declares, as its worker read it (children/bench_worker.py)."""

    variants: list[str]
    baseline: str
    modes: list[str]


@dataclass
class Result:
    workload: str
    declaration: Declaration
    targets: list[Target]
    options: Options
    points: dict[Key, Point]
    machine: dict
    seconds: float = 0.0
    rounds: int = 0
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)  # run-level facts for findings (versions differ, ...)

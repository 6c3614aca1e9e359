"""The statistics of a bench point and of a ratio between two points, via pyperf's own.

pyperf (PyPI) is the field's library, but its Runner cannot be the workers: they run inside the
interpreters compared (3.14t, the GIL build), which have neither pyperf nor ftkit installed, and
its bench_func times one thread, not N threads released by one barrier. So the workers time
themselves (children/bench_worker.py, perf_counter, calibrated loops, a warm-up value, several
values per process, one process per sample as pyperf's runner does), and the parent puts each
worker process in as one pyperf.Run of a pyperf.Benchmark: the median, standard deviation, median
absolute deviation and the "may be unstable" rule (standard deviation >= 10% of the mean, from
pyperf's `format_checks`) are pyperf's. The confidence interval is the 95% Student-t interval of
the mean of the per-process means (pyperf's `tdist95conf_level`; its required_nprocesses targets
1% at 95%, too tight to reach on a shared 2-core machine, so the target is --ci).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from . import STATISTICS  # noqa: F401  (what --statistic offers, described there)

UNSTABLE_STDEV = 0.10  # pyperf format_checks: "the standard deviation ... is N% of the mean"


def per_process(runs: list[list[float]], statistic: str = "median") -> list[list[float]]:
    """The values each worker process counts with under `statistic`."""
    return [[max(r)] for r in runs if r] if statistic == "best" else runs


def _pyperf():
    try:
        import pyperf
    except ImportError as e:
        raise ImportError("ftkit bench needs pyperf and matplotlib: pip install 'ftkit[bench]'") from e
    return pyperf


def t95(n: int) -> float:
    """Student's t for a two-sided 95% interval with n - 1 degrees of freedom."""
    from pyperf._utils import tdist95conf_level  # the table pyperf's own comparisons use

    return tdist95conf_level(max(n - 1, 1))


@dataclass(frozen=True)
class Summary:
    """One point or one ratio: center is the median of all values; ci the relative half-width."""

    n_runs: int
    n_values: int
    median: float
    mean: float
    stdev: float
    mad: float
    low: float  # the mean's 95% confidence interval, from the per-process means
    high: float

    @property
    def ci(self) -> float:
        """Half the interval's width over the mean: 0.05 means +-5%. inf with one process."""
        if self.n_runs < 2 or self.mean <= 0:
            return math.inf
        return (self.high - self.low) / 2 / self.mean

    @property
    def unstable(self) -> bool:
        return self.n_values >= 2 and self.stdev >= UNSTABLE_STDEV * self.mean

    def to_dict(self) -> dict:
        return {"runs": self.n_runs, "values": self.n_values, "median": self.median, "mean": self.mean,
                "stdev": self.stdev, "mad": self.mad, "ci_low": self.low, "ci_high": self.high,
                "ci": None if math.isinf(self.ci) else self.ci, "unstable": self.unstable}


def summarise(runs: list[list[float]], name: str = "point") -> Summary | None:
    """runs: one list of positive values per worker process. None when there is no value."""
    runs = [r for r in runs if r]
    if not runs:
        return None
    pyperf = _pyperf()
    bench = pyperf.Benchmark([pyperf.Run(r, metadata={"name": name}, collect_metadata=False) for r in runs])
    values = bench.get_values()
    stdev = bench.stdev() if len(values) >= 2 else 0.0
    mad = bench.median_abs_dev() if len(values) >= 2 else 0.0
    means = [statistics.fmean(r) for r in runs]
    mean = statistics.fmean(means)
    half = t95(len(means)) * statistics.stdev(means) / math.sqrt(len(means)) if len(means) >= 2 else math.inf
    return Summary(len(runs), len(values), bench.median(), bench.mean(), stdev, mad,
                   max(mean - half, 0.0), mean + half)


def ratio_runs(numerator: list[list[float]], denominator: list[list[float]]) -> list[list[float]]:
    """Paired ratios: process i of one point against process i of the other, sampled back to back
    in the same round (run.py interleaves them), so machine noise in that round hits both."""
    return [[statistics.fmean(a) / statistics.fmean(b)] for a, b in zip(numerator, denominator) if a and b]

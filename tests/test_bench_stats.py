"""bench/stats.py: pyperf's statistics over worker processes, and ratios paired by round."""

from __future__ import annotations

import math
import statistics

import pyperf

from ftkit.bench.stats import per_process, ratio_runs, summarise


def test_summary_is_pyperfs_median_and_stdev_and_a_t_interval_of_the_process_means():
    runs = [[100.0, 102.0, 98.0], [110.0, 108.0, 112.0], [95.0, 97.0, 96.0]]
    s = summarise(runs)
    values = [v for r in runs for v in r]
    assert s.median == statistics.median(values) and math.isclose(s.stdev, statistics.stdev(values))
    means = [statistics.fmean(r) for r in runs]
    half = 4.303 * statistics.stdev(means) / math.sqrt(3)  # t(0.975, df=2)
    assert math.isclose(s.high - s.low, 2 * half, rel_tol=1e-3)
    assert s.ci == (s.high - s.low) / 2 / s.mean and not s.unstable
    assert pyperf.Benchmark([pyperf.Run(r, metadata={"name": "x"}, collect_metadata=False)
                             for r in runs]).median() == s.median


def test_one_process_has_no_interval_and_a_wide_spread_is_unstable():
    assert summarise([]) is None
    one = summarise([[5.0, 6.0]])
    assert math.isinf(one.ci) and one.to_dict()["ci"] is None
    assert summarise([[1.0, 3.0], [1.0, 3.0]]).unstable  # stdev >= 10% of the mean (pyperf's rule)


def test_ratios_pair_the_processes_of_the_same_round():
    assert ratio_runs([[4.0, 6.0], [10.0]], [[5.0], [2.0, 3.0]]) == [[1.0], [4.0]]
    assert ratio_runs([[1.0], []], [[2.0], [1.0]]) == [[0.5]]


def test_best_counts_each_process_by_its_highest_value():
    runs = [[3.0, 9.0, 4.0], [], [2.0]]
    assert per_process(runs, "best") == [[9.0], [2.0]]
    assert per_process(runs, "median") is runs
    assert summarise(per_process(runs, "best")).median == 5.5

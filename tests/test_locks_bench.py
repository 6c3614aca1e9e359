"""bench/locks_bench.cpp builds against a free-threaded interpreter and measures both sides of a pair."""

from __future__ import annotations

import importlib.util

from locks.build import REPO
from locks.interpreters import interpreter


def test_bench_builds_and_measures_pairs(tmp_path):
    spec = importlib.util.spec_from_file_location("locks_ratios", REPO / "bench" / "locks_ratios.py")
    ratios = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ratios)
    exe = ratios.build("3.14t", interpreter("3.14t"), tmp_path)
    times = ratios.run(exe, repetitions=1, min_time=0.01, only="pair/critical_section/|mutex_uncontended")
    assert set(times) == {"pair/critical_section", "pair/mutex_uncontended",
                          "raw/mutex_uncontended", "ftkit/mutex_uncontended"}
    # A real lock was taken on both sides: an uncontended PyMutex round trip is a few ns, not 0.
    pair = times["pair/critical_section"]
    assert pair["raw_ns"] > 1.0 and pair["helper_ns"] > 1.0 and 0.5 < pair["ratio"] < 2.0, pair
    assert times["raw/mutex_uncontended"]["ns"] > 1.0
    assert ratios.cell(times, "mutex_uncontended").endswith(" ns)")  # "1.02 (7.1 vs 7.0 ns)"

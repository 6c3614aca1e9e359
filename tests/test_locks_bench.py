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
    times = ratios.run(exe, repetitions=1, min_time=0.01, only="critical_section$|mutex_uncontended")
    assert set(times) == {"raw/critical_section", "ftkit/critical_section",
                          "raw/mutex_uncontended", "ftkit/mutex_uncontended"}
    # A real lock was taken on both sides: an uncontended PyMutex round trip is a few ns, not 0.
    assert all(t > 1.0 for t in times.values()), times

"""bench/locks_ratios.py (bench/locks_bench.cpp) builds against a free-threaded interpreter and
measures both sides of a pair: a short run of the script, as a user runs it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from conftest import REPO


@pytest.mark.slow
def test_bench_builds_and_measures_pairs(tmp_path):
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "locks_ratios.py"), "3.14t", "--repetitions", "1",
                           "--min-time", "0.01", "--filter", "pair/critical_section/|mutex_uncontended",
                           "--out-dir", str(tmp_path), "--json", str(tmp_path / "out.json")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    times = json.loads((tmp_path / "out.json").read_text())["3.14t"]
    assert set(times) == {"pair/critical_section", "pair/mutex_uncontended",
                          "raw/mutex_uncontended", "ftkit/mutex_uncontended"}
    # A real lock was taken on both sides: an uncontended PyMutex round trip is a few ns, not 0.
    pair = times["pair/critical_section"]
    assert pair["raw_ns"] > 1.0 and pair["helper_ns"] > 1.0 and 0.5 < pair["ratio"] < 2.0, pair
    assert times["raw/mutex_uncontended"]["ns"] > 1.0
    # The table's cell: "| mutex, uncontended | 1.02 (7.1 vs 7.0 ns) |"
    row = r"^\| mutex, uncontended \| [0-9.]+ \([0-9.]+ vs [0-9.]+ ns\) \|$"
    assert re.search(row, proc.stdout, re.M), proc.stdout

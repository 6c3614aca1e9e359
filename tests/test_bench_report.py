"""bench/ratios.py and bench/report.py on a Result built by hand: which ratios pair which samples,
and the findings that keep a reader honest (threads > cores, a busy machine, a wide spread,
the GIL on in the free-threaded workers, different sources)."""

from __future__ import annotations

import math

from ftkit.bench import ratios, report
from ftkit.bench.model import CRASHED, Declaration, Key, Options, Point, Result, Target

TARGETS = [Target("ft", "3.14t", "/ft", "3.14.7"), Target("ft-gil", "3.14t PYTHON_GIL=1", "/ft", "3.14.7",
                                                         (("PYTHON_GIL", "1"),)),
           Target("gil", "3.14", "/gil", "3.14.7")]


def result(threads=(1, 4), cores=2, load=(9.5, 8.0, 7.0)) -> Result:
    options = Options(threads=threads, budget=1, ci=0.05)
    points = {}
    for target in ("ft", "ft-gil", "gil"):
        for variant, speed in (("unsafe", 100.0), ("locked", 80.0)):
            for t in threads:
                rate = speed * (t if target == "ft" else 1) * (0.9 if target != "gil" else 1.0)
                p = Point(Key(target, variant, "shared", t), loops=10, peak_rss_kb=20000,
                          gil_enabled=target != "ft")
                # round 0 and round 1; the GIL build's round 1 was disturbed, and pairs see it
                p.runs = {0: [rate, rate], 1: [rate * (0.5 if target == "gil" else 1.0)] * 2}
                p.cpu_runs = {r: list(v) for r, v in p.runs.items()}
                p.cpu_share = [0.3, 0.3]
                points[p.key] = p
    points[Key("ft", "locked", "shared", max(threads))].status = CRASHED
    points[Key("ft", "locked", "shared", max(threads))].error = "killed by SIGSEGV"
    machine = {"cores": cores, "cpu_model": "test CPU", "load_average": list(load)}
    return Result("/w/bench.py", Declaration(["unsafe", "locked"], "unsafe", ["shared"]), TARGETS, options,
                  points, machine, seconds=1.0, rounds=2)


def test_ratios_pair_samples_of_the_same_round_and_name_what_failed():
    data = ratios.as_data(result())
    ft_gil = {(r["variant"], r["threads"]): r for r in data["free_threaded_vs_gil"]}
    one = ft_gil["unsafe", 1]["ft"]  # 90/100 in round 0, 90/50 in round 1: the median of the pairs,
    assert one["runs"] == 2 and math.isclose(one["median"], 1.35)  # not 90/75 (the medians' ratio)
    assert ft_gil["locked", 4]["ft"] == {"status": "crashed", "of": "locked", "error": "killed by SIGSEGV"}
    cost = {(r["target"], r["threads"]): r for r in data["lock_cost"]}
    assert math.isclose(cost["gil", 1]["cost"]["median"], 100 / 80) and cost["gil", 4]["contended"]
    assert not cost["gil", 1]["contended"] and cost["ft", 4]["cost"]["status"] == "crashed"
    scaling = {(r["target"], r["variant"], r["threads"]): r for r in data["scaling"]}
    assert math.isclose(scaling["ft", "unsafe", 4]["speedup"], 4.0)
    assert math.isclose(scaling["ft", "unsafe", 4]["efficiency"], 1.0)
    assert data["targets"][0]["peak_rss_kb"] == 20000


def test_findings_say_what_limits_the_numbers():
    data = ratios.as_data(result())
    rules = sorted(f.rule for f in report.findings(data, ["the GIL build is CPython 3.14.6"]))
    assert rules == ["bench/busy-machine", "bench/busy-machine", "bench/different-sources",
                     "bench/threads-exceed-cores", "bench/variant-failed", "bench/wide-spread"]
    quiet = ratios.as_data(result(threads=(1, 2), load=(0.5, 0.5, 0.5)))
    for p in quiet["points"]:
        p["cpu_share"] = 0.99
    assert "bench/threads-exceed-cores" not in {f.rule for f in report.findings(quiet, [])}
    assert "bench/busy-machine" not in {f.rule for f in report.findings(quiet, [])}


def test_the_gil_on_in_free_threaded_workers_is_a_warning():
    r = result()
    r.points[Key("ft", "unsafe", "shared", 1)].gil_enabled = True
    found = [f for f in report.findings(ratios.as_data(r), []) if f.rule == "bench/gil-enabled"]
    assert len(found) == 1 and "unsafe" in found[0].message and found[0].severity.value == "warning"


def test_tables_give_both_ratios_and_the_machine():
    text = "\n".join(str(t) for t in report.tables(ratios.as_data(result())))
    for words in ("3.14t / 3.14", "lock cost", "crashed", "test CPU", "peak RSS 3.14t", "19.5 MiB"):
        assert words in text

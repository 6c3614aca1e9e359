"""The numbers a bench answers with, from its points: scaling, free-threaded vs GIL, lock cost.

Every ratio pairs the two points' worker processes of the same round (sampled back to back,
run.py), so each round gives one ratio and the ratio's spread is that of the rounds.
"""

from __future__ import annotations

from .model import OK, Key, Point, Result
from .stats import ratio_runs, summarise


def _ratio(a: Point, b: Point) -> dict:
    """a's throughput over b's, paired by round; status names the first failed side."""
    if a.status != OK or b.status != OK:
        bad = a if a.status != OK else b
        return {"status": bad.status, "of": bad.key.variant, "error": bad.error}
    rounds = sorted(set(a.runs) & set(b.runs))
    s = summarise(ratio_runs(a.counted(rounds), b.counted(rounds)))
    if s is None:
        return {"status": "no data"}
    return {"status": OK, **s.to_dict()}


def scaling(result: Result) -> list[dict]:
    """Per interpreter, variant, mode and thread count: throughput, speedup over one thread of the
    same interpreter (medians), and efficiency against linear scaling (speedup / threads)."""
    rows = []
    for key, point in result.points.items():
        s = point.summary
        one = result.points.get(Key(key.target, key.variant, key.mode, min(result.options.threads)))
        base = one.summary if one is not None else None
        row = {"target": key.target, "variant": key.variant, "mode": key.mode, "threads": key.threads,
               "status": point.status, "error": point.error, "throughput": s.to_dict() if s else None,
               "cpu_share": point.to_dict()["cpu_share"]}
        # Calls per CPU-second do not grow with threads: speedup and efficiency need wall-clock time.
        if s and base and point.status == OK and one.status == OK and result.options.statistic != "cpu":
            speedup = s.median / base.median * min(result.options.threads)
            row |= {"speedup": speedup, "efficiency": speedup / key.threads}
        rows.append(row)
    return rows


def free_threaded_vs_gil(result: Result) -> list[dict]:
    """Throughput of "ft" and "ft-gil" over the GIL build's, per variant, mode and thread count."""
    rows = []
    for key, gil in result.points.items():
        if key.target != "gil":
            continue
        row = {"variant": key.variant, "mode": key.mode, "threads": key.threads}
        for other in ("ft", "ft-gil"):
            twin = result.points.get(Key(other, key.variant, key.mode, key.threads))
            if twin is not None:
                row[other] = _ratio(twin, gil)
        rows.append(row)
    return rows


def lock_cost(result: Result) -> list[dict]:
    """Per interpreter, variant (but the baseline), mode and thread count: the baseline's throughput
    over the variant's. 1.00 costs nothing, 1.25 is 25% slower. Uncontended: one thread; contended:
    several threads in the shared mode."""
    baseline = result.declaration.baseline
    rows = []
    for key, point in result.points.items():
        if key.variant == baseline:
            continue
        base = result.points[Key(key.target, baseline, key.mode, key.threads)]
        rows.append({"target": key.target, "variant": key.variant, "mode": key.mode, "threads": key.threads,
                     "contended": key.mode == "shared" and key.threads > 1, **{"cost": _ratio(base, point)}})
    return rows


def peak_rss(result: Result) -> dict[str, int]:
    """Peak resident set per interpreter configuration (KiB): the largest of its worker processes."""
    out: dict[str, int] = {}
    for key, point in result.points.items():
        out[key.target] = max(out.get(key.target, 0), point.peak_rss_kb)
    return out


def as_data(result: Result) -> dict:
    """data["bench"]: everything measured, for JSON, --compare and the plots."""
    return {
        "workload": result.workload,
        "machine": result.machine,
        "targets": [t.to_dict() | {"peak_rss_kb": peak_rss(result).get(t.id, 0)} for t in result.targets],
        "variants": result.declaration.variants,
        "baseline": result.declaration.baseline,
        "modes": result.declaration.modes,
        "threads": list(result.options.threads),
        "options": {"budget": result.options.budget, "min_time": result.options.min_time,
                    "values": result.options.values, "min_runs": result.options.min_runs,
                    "max_runs": result.options.max_runs, "ci": result.options.ci, "seed": result.options.seed,
                    "statistic": result.options.statistic},
        "seconds": round(result.seconds, 2),
        "rounds": result.rounds,
        "interrupted": result.interrupted,
        "points": [p.to_dict() for p in result.points.values()],
        "scaling": scaling(result),
        "free_threaded_vs_gil": free_threaded_vs_gil(result),
        "lock_cost": lock_cost(result),
        "plots": [],
        "png": [],
    }

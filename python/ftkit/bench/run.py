"""Run a bench: ask each interpreter what the workload declares, then sample every point in rounds.

One worker process per sample (children/bench_worker.py through the shared runner), one at a time:
two samples at once would compete for the cores they measure. A round visits every open group
(a mode and a thread count) in a shuffled order and, inside a group, every interpreter and variant
back to back in a shuffled order, so machine noise lands on all of them alike and the ratios pair
samples of the same round (stats.ratio_runs). A point stops once it has min_runs processes and its
95% interval is within --ci, or at max_runs; the run stops when none is open or the budget is spent
(the first round always completes, so every point has a value). A point whose worker raised,
crashed or hung keeps that status and is not sampled again; the others go on.
"""

from __future__ import annotations

import json
import os
import random
import time
from typing import Callable, Optional

from ..children import run_child, stop_children
from ..children.runner import resume_children
from . import machine
from .model import CRASHED, HUNG, OK, RAISED, Declaration, Key, Options, Point, Result, Target, WorkloadError

Progress = Optional[Callable[[int, Optional[int]], None]]
DESCRIBE_TIMEOUT = 60.0


def _env(target: Target) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}
    env.update(dict(target.env))
    return env


def _worker(target: Target, config: dict, timeout: float):
    return run_child(target.path, "bench_worker", [json.dumps(config)], env=_env(target), timeout=timeout)


def describe(workload: str, targets: list[Target], options: Options) -> Declaration:
    """What the workload declares, checked under every interpreter; WorkloadError when it cannot run."""
    seen = None
    for target in targets:
        child = _worker(target, {"workload": workload, "path": list(options.path), "request": "describe"},
                        DESCRIBE_TIMEOUT)
        answer = child.result if isinstance(child.result, dict) else None
        if answer is None:
            raise WorkloadError(f"{workload}: its worker under {target.label} failed: {child.describe()}")
        if answer.get("error"):
            raise WorkloadError(f"{workload} does not import under {target.label} ({target.path}): "
                                f"{answer['message']} (docs/bench.md: make its imports work in every "
                                "interpreter compared, e.g. --path DIR)")
        if not answer["work"]:
            raise WorkloadError(f"{workload} declares nothing to run: define work(obj) (and setup(variant), "
                                "VARIANTS; docs/bench.md)")
        seen = seen or answer
    variants = seen["variants"] or ["default"]
    if options.variants:
        unknown = [v for v in options.variants if v not in variants]
        if unknown:
            raise WorkloadError(f"{workload} declares no variant {', '.join(unknown)} "
                                f"(it declares {', '.join(variants)})")
        variants = [v for v in variants if v in options.variants]
    modes = [m for m in seen["modes"] if m in ("private", "shared")]
    if options.modes:
        modes = [m for m in modes if m in options.modes]
    if not modes:
        raise WorkloadError(f"{workload}: no mode left to run (MODES declares {seen['modes']}; "
                            "modes are private and shared)")
    baseline = seen["baseline"] if seen["baseline"] in variants else variants[0]
    return Declaration(variants, baseline, modes)


def _open(point: Point, options: Options) -> bool:
    if point.status != OK or len(point.runs) >= options.max_runs:
        return False
    if len(point.runs) < options.min_runs:
        return True
    s = point.summary
    return s is None or s.ci > options.ci


def sample(workload: str, target: Target, point: Point, round_: int, options: Options) -> None:
    """One worker process for one point: its values go in as round `round_`, or its failure as the status."""
    k = point.key
    config = {"workload": workload, "path": list(options.path), "request": "measure", "variant": k.variant,
              "mode": k.mode, "threads": k.threads, "loops": point.loops, "values": options.values,
              "min_time": options.min_time}
    child = _worker(target, config, options.timeout)
    answer = child.result if isinstance(child.result, dict) else None
    if answer is not None and not answer.get("error"):
        point.loops = answer["loops"]
        point.runs[round_] = answer["values"]
        point.cpu_share += answer["cpu_share"]
        point.cpu_runs[round_] = answer["per_cpu_second"]
        point.gil_enabled = bool(point.gil_enabled) or answer["gil_enabled"]
        point.peak_rss_kb = max(point.peak_rss_kb, answer["peak_rss_kb"])
    elif answer is not None:
        point.status, point.error = RAISED, answer["message"]
    elif child.timed_out:
        point.status, point.error = HUNG, f"no answer within {options.timeout:g}s (killed)"
    elif child.signal is not None:
        point.status, point.error = CRASHED, f"killed by {child.signal}"
    else:
        point.status, point.error = CRASHED, child.describe()


def run(workload: str, targets: list[Target], options: Options, progress: Progress = None) -> Result:
    workload = os.path.abspath(workload)
    declaration = describe(workload, targets, options)
    points = {}
    for target in targets:
        for variant in declaration.variants:
            for mode in declaration.modes:
                for threads in options.threads:
                    key = Key(target.id, variant, mode, threads)
                    points[key] = Point(key, statistic=options.statistic)
    by_id = {t.id: t for t in targets}
    groups = [(m, t) for m in declaration.modes for t in options.threads]
    result = Result(workload, declaration, targets, options, points, machine.describe())
    rng = random.Random(options.seed)
    start = time.monotonic()
    deadline = start + options.budget
    if progress:
        progress(0, int(options.budget * 10))
    try:
        while True:
            open_groups = [g for g in groups if any(_open(p, options) for k, p in points.items()
                                                    if (k.mode, k.threads) == g)]
            if not open_groups or (result.rounds and time.monotonic() >= deadline):
                break
            rng.shuffle(open_groups)
            for mode, threads in open_groups:
                members = [p for k, p in points.items()
                           if (k.mode, k.threads) == (mode, threads) and p.status == OK]
                rng.shuffle(members)
                for point in members:  # every ok point of an open group, so the round's pairs stay whole
                    if result.rounds and time.monotonic() >= deadline:
                        break
                    sample(workload, by_id[point.key.target], point, result.rounds, options)
                    if progress:
                        progress(min(int((time.monotonic() - start) * 10), int(options.budget * 10)), None)
            result.rounds += 1
    except KeyboardInterrupt:
        stop_children()
        resume_children()
        result.interrupted = True
    result.seconds = time.monotonic() - start
    result.machine["load_average_after"] = machine.load_average()
    return result

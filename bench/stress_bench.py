"""ftkit stress benchmarks, printed as ratios measured side by side in one run.

  detection: median seconds (and trials) to the first finding on the seed's matrix race
             (examples/matrix/scenario.py on matrix_unsafe), 20 seeds
  overhead:  per-operation cost the engine adds vs a plain Python `threading` loop doing the
             same recording (barrier per trial, call/return timestamps, results kept)
  checker:   a 100,000-operation keyed register history, an 8 x 50 unkeyed one, the recorded files

Run with the project's free-threaded venv: `make bench-stress` (writes build/bench/stress.json).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))  # harness.examples: the Matrix example, built

from ftkit import _core  # noqa: E402


def detection(seeds: int) -> dict:
    from ftkit.stress import StressOptions, run
    from harness.examples import matrix_example

    scenario = matrix_example("unsafe", sys.executable, Path(tempfile.mkdtemp(prefix="ftkit-bench-")))
    times, trials, verdicts = [], [], {}
    for seed in range(seeds):
        options = StressOptions(trials=1_000_000, duration=120, seed=seed, replays=0, minimise=False)
        result = run(str(scenario), options)
        if result.findings:
            f = result.findings[0]
            times.append(f.found_after_s)
            trials.append(f.trial + 1)
            verdicts[f.verdict] = verdicts.get(f.verdict, 0) + 1
        else:
            times.append(float("inf"))
    return {"seeds": seeds, "found": sum(t != float("inf") for t in times),
            "median_s": statistics.median(times), "max_s": max(times),
            "median_trials": statistics.median(trials) if trials else None, "verdicts": verdicts}


def overhead(trials: int, threads: int = 2, ops: int = 5) -> dict:
    # The operation: list.append of a small int (~40 ns, so the harnesses dominate), on a list
    # per thread: shared objects would add contention (the engine's threads really overlap,
    # the threading loop's mostly do not), which is not harness overhead.
    targets = [[] for _ in range(threads)]
    fn, arg = targets[0].append, (1,)

    # a) the bare operation, one thread
    n = trials * threads * ops
    t0 = time.perf_counter_ns()
    for _ in range(n):
        fn(*arg)
    bare = (time.perf_counter_ns() - t0) / n

    # b) plain threading: reused threads, a Barrier per trial, timestamps and results recorded
    start, done = threading.Barrier(threads + 1), threading.Barrier(threads + 1)
    calls = [[(targets[t].append, tuple([1]))] * ops for t in range(threads)]  # nothing shared
    records = [[None] * ops for _ in range(threads)]

    def worker(t):
        mine, out, clock = calls[t], records[t], time.monotonic_ns
        for _ in range(trials):
            start.wait()
            for i, (f, a) in enumerate(mine):
                c = clock()
                r = f(*a)
                out[i] = (r, c, clock())
            done.wait()

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    t0 = time.perf_counter_ns()
    for _ in range(trials):
        start.wait()
        done.wait()
    plain = (time.perf_counter_ns() - t0) / n
    for th in pool:
        th.join()

    # c) the engine: same calls, strategy none, threads reused, spin barrier
    runner = _core.StressRunner(threads)
    steps = [[(0, 0, "none", 0)] * ops for _ in range(threads)]
    t0 = time.perf_counter_ns()
    for _ in range(trials):
        runner.run(steps, calls)
    engine = (time.perf_counter_ns() - t0) / n
    runner.close()
    return {"trials": trials, "shape": f"{threads} x {ops}", "bare_ns_per_op": round(bare, 1),
            "threading_ns_per_op": round(plain, 1), "engine_ns_per_op": round(engine, 1),
            "threading_overhead_ns": round(plain - bare, 1), "engine_overhead_ns": round(engine - bare, 1),
            "overhead_ratio": round((plain - bare) / max(engine - bare, 1e-9), 2)}


def register_history(threads: int, per_thread: int, keys: int | None, seed: int) -> list[tuple]:
    """A linearizable register (or map of registers) history: each op takes effect at a random
    instant inside its interval, as an atomic register would."""
    rng = random.Random(seed)
    pending = []
    for t in range(threads):
        clock = rng.randrange(5)
        for _ in range(per_thread):
            kind = rng.randrange(2)
            ret = clock + 1 + rng.randrange(20)
            key = rng.randrange(keys) if keys else None
            pending.append([t, kind, rng.randrange(3) if kind == 0 else None, None, clock, ret, key,
                            rng.uniform(clock, ret)])
            clock = ret + 1 + rng.randrange(3)
    values: dict = {}
    for op in sorted(pending, key=lambda o: o[7]):
        if op[1] == 0:
            values[op[6]] = op[2]
        else:
            op[3] = values.get(op[6], 0)
    return [tuple(op[:7]) for op in pending]


def checker() -> dict:
    out = {}
    for name, ops in [("keyed_100k", register_history(8, 12500, 1000, 1)),
                      ("unkeyed_8x50", register_history(8, 50, None, 2))]:
        t0 = time.perf_counter()
        result = _core.check_history(ops, "register")
        seconds = time.perf_counter() - t0
        out[name] = {"ops": len(ops), "verdict": result["verdict"], "seconds": round(seconds, 4),
                     "ops_per_s": round(len(ops) / seconds), "steps": result["steps"],
                     "cache_hits": result["cache_hits"], "partitions": result["partitions"]}
    recorded = {}
    for path in sorted((REPO / "tests" / "stress_support" / "histories").glob("*.hist")):
        text = path.read_text()
        model = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("# model:"))
        t0 = time.perf_counter()
        for _ in range(1000):
            _core.check_history_text(text, model)
        recorded[path.stem] = round((time.perf_counter() - t0) / 1000 * 1e6, 2)
    out["recorded_us_per_check"] = recorded
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=20)
    p.add_argument("--overhead-trials", type=int, default=3000)
    p.add_argument("--only", choices=("detection", "overhead", "checker"))
    p.add_argument("--json", type=Path, default=REPO / "build" / "bench" / "stress.json")
    args = p.parse_args()
    results = {}
    if args.only in (None, "checker"):
        results["checker"] = checker()
        for name in ("keyed_100k", "unkeyed_8x50"):
            r = results["checker"][name]
            print(f"checker {name:13s} {r['ops']:>7} ops  {r['verdict']:8s} {r['seconds']:.3f} s  "
                  f"{r['ops_per_s']:>10,} ops/s  ({r['partitions']} parts, {r['steps']} steps)")
    if args.only in (None, "overhead"):
        # Short trials (Lincheck's shape) measure the per-trial cost (waking threads, barriers);
        # long ones measure the per-operation cost (recording, calling).
        long_trials = max(args.overhead_trials // 100, 10)
        results["overhead"] = [overhead(args.overhead_trials), overhead(long_trials, ops=1000)]
        for r in results["overhead"]:
            print(f"overhead {r['shape']} x {r['trials']} trials: bare {r['bare_ns_per_op']} ns/op, "
                  f"threading loop +{r['threading_overhead_ns']} ns/op, engine +{r['engine_overhead_ns']} ns/op "
                  f"-> the engine adds {r['overhead_ratio']}x less")
    if args.only in (None, "detection"):
        r = results["detection"] = detection(args.seeds)
        print(f"detection on the matrix race: found in {r['found']}/{r['seeds']} seeds, median "
              f"{r['median_s']:.2f} s ({r['median_trials']} trials), max {r['max_s']:.2f} s, {r['verdicts']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""ftkit's linearizability checker side by side with Porcupine itself, in one run on one machine.

Porcupine (Go) comes from the Go module proxy (tools/harness/porcupine.py) and a tiny driver,
bench/checker_porcupine/main.go, is built against it under ${FTKIT_CACHE}/porcupine/driver-*.
Both sides check the same JSON-lines files (converted once from Porcupine's own test logs, plus
synthetic register histories) against the same models, each file repeated until --min-seconds
and timed by its best run; parsing is outside the timing on both sides. Each side runs each
group of files in its own process, whose peak RSS (getrusage via wait4) is reported too.
Porcupine checks partitions on goroutines (GOMAXPROCS = the machine's cores); ftkit on one thread.

  ratio = Porcupine's time / ftkit's time: above 1, ftkit is faster.

Run: `make bench-checker` (writes build/bench/checker.json).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

from ftkit.history import Op, read_history, read_jsonl, write_jsonl  # noqa: E402
from ftkit.interpreters.cache import cache_root  # noqa: E402
from harness import porcupine  # noqa: E402

DRIVER_SOURCE = REPO / "bench" / "checker_porcupine" / "main.go"
HARD_ETCD = 8  # rows for the etcd logs Porcupine takes longest on; all 102 are in the totals


def build_driver() -> Path:
    digest = hashlib.sha256(DRIVER_SOURCE.read_bytes() + porcupine.VERSION.encode()).hexdigest()[:16]
    folder = cache_root() / "porcupine" / f"driver-{digest}"
    binary = folder / "porcupine-driver"
    if binary.exists():
        return binary
    porcupine.module_dir()  # fetched and verified into the shared module cache
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    shutil.copy(DRIVER_SOURCE, tmp / "main.go")
    (tmp / "go.mod").write_text(f"module ftkitbench\n\ngo 1.21\n\n"
                                f"require {porcupine.MODULE} {porcupine.VERSION}\n")
    for cmd in (["mod", "tidy"], ["build", "-o", "porcupine-driver", "."]):
        subprocess.run([porcupine.go(), *cmd], cwd=tmp, env=porcupine.go_env(), check=True, timeout=900)
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return binary


def synthetic_register(clients: int, per_client: int, seed: int, bad: bool) -> list[Op]:
    """An atomic register's history: every write a new value, each op taking effect at a random
    instant of its interval. `bad` changes one read in the middle to a value never written."""
    rng = random.Random(seed)
    pending, value = [], 1
    for t in range(clients):
        clock = rng.randrange(10)
        for _ in range(per_client):
            write = rng.random() < 0.5
            ret = clock + 1 + rng.randrange(40)
            pending.append([t, write, value if write else None, None, clock, ret, rng.uniform(clock, ret)])
            value += write
            clock = ret + 1 + rng.randrange(5)
    current = 0
    for op in sorted(pending, key=lambda o: o[6]):
        if op[1]:
            current = op[2]
        else:
            op[3] = current
    ops = [Op(t, "write" if w else "read", (v,) if w else (), None if w else r, c, e)
           for t, w, v, r, c, e, _ in pending]
    if bad:
        reads = [op for op in ops if op.name == "read"]
        reads[len(reads) // 2].result = 10**9
    return ops


def histories(folder: Path) -> dict[str, list[tuple[str, Path]]]:
    """Group -> [(name, file)], the files in ftkit's JSON-lines format with the model in the header."""
    folder.mkdir(parents=True, exist_ok=True)
    groups: dict[str, list[tuple[str, Path]]] = {"etcd": [], "kv": [], "register": []}

    def put(group: str, name: str, ops: list[Op], model: str) -> None:
        path = folder / f"{name}.jsonl"
        if not path.exists():
            path.write_text(write_jsonl(ops, model))
        groups[group].append((name, path))

    for n, (log, _ok) in sorted(porcupine.etcd_logs().items()):
        put("etcd", f"etcd_{n:03d}", read_history(log).ops, "cas-register")
    for log, _ok, partitioned in porcupine.kv_logs().values():
        if partitioned:
            put("kv", log.stem, read_history(log).ops, "kv")
    for clients in (2, 4, 8, 12, 16):
        put("register", f"register_{clients:02d}c_ok", synthetic_register(clients, 50, clients, False), "register")
        put("register", f"register_{clients:02d}c_bad", synthetic_register(clients, 25, clients, True), "register")
    return groups


def worker(model: str, min_seconds: float, files: list[str]) -> None:
    """ftkit's side in its own process, printing what the Go driver prints."""
    from ftkit import _core
    from ftkit.history.check import core_ops

    for file in files:
        history = read_jsonl(Path(file).read_text())
        ops = _core.CheckerHistory(core_ops(history.ops, _core.history_model_kinds(model)))
        best, start, runs = float("inf"), time.perf_counter(), 0
        while runs == 0 or time.perf_counter() - start < min_seconds:
            t0 = time.perf_counter()
            r = _core.check_history(ops, model)
            best = min(best, time.perf_counter() - t0)
            runs += 1
        print(json.dumps({"file": file, "verdict": r["verdict"], "seconds": best, "steps": r["steps"],
                          "table_bytes": r["peak_memory"]}), flush=True)


def run_side(cmd: list[str]) -> tuple[dict[str, dict], int]:
    """Run one side's process; its JSON lines by file, and its peak RSS in bytes."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{cmd[0]} failed with status {status}")
    rows = {json.loads(line)["file"]: json.loads(line) for line in out.splitlines() if line.strip()}
    return rows, usage.ru_maxrss * 1024  # Linux reports kilobytes


def best_of(old: dict[str, dict], new: dict[str, dict]) -> dict[str, dict]:
    return {f: r if f not in old or r["seconds"] < old[f]["seconds"] else old[f] for f, r in new.items()}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--min-seconds", type=float, default=0.2, help="repeat each file at least this long")
    p.add_argument("--rounds", type=int, default=2, help="runs of each side, alternating (best kept)")
    p.add_argument("--json", type=Path, default=REPO / "build" / "bench" / "checker.json")
    p.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(args.worker[0], args.min_seconds, args.worker[1:])
        return 0
    driver = build_driver()
    groups = histories(cache_root() / "porcupine" / "bench-histories")
    models = {"etcd": "cas-register", "kv": "kv", "register": "register"}
    results: dict = {"machine": {"cores": os.cpu_count()}, "groups": {}}
    print(f"{'history':22s} {'ops':>5s} {'verdict':>17s} {'ftkit ms':>10s} {'porcupine ms':>13s} {'ratio':>6s}")
    for group, items in groups.items():
        files = [str(path) for _, path in items]
        # Each side twice, alternating, best of both: load from other processes on a shared
        # machine then slows both sides alike instead of whichever ran during it.
        ours, theirs, our_rss, their_rss = {}, {}, 0, 0
        for _ in range(args.rounds):
            rows, rss = run_side([sys.executable, __file__, "--min-seconds", str(args.min_seconds),
                                  "--worker", models[group], *files])
            ours, our_rss = best_of(ours, rows), max(our_rss, rss)
            rows, rss = run_side([str(driver), models[group], str(args.min_seconds), "0", *files])
            theirs, their_rss = best_of(theirs, rows), max(their_rss, rss)
        rows = []
        for name, path in items:
            a, b = ours[str(path)], theirs[str(path)]
            ops = sum(1 for line in path.read_text().splitlines()[1:] if line)
            rows.append({"name": name, "ops": ops, "ftkit": a, "porcupine": b,
                         "ratio": b["seconds"] / a["seconds"], "agree": a["verdict"] == b["verdict"]})
        shown = rows
        if group == "etcd":
            shown = sorted(rows, key=lambda r: r["porcupine"]["seconds"])[-HARD_ETCD:]
        for r in shown:
            verdicts = r["ftkit"]["verdict"] + ("" if r["agree"] else "/" + r["porcupine"]["verdict"] + "!")
            print(f"{r['name']:22s} {r['ops']:5d} {verdicts:>17s} {r['ftkit']['seconds'] * 1e3:10.3f} "
                  f"{r['porcupine']['seconds'] * 1e3:13.3f} {r['ratio']:6.2f}")
        ours_total = sum(r["ftkit"]["seconds"] for r in rows)
        theirs_total = sum(r["porcupine"]["seconds"] for r in rows)
        summary = {"files": len(rows), "agree": sum(r["agree"] for r in rows),
                   "ftkit_seconds": ours_total, "porcupine_seconds": theirs_total,
                   "ratio_of_totals": theirs_total / ours_total,
                   "geomean_ratio": statistics.geometric_mean([r["ratio"] for r in rows]),
                   "ftkit_peak_rss": our_rss, "porcupine_peak_rss": their_rss,
                   "ftkit_peak_table_bytes": max(r["ftkit"]["table_bytes"] for r in rows)}
        results["groups"][group] = {"summary": summary, "rows": rows}
        print(f"  {group}: {summary['agree']}/{summary['files']} verdicts agree; "
              f"total {ours_total * 1e3:.1f} ms vs "
              f"{theirs_total * 1e3:.1f} ms (ratio {summary['ratio_of_totals']:.2f}, geomean "
              f"{summary['geomean_ratio']:.2f}); peak RSS ftkit {our_rss / 2**20:.0f} MiB (search tables "
              f"{summary['ftkit_peak_table_bytes'] / 2**20:.1f} MiB) vs Porcupine {their_rss / 2**20:.0f} MiB")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

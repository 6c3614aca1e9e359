"""Build bench/locks_bench.cpp against several interpreters, run it, print ftkit/raw cost ratios.

Usage: python bench/locks_ratios.py [--json OUT] [VARIANT ...]   (default: 3.14t 3.13t 3.15t 3.14 3.12)
       [--repetitions N] [--min-time S] [--filter REGEX] [--out-dir DIR]   (a short run, as the test does)
Each binary embeds its interpreter and measures both sides of every pair in the same run, with
the two sides alternating in timed blocks of 4000 operations inside one benchmark, so that load
from other processes hits both alike; the ratio is the median of the per-block ratios, then the
median over repetitions. 1.00 means no cost. In the contended pair two threads enter each block
together (a spin barrier outside the timed region).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "python"))
sys.path.insert(0, str(REPO / "tools"))
from harness.interpreters import prepare as interpreter  # noqa: E402  (pyenv GIL builds, else the bootstrap)

ROWS = [  # (row label, benchmark): "pair/..." are measured A/B-interleaved inside one benchmark
    ("critical_section", "pair/critical_section"),
    ("critical_section2", "pair/critical_section2"),
    ("mutex, uncontended", "pair/mutex_uncontended"),
    ("mutex, 2 threads contending", "pair/mutex_contended_2threads"),
    ("dict_get_item_ref", "pair/dict_get_item_ref"),
    ("once (after init) vs atomic flag", "pair/once_done"),
    ("borrow guard, shared vs none", "pair/borrow_shared_vs_none"),
    ("borrow guard, exclusive vs none", "pair/borrow_exclusive_vs_none"),
    ("borrow guard, shared vs raw critical_section", "pair/borrow_shared_vs_critical_section"),
]


def build(variant: str, python: str, out_dir: Path) -> Path:
    config = python + "-config"
    includes = subprocess.run([config, "--includes"], capture_output=True, text=True, check=True).stdout
    ldflags = subprocess.run([config, "--embed", "--ldflags"], capture_output=True, text=True,
                             check=True).stdout
    libdir = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_config_var('LIBDIR'))"],
                            capture_output=True, text=True, check=True).stdout.strip()
    exe = out_dir / f"locks_bench-{variant}"
    cmd = ["g++", "-std=c++17", "-O2", "-DNDEBUG", *shlex.split(includes), "-I", str(REPO / "include"),
           str(REPO / "bench" / "locks_bench.cpp"), "-o", str(exe), *shlex.split(ldflags),
           f"-Wl,-rpath,{libdir}", "-lbenchmark", "-lpthread"]
    subprocess.run(cmd, check=True)
    return exe


def run(exe: Path, repetitions: int, min_time: float = 0.1, only: str = ".") -> dict[str, dict]:
    """Per benchmark: for "pair/X" the medians of ratio, raw_ns, helper_ns over repetitions; for
    the others the median CPU time per operation (ns)."""
    out = subprocess.run([str(exe), "--benchmark_format=json", f"--benchmark_repetitions={repetitions}",
                          "--benchmark_enable_random_interleaving=true", f"--benchmark_min_time={min_time}",
                          f"--benchmark_filter={only}"],
                         capture_output=True, text=True, check=True,
                         env={k: v for k, v in os.environ.items() if k != "PYTHON_GIL"})
    samples: dict[str, dict[str, list[float]]] = {}
    for b in json.loads(out.stdout)["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        name = b["run_name"].split("/min_time")[0].split("/real_time")[0].split("/threads:")[0]
        got = samples.setdefault(name, {})
        if name.startswith("pair/"):
            for key in ("ratio", "raw_ns", "helper_ns"):
                got.setdefault(key, []).append(b[key])
        else:
            got.setdefault("ns", []).append(b["cpu_time"])
    return {name: {k: statistics.median(v) for k, v in got.items()} for name, got in samples.items()}


def cell(t: dict[str, dict], bench: str) -> str:
    if bench.startswith("pair/"):
        ratio, raw, helper = t[bench]["ratio"], t[bench]["raw_ns"], t[bench]["helper_ns"]
    else:
        helper, raw = t[f"ftkit/{bench}"]["ns"], t[f"raw/{bench}"]["ns"]
        ratio = helper / raw
    if max(helper, raw) < 1.0:
        # Both sides are the empty benchmark loop (helper and raw API compile to nothing): a ratio
        # of two sub-nanosecond timings is loop alignment, not cost.
        return f"both < 1 ns ({helper:.1f} vs {raw:.1f})"
    return f"{ratio:.2f} ({helper:.1f} vs {raw:.1f} ns)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("variants", nargs="*", default=["3.14t", "3.13t", "3.15t", "3.14", "3.12"])
    ap.add_argument("--repetitions", type=int, default=9)
    ap.add_argument("--min-time", type=float, default=0.1, help="seconds per benchmark (Google Benchmark)")
    ap.add_argument("--filter", default=".", help="only benchmarks matching this regex")
    ap.add_argument("--out-dir", type=Path, default=REPO / "build" / "bench", help="where binaries go")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    results = {}
    for variant in args.variants:
        exe = build(variant, interpreter(variant), args.out_dir)
        results[variant] = run(exe, args.repetitions, args.min_time, args.filter)
    header = "| helper vs raw C API | " + " | ".join(args.variants) + " |"
    print(header)
    print("|" + " --- |" * (len(args.variants) + 1))
    for label, bench in ROWS:
        measured = bench if bench.startswith("pair/") else f"raw/{bench}"
        if all(measured in results[v] for v in args.variants):  # --filter may leave rows out
            print(f"| {label} | " + " | ".join(cell(results[v], bench) for v in args.variants) + " |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

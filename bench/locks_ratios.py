"""Build bench/locks_bench.cpp against several interpreters, run it, print ftkit/raw cost ratios.

Usage: python bench/locks_ratios.py [--json OUT] [VARIANT ...]   (default: 3.14t 3.13t 3.14 3.12)
Each binary embeds its interpreter and measures both sides of every pair in the same run, with
repetitions randomly interleaved so that machine noise hits both sides alike; the ratio is of the
medians. A ratio of 1.00 means no cost; the contended pair is wall-clock time per operation.
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
sys.path.insert(0, str(REPO / "tests"))
from locks.interpreters import interpreter  # noqa: E402  (pyenv GIL builds, else the bootstrap)

PAIRS = [  # (row label, helper benchmark, raw benchmark)
    ("critical_section", "ftkit/critical_section", "raw/critical_section"),
    ("critical_section2", "ftkit/critical_section2", "raw/critical_section2"),
    ("mutex, uncontended", "ftkit/mutex_uncontended", "raw/mutex_uncontended"),
    ("mutex, 2 threads contending", "ftkit/mutex_contended_2threads", "raw/mutex_contended_2threads"),
    ("dict_get_item_ref", "ftkit/dict_get_item_ref", "raw/dict_get_item_ref"),
    ("once (after init) vs atomic flag", "ftkit/once_done", "raw/once_done"),
    ("borrow guard, shared vs none", "ftkit/borrow_shared", "raw/borrow_none"),
    ("borrow guard, exclusive vs none", "ftkit/borrow_exclusive", "raw/borrow_none"),
    ("borrow guard, shared vs raw critical_section", "ftkit/borrow_shared", "raw/critical_section"),
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


def run(exe: Path, repetitions: int, min_time: float = 0.1, only: str = ".") -> dict[str, float]:
    out = subprocess.run([str(exe), "--benchmark_format=json", f"--benchmark_repetitions={repetitions}",
                          "--benchmark_enable_random_interleaving=true", f"--benchmark_min_time={min_time}",
                          f"--benchmark_filter={only}"],
                         capture_output=True, text=True, check=True,
                         env={k: v for k, v in os.environ.items() if k != "PYTHON_GIL"})
    samples: dict[str, list[float]] = {}
    for b in json.loads(out.stdout)["benchmarks"]:
        if b.get("run_type") == "iteration":
            name = b["run_name"].split("/real_time")[0].split("/threads:")[0]
            samples.setdefault(name, []).append(b["real_time"] if "contended" in name else b["cpu_time"])
    return {name: statistics.median(v) for name, v in samples.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("variants", nargs="*", default=["3.14t", "3.13t", "3.14", "3.12"])
    ap.add_argument("--repetitions", type=int, default=9)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    out_dir = REPO / "build" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    results = {}
    for variant in args.variants:
        exe = build(variant, interpreter(variant), out_dir)
        results[variant] = run(exe, args.repetitions)
    header = "| helper vs raw C API | " + " | ".join(args.variants) + " |"
    print(header)
    print("|" + " --- |" * (len(args.variants) + 1))
    for label, helper, raw in PAIRS:
        cells = []
        for variant in args.variants:
            t = results[variant]
            if max(t[helper], t[raw]) < 1.0:
                # Both sides are the empty benchmark loop (the helper and the raw API compile to
                # nothing): a ratio of two sub-nanosecond timings is loop alignment, not cost.
                cells.append(f"both < 1 ns ({t[helper]:.1f} vs {t[raw]:.1f})")
            else:
                cells.append(f"{t[helper] / t[raw]:.2f} ({t[helper]:.1f} vs {t[raw]:.1f} ns)")
        print(f"| {label} | " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""What strict mode and gilcheck cost, as ratios measured side by side in one run (run with .venv's 3.14t).

1. Strict mode's import overhead for a module that declares support: load the same multi-phase
   module in-process (module_from_spec + exec_module, the path `import` takes), with the watcher
   installed vs not, in alternating rounds; then whole processes `python -c "import mod"` with
   FTKIT_STRICT_GIL=1 vs unset, alternating (adds the start-up import of the hook).
   Times are the best of many runs: on a shared machine the minimum is the stable statistic.
2. gilcheck's cost vs the floor, a bare `python -c "import mod"` process: one probe process, and
   the whole command per module (two probes per module plus the command's own start-up).

Usage: .venv/bin/python bench/strict_overhead.py [--loads 300] [--rounds 30] [--procs 30] [--modules 8]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

from ftkit.gilcheck.probe import run_probe  # noqa: E402
from ftkit.strict.hook import Watcher  # noqa: E402
from harness.compile_ext import build_extension  # noqa: E402
from harness.sources import multi_phase  # noqa: E402


def load_many(path: Path, name: str, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return (time.perf_counter() - start) / n


def in_process(path: Path, loads: int, rounds: int) -> tuple[float, float]:
    """Best per-load time bare and watched, alternating short rounds (the min resists a busy machine)."""
    bare, strict = [], []
    load_many(path, "bench_fine", 50)  # warm the dlopen handle and caches
    for _ in range(rounds):
        bare.append(load_many(path, "bench_fine", loads))
        watcher = Watcher(lambda flip: None).install()
        strict.append(load_many(path, "bench_fine", loads))
        watcher.uninstall()
    return min(bare), min(strict)


def process_pair(cmd: list[str], env_a: dict, env_b: dict, cwd: Path, n: int) -> tuple[float, float]:
    """Best wall time of cmd under env_a and env_b, the two runs alternating."""
    a, b = [], []
    for _ in range(n):
        for env, out in ((env_a, a), (env_b, b)):
            start = time.perf_counter()
            subprocess.run(cmd, env=env, cwd=cwd, check=True, capture_output=True)
            out.append(time.perf_counter() - start)
    return min(a), min(b)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--loads", type=int, default=300, help="loads per round")
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--procs", type=int, default=30, help="processes per condition")
    p.add_argument("--modules", type=int, default=8, help="modules in the gilcheck run")
    p.add_argument("--fresh", type=int, default=20, help="distinct modules imported per process")
    args = p.parse_args()
    py = sys.executable
    env = {k: v for k, v in os.environ.items() if k not in ("FTKIT_STRICT_GIL", "PYTHON_GIL")}
    fine = build_extension(multi_phase("bench_fine", "not_used"), "bench_fine", py)

    bare, strict = in_process(fine, args.loads, args.rounds)
    print(f"strict mode, re-load of an already loaded declaring module (worst case): {bare * 1e6:.2f} us bare, "
          f"{strict * 1e6:.2f} us watched -> ratio {strict / bare:.3f}")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(fine, work)
        t_bare, t_strict = process_pair([py, "-c", "import bench_fine"], env,
                                        env | {"FTKIT_STRICT_GIL": "1"}, work, args.procs)
        print(f"strict mode, whole process `python -c 'import bench_fine'`: {t_bare * 1e3:.1f} ms bare, "
              f"{t_strict * 1e3:.1f} ms with FTKIT_STRICT_GIL=1 -> ratio {t_strict / t_bare:.3f}")

        mods = work / "mods"
        mods.mkdir()
        for i in range(max(args.modules, args.fresh)):
            name = f"bench_mod{i}"
            shutil.copy(build_extension(multi_phase(name, "not_used"), name, py), mods)
        # First imports, as a program does them: find on sys.path, dlopen, init; timed inside the
        # process so start-up does not dilute the ratio.
        code = ("import sys, time; from ftkit.strict.hook import Watcher\n"
                "if sys.argv[1] == 'watched': Watcher(lambda flip: None).install()\n"
                f"t = time.perf_counter()\nfor i in range({args.fresh}): __import__(f'bench_mod{{i}}')\n"
                "print(time.perf_counter() - t)")
        fresh = {"bare": [], "watched": []}
        for _ in range(args.procs):
            for cond in fresh:
                out = subprocess.run([py, "-c", code, cond], env=env | {"PYTHONPATH": str(mods)}, cwd=mods,
                                     check=True, capture_output=True, text=True).stdout
                fresh[cond].append(float(out) / args.fresh)
        f_bare, f_watched = min(fresh["bare"]), min(fresh["watched"])
        print(f"strict mode, first import of a declaring module ({args.fresh} modules per process): "
              f"{f_bare * 1e6:.1f} us bare, {f_watched * 1e6:.1f} us watched -> ratio {f_watched / f_bare:.3f}")
        probe_env = env | {"PYTHONPATH": str(mods)}
        floors, probes = [], []
        for _ in range(args.procs):
            start = time.perf_counter()
            subprocess.run([py, "-c", "import bench_mod0"], env=probe_env, cwd=mods, check=True,
                           capture_output=True)
            floors.append(time.perf_counter() - start)
            start = time.perf_counter()
            run_probe(py, "bench_mod0", "default", probe_env, str(mods), 60)
            probes.append(time.perf_counter() - start)
        floor, probe = min(floors), min(probes)
        print(f"gilcheck, one probe process: {probe * 1e3:.1f} ms vs bare `python -c 'import mod'` "
              f"{floor * 1e3:.1f} ms -> ratio {probe / floor:.2f}")
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([py, "-m", "ftkit", "gilcheck", str(mods), "--jobs", "1", "--format", "json"],
                           env=env, check=True, capture_output=True)
            runs.append((time.perf_counter() - start) / args.modules)
        per_module = min(runs)
        print(f"gilcheck, whole command per module (2 probes: default + PYTHON_GIL=0, --jobs 1, "
              f"{args.modules} modules): {per_module * 1e3:.1f} ms vs bare {floor * 1e3:.1f} ms "
              f"-> ratio {per_module / floor:.2f} (2.0 = the two processes alone)")


if __name__ == "__main__":
    main()

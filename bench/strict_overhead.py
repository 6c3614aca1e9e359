#!/usr/bin/env python3
"""What strict mode and gilcheck cost, as ratios measured side by side in one run (run with .venv's 3.14t).

1. Strict mode's import overhead for a module that declares support: load the same multi-phase
   module N times in-process (module_from_spec + exec_module, the path `import` takes), with
   the watcher installed vs not, alternating rounds; then whole processes `python -c "import mod"`
   with FTKIT_STRICT_GIL=1 vs unset (adds the start-up import of the hook).
2. gilcheck's cost vs the floor, a bare `python -c "import mod"` process: one probe process, and
   the whole command per module (two probes per module plus the command's own start-up).

Usage: .venv/bin/python bench/strict_overhead.py [--loads 2000] [--procs 40] [--modules 8]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from ftkit.gilcheck.probe import child_source, run_probe  # noqa: E402
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


def in_process(path: Path, loads: int, rounds: int = 7) -> tuple[float, float]:
    bare, strict = [], []
    load_many(path, "bench_fine", 50)  # warm the dlopen handle and caches
    for _ in range(rounds):
        bare.append(load_many(path, "bench_fine", loads))
        watcher = Watcher(lambda flip: None).install()
        strict.append(load_many(path, "bench_fine", loads))
        watcher.uninstall()
    return statistics.median(bare), statistics.median(strict)


def process_times(cmd: list[str], env: dict, cwd: Path, n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--loads", type=int, default=2000)
    p.add_argument("--procs", type=int, default=40)
    p.add_argument("--modules", type=int, default=8)
    args = p.parse_args()
    py = sys.executable
    env = {k: v for k, v in os.environ.items() if k not in ("FTKIT_STRICT_GIL", "PYTHON_GIL")}
    fine = build_extension(multi_phase("bench_fine", "not_used"), "bench_fine", py)

    bare, strict = in_process(fine, args.loads)
    print(f"strict mode, in-process load of a declaring module: {bare * 1e6:.2f} us bare, "
          f"{strict * 1e6:.2f} us watched -> ratio {strict / bare:.3f}")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(fine, work)
        cmd = [py, "-c", "import bench_fine"]
        t_bare = t_strict = 0.0
        for _ in range(2):  # interleave the two conditions to share the machine's noise
            t_bare += process_times(cmd, env, work, args.procs // 2)
            t_strict += process_times(cmd, env | {"FTKIT_STRICT_GIL": "1"}, work, args.procs // 2)
        print(f"strict mode, whole process `python -c 'import bench_fine'`: {t_bare / 2 * 1e3:.1f} ms bare, "
              f"{t_strict / 2 * 1e3:.1f} ms with FTKIT_STRICT_GIL=1 -> ratio {t_strict / t_bare:.3f}")

        mods = work / "mods"
        mods.mkdir()
        for i in range(args.modules):
            name = f"bench_mod{i}"
            shutil.copy(build_extension(multi_phase(name, "not_used"), name, py), mods)
        floor = process_times([py, "-c", "import bench_mod0"], env | {"PYTHONPATH": str(mods)}, mods,
                              args.procs // 2)
        probe_env = env | {"PYTHONPATH": str(mods)}
        source = child_source()
        probes = []
        for _ in range(args.procs // 2):
            start = time.perf_counter()
            run_probe(py, "bench_mod0", "default", probe_env, str(mods), 60, source)
            probes.append(time.perf_counter() - start)
        probe = statistics.median(probes)
        print(f"gilcheck, one probe process: {probe * 1e3:.1f} ms vs bare `python -c 'import mod'` "
              f"{floor * 1e3:.1f} ms -> ratio {probe / floor:.2f}")
        start = time.perf_counter()
        subprocess.run([py, "-m", "ftkit", "gilcheck", str(mods), "--jobs", "1", "--format", "json"],
                       env=env, check=True, capture_output=True)
        per_module = (time.perf_counter() - start) / args.modules
        print(f"gilcheck, per module (2 probes: default + PYTHON_GIL=0, --jobs 1, {args.modules} modules): "
              f"{per_module * 1e3:.1f} ms vs bare `python -c 'import mod'` {floor * 1e3:.1f} ms "
              f"-> ratio {per_module / floor:.2f} (2.0 = the two processes alone)")


if __name__ == "__main__":
    main()

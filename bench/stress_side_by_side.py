"""ftkit stress side by side with pytest-run-parallel and racecheck (both from PyPI) on the race
corpus (tests/stress_support/races): per race and tool, found or not and seconds to the first
finding, each tool run as its README shows (bench/side_by_side/), repeated until it fails or a
cap of --cap seconds, `--runs` times. A run that crashes (SIGSEGV, SIGABRT) counts as found.

    .venv/bin/python bench/stress_side_by_side.py [--runs 3] [--cap 30] [--races a,b]
The other tools run in their own venv (build/bench/sbs-venv: the same 3.14t interpreter with
pytest, pytest-run-parallel and racecheck), so they never load into this project's test runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

from ftkit.stress import StressOptions, run  # noqa: E402
from harness.races import RACES, race_scenario  # noqa: E402

HERE = Path(__file__).resolve().parent / "side_by_side"
VENV = REPO / "build" / "bench" / "sbs-venv"
NEVER = float("inf")


def tools_python() -> str:
    """The venv with the other tools, made on first use from this interpreter's base."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys._base_executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "pytest",
                        "pytest-run-parallel", "racecheck"], check=True)
    return str(python)


def until_found(cmd: list[str], cwd: Path, cap: float) -> float:
    """Run cmd again and again until it fails (a finding or a crash) or cap seconds pass."""
    start = time.monotonic()
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    while time.monotonic() - start < cap:
        try:
            proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                                  timeout=max(1.0, cap - (time.monotonic() - start)))
        except subprocess.TimeoutExpired:
            break
        if proc.returncode != 0:
            return time.monotonic() - start
    return NEVER


def pytest_cmd(python: str, race: str) -> list[str]:
    """The race's test under pytest-run-parallel: 2 threads, 50 iterations each (its README's flags)."""
    return [python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--parallel-threads=2",
            "--iterations=50", "-k", race, "test_run_parallel_races.py"]


def ftkit(scenario: Path, seed: int, cap: float) -> float:
    result = run(str(scenario), StressOptions(seed=seed, duration=cap, replays=0, minimise=False, output_dir=None))
    return result.findings[0].found_after_s if result.findings else NEVER


def show(times: list[float]) -> str:
    found = [t for t in times if t != NEVER]
    median = statistics.median(times)
    return f"{len(found)}/{len(times)} {'-' if median == NEVER else f'{median:.1f}s':>6}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--cap", type=float, default=30.0, help="seconds per run before it counts as not found")
    p.add_argument("--races", default=",".join(RACES))
    p.add_argument("--json", metavar="FILE")
    args = p.parse_args(argv)
    python = tools_python()
    work = Path(tempfile.mkdtemp(prefix="ftkit-side-by-side-"))
    for f in HERE.glob("*.py"):
        shutil.copy(f, work / f.name)
    names = [n for n in args.races.split(",") if n]
    scenarios = {}
    for name in RACES:  # every module first: the pytest-run-parallel file imports them all
        scenarios[name] = race_scenario(name, False, sys.executable, work / name)
        for built in (work / name).glob("*.so"):
            shutil.copy(built, work / built.name)
    rows = []
    print(f"{'race':<12} {'ftkit stress':>14} {'pytest-run-parallel':>20} {'racecheck':>12}  (found/runs, median)")
    for name in names:
        scenario = scenarios[name]
        times = {"ftkit": [ftkit(scenario, seed, args.cap) for seed in range(args.runs)],
                 "pytest-run-parallel": [until_found(pytest_cmd(python, name), work, args.cap)
                                         for _ in range(args.runs)],
                 "racecheck": [until_found([python, "racecheck_races.py", name], work, args.cap)
                               for _ in range(args.runs)]}
        rows.append({"race": name, **times})
        print(f"{name:<12} {show(times['ftkit']):>14} {show(times['pytest-run-parallel']):>20} "
              f"{show(times['racecheck']):>12}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

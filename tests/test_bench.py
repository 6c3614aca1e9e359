"""`ftkit bench` as a user runs it: a variant that raises, crashes or hangs is reported for its
interpreter and thread count while the run goes on; bad input is one line and exit 2; --compare."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

FTKIT = [sys.executable, "-m", "ftkit", "bench"]

# Real failures in the real worker processes: an exception, SIGSEGV, and a sleep past --timeout
# only where the GIL is off (so only the free-threaded interpreter's points hang).
FAILING = """
    import os, signal, sys, time

    VARIANTS = ("ok", "raises", "crashes", "hangs")
    MODES = ("private",)
    FREE = hasattr(sys, "_is_gil_enabled") and not sys._is_gil_enabled()

    def setup(variant):
        return variant

    def work(v):
        if v == "raises":
            raise ValueError("bad cell")
        if v == "crashes":
            os.kill(os.getpid(), signal.SIGSEGV)
        if v == "hangs" and FREE:
            time.sleep(3600)
"""


def bench(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*FTKIT, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=300)


def write(folder: Path, body: str, name: str = "workload.py") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(body))
    return path


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    workload = write(folder, FAILING)
    run = bench(workload, "--threads", "1,2", "--budget", "1", "--min-time", "0.005", "--timeout", "1.5",
                "--format", "json", "--output", folder / "report.json", "--also", f"html={folder / 'report.html'}",
                "--out-dir", folder / "out", cwd=folder)
    return folder, run


def test_raising_crashing_and_hanging_variants_are_reported_and_the_run_goes_on(failing_run):
    folder, run = failing_run
    assert run.returncode == 1, run.stderr  # bench/variant-failed is an error
    report = json.loads((folder / "report.json").read_text())
    data = report["data"]["bench"]
    status = {(p["target"], p["variant"], p["threads"]): (p["status"], p["error"]) for p in data["points"]}
    for target in ("ft", "ft-gil", "gil"):
        for threads in (1, 2):
            assert status[target, "ok", threads] == ("ok", None)
            assert status[target, "raises", threads] == ("raised", "ValueError: bad cell")
            assert status[target, "crashes", threads] == ("crashed", "killed by SIGSEGV")
            hangs = status[target, "hangs", threads]
            assert hangs == (("hung", "no answer within 1.5s (killed)") if target == "ft" else ("ok", None))
    failed = [f for f in report["findings"] if f["rule"] == "bench/variant-failed"]
    assert len(failed) == 6 + 6 + 2 and all(f["severity"] == "error" for f in failed)
    for row in data["free_threaded_vs_gil"]:
        if row["variant"] == "ok":
            assert 0 < row["ft"]["median"] < math.inf and 0 < row["ft-gil"]["median"] < math.inf
    costs = {(r["target"], r["variant"], r["threads"]): r["cost"]["status"] for r in data["lock_cost"]}
    assert costs["gil", "hangs", 2] == "ok" and costs["ft", "hangs", 2] == "hung"
    assert costs["ft", "crashes", 1] == "crashed"
    assert sorted(p.name for p in (folder / "out").iterdir()) == [
        "bench.json", "lock-cost.png", "lock-cost.svg", "throughput.png", "throughput.svg"]
    html = (folder / "report.html").read_text()  # the HTML report embeds both plots
    assert 'id="bench"' in html and html.count("data:image/svg+xml;base64,") == 2


def test_compare_shows_each_point_before_and_after_with_its_status(failing_run):
    folder, _ = failing_run
    run = bench("--compare", folder / "report.json", folder / "out" / "bench.json", "--format", "json",
                cwd=folder)
    assert run.returncode == 0, run.stderr
    points = json.loads(run.stdout)["data"]["bench_compare"]["points"]
    same = [p for p in points if p["status"] == "ok"]
    assert {p["variant"] for p in same} == {"ok", "hangs"}
    assert all(p["change"] == 1.0 and p["significant"] is False for p in same)
    assert {p["status"] for p in points if p["variant"] == "crashes"} == {"crashed"}
    text = bench("--compare", folder / "report.json", folder / "out" / "bench.json", cwd=folder)
    assert "1.00x" in text.stdout and "after / before throughput" in " ".join(text.stdout.split())


@pytest.mark.parametrize(("body", "words"), [
    ("import no_such_module_for_ftkit_bench\ndef work(): pass\n",
     "does not import under 3.14t ModuleNotFoundError: No module named 'no_such_module_for_ftkit_bench'"),
    ("x = 1\n", "declares nothing to run: define work(obj)"),
    ("raise SystemExit(3)\n", "does not import under 3.14t"),
])
def test_a_workload_that_cannot_run_is_one_line_and_exit_2(tmp_path, body, words):
    run = bench(write(tmp_path, body), "--budget", "1", cwd=tmp_path)
    assert run.returncode == 2 and run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ftkit bench: ")
    for word in words.split():
        assert word in lines[0]


def test_bad_arguments_are_one_line_and_exit_2(tmp_path):
    for args, words in ([("missing.py",), "no such workload file: missing.py"],
                        [("--compare", "a.json", "b.json"), "a.json: not a bench result"],
                        [(), "give a WORKLOAD.py"]):
        run = bench(*args, cwd=tmp_path)
        assert run.returncode == 2 and words in run.stderr and len(run.stderr.strip().splitlines()) == 1
    run = bench(write(tmp_path, "def work(): pass\n"), "--threads", "0", cwd=tmp_path)
    assert run.returncode == 2 and "thread counts must be 1 or more" in run.stderr


def test_no_gil_build_and_no_bootstrap_is_exit_2(tmp_path):
    """With an empty ftkit cache and no pyenv or uv, no GIL build of the same version exists here."""
    env = {**os.environ, "FTKIT_CACHE": str(tmp_path / "cache"), "PYENV_ROOT": str(tmp_path / "pyenv"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    run = bench(write(tmp_path, "def work(): pass\n"), "--python", sys.executable, "--no-bootstrap",
                cwd=tmp_path, env=env)
    assert run.returncode == 2 and run.stdout == ""
    assert "no GIL build of CPython 3.14" in run.stderr and "ftkit bootstrap 3.14" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1

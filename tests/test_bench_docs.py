"""docs/bench.md's quick start, run as written: the real Matrix variants built for 3.14t and the GIL
build 3.14, `ftkit bench` on them, and what it writes (tables, bench.json, PNG and SVG plots)."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO, interpreter

VENV_BIN = Path(sys.executable).parent


def quick_start() -> list[str]:
    """The first ```sh block of docs/bench.md, one command a line."""
    text = (REPO / "docs" / "bench.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_quick_start_measures_every_matrix_variant_on_three_interpreters():
    interpreter("3.14t"), interpreter("3.14")  # NotPrepared (make prepare) rather than a build here
    commands = quick_start()
    assert commands[0].startswith("python examples/matrix/build.py") and commands[1].startswith("ftkit bench")
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}", "COLUMNS": "200"}
    env.pop("PYTHON_GIL", None)
    out_dir = REPO / "build" / "bench-quick"
    for stale in out_dir.glob("*"):
        stale.unlink()
    built = subprocess.run(["bash", "-c", commands[0]], cwd=REPO, env=env, capture_output=True, text=True,
                           timeout=600)
    assert built.returncode == 0, built.stderr
    run = subprocess.run(["bash", "-c", commands[1]], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr  # findings here are reviews (spread, load)
    words = " ".join(run.stdout.split())
    assert "free-threaded vs GIL build" in words and "lock cost" in words and "peak RSS 3.14t" in words

    report = json.loads((out_dir / "bench.json").read_text())
    data = report["data"]["bench"]
    assert [t["id"] for t in data["targets"]] == ["ft", "ft-gil", "gil"]
    assert data["targets"][2]["version"] == data["targets"][0]["version"]  # the same CPython source
    assert data["variants"] == ["unsafe", "locked", "global", "borrow"] and data["modes"] == ["shared"]
    assert data["options"]["statistic"] == "cpu"
    assert len(data["points"]) == 3 * 4 * len(data["threads"])
    for point in data["points"]:
        assert point["status"] == "ok", point
        assert point["target"] != "ft" or point["gil_enabled"] is False  # the Matrix keeps the GIL off
        assert 0 < point["throughput"]["median"] < math.inf
        assert 0 < point["cpu_share"] <= 1.05 and len(point["cpu_runs"]) == len(point["runs"])
    for target in data["targets"]:
        assert target["peak_rss_kb"] > 1024
    ratios = [r[k]["median"] for r in data["free_threaded_vs_gil"] for k in ("ft", "ft-gil")]
    ratios += [r["cost"]["median"] for r in data["lock_cost"]]
    assert len(ratios) == 2 * 4 * len(data["threads"]) + 3 * 3 * len(data["threads"])
    assert all(0 < r < math.inf for r in ratios)
    assert {r["contended"] for r in data["lock_cost"]} == ({False, True} if max(data["threads"]) > 1 else {False})

    assert sorted(Path(p).name for p in data["plots"]) == ["lock-cost.svg", "throughput.svg"]
    for svg in data["plots"]:
        assert Path(svg).read_text().lstrip().startswith("<?xml") and Path(svg).with_suffix(".png").read_bytes(
        ).startswith(b"\x89PNG")
    assert sorted(p.name for p in out_dir.iterdir()) == [  # nothing half-written left behind
        "bench.json", "lock-cost.png", "lock-cost.svg", "throughput.png", "throughput.svg"]

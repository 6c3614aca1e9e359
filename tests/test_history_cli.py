"""`ftkit history check` as a user runs it: verdicts as exit codes, text/JSON/HTML, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ftkit.history import Op, write_jsonl
from harness import porcupine

FTKIT = [sys.executable, "-m", "ftkit", "history", "check"]
STALE = [Op(0, "write", (1,), None, 0, 10), Op(1, "read", (), 0, 11, 15), Op(2, "read", (), 1, 12, 20)]


def ftkit(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*FTKIT, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_verdicts_are_exit_codes_and_text_names_the_window(tmp_path):
    bad = tmp_path / "stale.jsonl"
    bad.write_text(write_jsonl(STALE, "register"))
    proc = ftkit(bad, cwd=tmp_path)  # the header names the model
    assert proc.returncode == 1, proc.stderr
    assert "history/not-linearizable" in proc.stdout and "read() -> 0" in proc.stdout
    assert "failing window" in proc.stdout
    good = tmp_path / "good.jsonl"
    good.write_text(write_jsonl(STALE[:1] + STALE[2:]))
    proc = ftkit(good, "--model", "register", cwd=tmp_path)
    assert proc.returncode == 0 and "verdict      ok" in proc.stdout


def test_json_carries_the_per_thread_timeline(tmp_path):
    bad = tmp_path / "stale.jsonl"
    bad.write_text(write_jsonl(STALE, "register"))
    proc = ftkit(bad, "--format", "json", cwd=tmp_path)
    data = json.loads(proc.stdout)["data"]
    assert data["verdict"] == "illegal" and data["window"]
    lanes = data["timeline"]
    assert set(lanes) <= {"0", "1", "2"} and "1" in lanes
    marks = {e["op"]: e["mark"] for lane in lanes.values() for e in lane}
    assert marks[1] == "*" and marks[0] == "+"


def test_undecided_is_not_a_pass(tmp_path):
    wide = [Op(t, "write", (t + 1,), None, 0, 100) for t in range(12)] + \
           [Op(20 + t, "read", (), t + 1, 0, 100) for t in range(12)] + [Op(40, "read", (), 999, 0, 100)]
    path = tmp_path / "wide.jsonl"
    path.write_text(write_jsonl(wide, "register"))
    proc = ftkit(path, "--max-memory", "1", cwd=tmp_path)
    assert proc.returncode == 1
    assert "history/undecided" in proc.stdout and "memory budget of 1 MiB" in proc.stdout


@pytest.mark.slow
def test_porcupine_c50_bad_html_and_conversion(tmp_path):
    path = porcupine.kv_logs()["Kv50ClientsBad"][0]
    page, converted = tmp_path / "c50.html", tmp_path / "c50.jsonl"
    proc = ftkit(path, "--model", "kv", "--format", "html", "-o", page, "--convert", converted, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    html = page.read_text()
    assert "NOT linearizable" in html and "<svg" in html and "class=\"op focus\"" in html
    assert "http" not in html.replace("http://www.w3.org/2000/svg", "")  # self-contained
    again = ftkit(converted, "--format", "json", cwd=tmp_path)  # the header keeps the model
    assert json.loads(again.stdout)["data"]["verdict"] == "illegal"


@pytest.mark.slow
def test_bad_input_is_one_line_and_exit_2(tmp_path):
    junk = tmp_path / "junk.jsonl"
    junk.write_text('{"thread": 0, "op": "write", "args": [1], "call": 0, "ret": 1}\nnot json\n')
    plain = tmp_path / "plain.jsonl"
    plain.write_text(write_jsonl(STALE))
    for args, message in [((junk, "-m", "register"), "line 2: not JSON"),
                          ((tmp_path / "missing.jsonl", "-m", "register"), "No such file"),
                          ((plain,), "names no model"),
                          ((plain, "-m", "stack"), "unknown model"),
                          ((plain, "-m", "queue"), "'write' is not one of this model's"),
                          ((plain, "-m", "register", "--max-steps", "0"), "--max-steps must be at least 1")]:
        proc = ftkit(*args, cwd=tmp_path)
        assert proc.returncode == 2, (args, proc.stdout)
        assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_model_from_a_module_of_the_user(tmp_path):
    """--model MODULE:NAME loads an ftkit.history.Model; its describe names the operations."""
    (tmp_path / "mymodels.py").write_text(
        "from ftkit.history import Model\n"
        "def step(s, op):\n"
        "    return (True, op.args[0]) if op.name == 'write' else (op.result == s, s)\n"
        "register = Model(init=lambda: 0, step=step, describe=lambda op: f'<{op.name}>')\n")
    path = tmp_path / "stale.jsonl"
    path.write_text(write_jsonl(STALE))
    proc = ftkit(path, "--model", "mymodels:register", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "<read>" in proc.stdout and "mymodels:register" in proc.stdout
    proc = ftkit(path, "--model", "mymodels:nothing", cwd=tmp_path)
    assert proc.returncode == 2 and "mymodels has no nothing" in proc.stderr
    proc = ftkit(path, "--model", "missing_module:x", cwd=tmp_path)
    assert proc.returncode == 2 and "cannot import missing_module" in proc.stderr

"""A finding made is never lost to a file that cannot be written (issue 12, "Unwritable output").

A report file (-o), a repro folder (--repro-dir, or the default beside -o) or a converted history
that cannot be written costs one line on stderr; the finding still comes out on stdout and the
exit code says what was found (1), or 2 for a clean run whose requested output is missing.
Root writes into read-only folders, so the tests make writes fail in ways root cannot get
past: a path under a regular file (its folder cannot be made) and /dev/full (ENOSPC), which must
be written in place, never renamed over (as root that would replace the device itself).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

from ftkit.history import Op, write_jsonl

# Every trial breaks the invariant: a finding in trial 0, without any race.
BROKEN = """
from ftkit.stress import Scenario

scenario = Scenario(list, invariant=lambda items: len(items) > 99)
scenario.op(lambda items: items.append(1), name="append")
"""
CLEAN = """
from ftkit.stress import Scenario

scenario = Scenario(list)
scenario.op(lambda items: len(items), mutates=False, name="size")
"""


def stress(tmp_path, text, *extra):
    path = tmp_path / "scenario.py"
    path.write_text(text)
    return subprocess.run([sys.executable, "-m", "ftkit", "stress", str(path), "--replays", "2", "--no-minimise",
                           *map(str, extra)], capture_output=True, text=True, timeout=300, cwd=tmp_path)


def words(text: str) -> str:
    return " ".join(text.split())


def test_a_report_file_that_cannot_be_written_leaves_the_finding_on_stdout(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    proc = stress(tmp_path, BROKEN, "--trials", "5", "-o", blocker / "report.json", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"ftkit stress: cannot write the report to {blocker}: File exists; it follows on stdout"]
    finding = json.loads(proc.stdout)["findings"][0]
    assert finding["rule"] == "stress/invariant-broken"
    # The repro folder defaults to the report's folder, which cannot be made either: said in the finding.
    assert finding["evidence"]["repro_error"].startswith(f"no repro script: cannot create {blocker}"), finding


def test_an_unwritable_repro_dir_costs_the_script_not_the_finding(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    proc = stress(tmp_path, BROKEN, "--trials", "5", "--repro-dir", blocker / "repros")
    assert proc.returncode == 1, proc.stderr
    text = words(proc.stdout)
    assert "stress/invariant-broken" in text and "no repro script: cannot create" in text
    assert "Traceback" not in proc.stderr


def test_a_clean_run_whose_report_cannot_be_written_exits_2_with_the_report_on_stdout(tmp_path):
    proc = stress(tmp_path, CLEAN, "--trials", "20", "-o", "/dev/full")
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stderr.strip().splitlines() == [
        "ftkit stress: cannot write the report to /dev/full: No space left on device; it follows on stdout"]
    assert "ok (no findings; no race found in 20 trials (not a proof))" in words(proc.stdout)
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)  # still the device


def test_history_check_reports_its_verdict_when_the_conversion_or_page_cannot_be_written(tmp_path):
    stale = [Op(0, "write", (1,), None, 0, 10), Op(1, "read", (), 0, 11, 15), Op(2, "read", (), 1, 12, 20)]
    bad = tmp_path / "stale.jsonl"
    bad.write_text(write_jsonl(stale, "register"))
    check = [sys.executable, "-m", "ftkit", "history", "check", str(bad)]
    proc = subprocess.run([*check, "--convert", "/dev/full"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "history/not-linearizable" in proc.stdout, proc.stderr
    assert "cannot write the converted history to /dev/full: No space left on device" in proc.stderr
    proc = subprocess.run([*check, "--format", "html", "-o", "/dev/full"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1 and "history/not-linearizable" in proc.stdout, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "the HTML page" in proc.stderr

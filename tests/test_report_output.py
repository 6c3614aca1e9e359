"""The shared end of every command (commands/output.py): every format on every command, and
--output written whole or not at all."""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shlex
from pathlib import Path

import pytest

from ftkit.cli import build_parser
from ftkit.commands import output
from ftkit.history import Op, write_jsonl
from ftkit.report import Report
from report_support.reports import run_ftkit, wheels_in

DOC = Path(__file__).resolve().parent.parent / "docs" / "formats.md"
# Each command that reports, with arguments that make it report (history: check).
REPORTING = {"doctor": [], "check": [], "bench": ["w.py"], "audit": ["x.whl"], "gilcheck": ["x"],
             "stress": ["s.py"], "history": ["check", "h.hist"]}


@pytest.mark.parametrize("command", sorted(REPORTING))
def test_every_reporting_command_takes_every_format(command):
    parser = build_parser()
    for fmt in output.FORMATS:
        args = parser.parse_args([command, *REPORTING[command], "--format", fmt, "--output", "f"])
        assert args.format == fmt and args.output == "f"


def test_audit_writes_each_format_to_its_file(tmp_path):
    (wheel,) = [w for w in wheels_in(tmp_path) if w.name.startswith("gemmi")]
    starts = {"text": "dist/gemmi-0.7.5", "json": "{", "junit": "<?xml", "sarif": "{", "html": "<!DOCTYPE html>",
              "github": "::error file=dist/gemmi"}
    for fmt, start in starts.items():
        proc = run_ftkit("audit", "--format", fmt, "--output", f"out/report.{fmt}", wheel.relative_to(tmp_path),
                         cwd=tmp_path)
        assert proc.returncode == 1 and proc.stdout == "", (fmt, proc.stderr)
        assert (tmp_path / "out" / f"report.{fmt}").read_text().startswith(start), fmt
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f"report.{f}" for f in starts)


def test_history_check_renders_through_the_same_emit(tmp_path):
    hist = tmp_path / "stale.jsonl"  # a register read returning a value overwritten before it began
    hist.write_text(write_jsonl([Op(0, "write", (1,), None, 0, 10), Op(1, "read", (), 0, 11, 15)], "register"))
    proc = run_ftkit("history", "check", hist, "--format", "sarif", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    (result,) = json.loads(proc.stdout)["runs"][0]["results"]
    assert result["ruleId"] == "history/not-linearizable"
    proc = run_ftkit("history", "check", hist, "--format", "html", "--output", "h.html", cwd=tmp_path)
    assert proc.returncode == 1 and "<svg" in (tmp_path / "h.html").read_text()  # its own lanes page


def test_an_unwritable_output_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "file").write_text("")
    proc = run_ftkit("doctor", "--format", "json", "--output", tmp_path / "file" / "r.json", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "cannot write the report" in proc.stderr


def test_output_is_replaced_whole_or_left_as_it_was(tmp_path, monkeypatch):
    target = tmp_path / "r.json"
    target.write_text("old report\n")
    args = argparse.Namespace(format="json", output=str(target), color="never")
    assert output.emit(Report("doctor", checked="x"), args) == 0
    assert json.loads(target.read_text())["command"] == "doctor"
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask())  # as open() would have made it

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    target.write_text("old report\n")
    assert output.emit(Report("doctor"), args) == 2
    assert target.read_text() == "old report\n"  # never half a report
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # the temporary file is gone


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_the_commands_in_docs_formats_run(tmp_path):
    wheels_in(tmp_path)
    (block,) = re.findall(r"```sh\n(.*?)```", DOC.read_text(), re.S)
    lines = block.strip().splitlines()
    assert {shlex.split(line)[4] for line in lines if "--format" in line} >= set(output.FORMATS) - {"text"}
    for line in lines:
        argv = shlex.split(line)
        assert argv[0] == "ftkit"
        if argv[1] != "audit":  # the stress line needs a scenario of the reader's: it parses
            build_parser().parse_args(argv[1:])
            continue
        argv = [x for a in argv[1:] for x in (sorted(glob.glob(a, root_dir=tmp_path)) if "*" in a else [a])]
        proc = run_ftkit(*argv, cwd=tmp_path)
        assert proc.returncode == 1, (line, proc.stderr)  # gemmi's and greenlet's modules are findings
        out = argv[argv.index("--output") + 1] if "--output" in argv else None
        assert (tmp_path / out).stat().st_size > 0 if out else proc.stdout.startswith("::error file=dist/")


def test_one_run_writes_more_formats_with_also(tmp_path):
    (wheel,) = [w.relative_to(tmp_path) for w in wheels_in(tmp_path) if w.name.startswith("gemmi")]
    proc = run_ftkit("audit", wheel, "--format", "github", "--also", "sarif=r/a.sarif", "--also", "junit=r/a.xml",
                     cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout.startswith("::error file=dist/gemmi"), proc.stderr
    assert json.loads((tmp_path / "r" / "a.sarif").read_text())["version"] == "2.1.0"
    assert (tmp_path / "r" / "a.xml").read_text().startswith("<?xml")
    proc = run_ftkit("audit", wheel, "--also", "pdf=x.pdf", cwd=tmp_path)
    assert proc.returncode == 2 and "expected FORMAT=FILE" in proc.stderr and "Traceback" not in proc.stderr

"""GitHub Actions output: annotations escaped as @actions/core does, and the Markdown summary
appended to $GITHUB_STEP_SUMMARY only inside Actions."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ftkit.report import Finding, Report, Severity, Subject
from ftkit.report.render_github import annotation, escape_data, escape_property, render_github
from report_support.reports import audit_report, run_ftkit, wheels_in


def test_escaping_follows_the_toolkit():
    # @actions/core command.ts: escapeData % \r \n; escapeProperty also : and ,
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext%3A a%2C b"
    f = Finding("audit/gil-undeclared", Severity.ERROR, Subject("module", "m", "dist/a,b:c.whl!p/m.so"),
                "line one\nline two", {"line": 12}, fix="do 100%")
    assert annotation(f) == ("::error file=dist/a%2Cb%3Ac.whl,line=12,title=audit/gil-undeclared%3A Module does "
                             "not declare free-threading support::module m (p/m.so): line one%0Aline two%0Afix: "
                             "do 100%25")


def test_real_audit_annotates_errors_and_reviews_but_not_info(tmp_path):
    report = audit_report(tmp_path)
    lines = render_github(report, cwd=str(tmp_path)).splitlines()
    c = report.counts()
    assert lines[-1] == f"ftkit audit: FAILED (4 error, {c['review']} review, {c['info']} info; 4 files read)"
    errors = [line for line in lines if line.startswith("::error ")]
    notices = [line for line in lines if line.startswith("::notice ")]
    assert len(errors) == 4 and len(notices) == report.counts()["review"]
    assert len(lines) == 4 + len(notices) + 1  # info findings only in the summary
    gemmi = next(line for line in errors if "gemmi_ext" in line)
    assert gemmi.startswith("::error file=dist/gemmi-0.7.5-cp314-cp314t-manylinux_2_27_x86_64."
                            "manylinux_2_28_x86_64.whl,title=audit/gil-undeclared%3A ")
    assert "%0Afix: build with `nanobind_add_module(name FREE_THREADED ...)`" in gemmi


def test_summary_is_appended_only_inside_github_actions(tmp_path):
    wheels = [str(w.relative_to(tmp_path)) for w in wheels_in(tmp_path)]
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary)}
    env.pop("GITHUB_ACTIONS", None)
    proc = run_ftkit("audit", "--format", "github", *wheels, cwd=tmp_path, env=env)
    assert proc.returncode == 1 and summary.read_text() == "earlier step\n"
    assert proc.stdout.count("::error file=dist/") == 4

    proc = run_ftkit("audit", "--format", "github", *wheels, cwd=tmp_path, env={**env, "GITHUB_ACTIONS": "true"})
    assert proc.returncode == 1, proc.stderr
    text = summary.read_text()
    assert text.startswith("earlier step\n## ftkit audit: ❌ FAILED\n")  # appended, the earlier step kept
    assert "| error | [audit/gil-undeclared](" in text and "| module gemmi_ext |" in text
    assert "| module | GIL | abi | generator |" in text  # the audit's tables
    assert re.search(r"`ftkit audit: FAILED \(4 error, \d+ review, \d+ info; 4 files read\)`", text)


def test_a_clean_report_has_no_annotation():
    assert render_github(Report("stress", checked="2000 trials judged")) == \
        "ftkit stress: ok (no findings; 2000 trials judged)\n"


def test_paths_outside_the_workspace_stay_absolute(tmp_path):
    f = Finding("stress/crash", Severity.ERROR, Subject("scenario", "s.py", str(Path("/opt/x/s.py"))), "boom")
    assert annotation(f, cwd=str(tmp_path)).startswith("::error file=/opt/x/s.py,title=stress/crash%3A ")
    inside = Finding("stress/crash", Severity.ERROR, Subject("scenario", "s.py", str(tmp_path / "t" / "s.py")),
                     "boom")
    assert annotation(inside, cwd=str(tmp_path)).startswith("::error file=t/s.py,")

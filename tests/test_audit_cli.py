"""`ftkit audit` as users run it: exit codes, text and JSON, directories, --jobs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from harness.sources import multi_phase

REPO = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ftkit", "audit", *args], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def modules(compile_extension, ft_python, tmp_path_factory):
    d = tmp_path_factory.mktemp("mods")
    for name, gil in (("clean_mod", "not_used"), ("silent_mod", None)):
        shutil.copy(compile_extension(multi_phase(name, gil), name, ft_python), d)
    return d


def test_clean_module_exits_0(modules):
    (clean,) = modules.glob("clean_mod*.so")
    proc = run(str(clean), "--color", "never")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not-used" in proc.stdout and "proven" in proc.stdout


def test_undeclared_module_exits_1_and_names_it(modules):
    proc = run(str(modules), "--format", "json", "--jobs", "2")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    jsonschema.validate(report, json.loads((REPO / "docs" / "report.schema.json").read_text()))
    (finding,) = [f for f in report["findings"] if f["rule"] == "audit/gil-undeclared"]
    assert finding["subject"]["name"] == "silent_mod" and finding["severity"] == "error"
    assert finding["confidence"] == "proven" and "Py_mod_gil" in finding["evidence"]["evidence"]
    verdicts = {m["module"]: m["gil"]["verdict"] for f in report["data"]["files"] for m in f["modules"]}
    assert verdicts == {"clean_mod": "not-used", "silent_mod": "undeclared"}


def test_missing_path_exits_2_with_one_line(tmp_path):
    proc = run(str(tmp_path / "nope.whl"))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "no such file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unreadable_wheel_exits_2(tmp_path):
    bad = tmp_path / "bad-1.0-py3-none-any.whl"
    bad.write_bytes(b"not a zip at all" * 10)
    proc = run(str(bad))
    assert proc.returncode == 2 and "cannot read" in proc.stderr and "Traceback" not in proc.stderr


def test_unreadable_wheel_is_reported_as_such_never_ok(tmp_path):
    # What a failed download leaves: an HTML page named .whl. It printed "ok (no findings)", exit 2.
    bad = tmp_path / "junk.whl"
    bad.write_text("<html><body>502 Bad Gateway</body></html>\n")
    proc = run(str(bad), "--color", "never")
    assert proc.returncode == 2
    summary = proc.stdout.rstrip().splitlines()[-1]
    assert summary.startswith("ftkit audit: FAILED") and "could not be read: exit 2" in summary
    assert "audit/unreadable-input" in proc.stdout and "junk.whl" in proc.stdout
    report = json.loads(run(str(bad), "--format", "json").stdout)
    assert report["failed"] and [f["rule"] for f in report["findings"]] == ["audit/unreadable-input"]


def test_bad_jobs_is_a_usage_error(modules):
    assert run(str(modules), "--jobs", "0").returncode == 2


def test_jobs_give_the_same_result(modules):
    one = json.loads(run(str(modules), "--format", "json", "--jobs", "1").stdout)
    four = json.loads(run(str(modules), "--format", "json", "--jobs", "4").stdout)
    assert one["findings"] == four["findings"] and one["data"] == four["data"]


def test_verify_import_confirms_each_verdict(modules, ft_python):
    proc = run(str(modules), "--verify-import", "--python", ft_python, "--format", "json")
    report = json.loads(proc.stdout)
    confirmed = {f["subject"]["name"]: f["evidence"]["gil_enabled_after_load"]
                 for f in report["findings"] if f["rule"] == "audit/verify-import"}
    assert confirmed == {"clean_mod": False, "silent_mod": True}
    assert not [f for f in report["findings"] if f["rule"] == "audit/verify-import-disagrees"]


def test_progress_callback_sees_every_input(modules):
    from ftkit.audit import audit

    calls = []
    audit([str(p) for p in sorted(modules.glob("*.so"))] * 3, jobs=1, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (6, 6) and [d for d, _ in calls] == sorted(d for d, _ in calls)


@pytest.mark.parametrize("columns", [80, 100])
def test_text_on_real_wheels_fits_the_terminal(columns):
    # Issue 11: on a 100-column terminal the table squeezed into unreadable columns and each
    # finding repeated its long wheel name. Now: module names, each wheel's path once per section
    # (table title, findings heading), lines within COLUMNS, summary last.
    import os

    from harness import corpus
    from harness.manifest import CORPUS

    wheels = {w.project: corpus.path(w, "linux") for w in CORPUS if w.project in ("numpy", "contourpy", "gemmi")}
    proc = subprocess.run([sys.executable, "-m", "ftkit", "audit", *map(str, wheels.values()), "--color", "never"],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": str(columns)})
    assert proc.returncode == 1, proc.stderr  # gemmi's nanobind module re-enables the GIL
    lines = proc.stdout.rstrip().splitlines()
    names = [p.name for p in wheels.values()]
    headings = [line for line in lines if any(n in line for n in names)]  # paths as given, whole
    assert all(len(line) <= columns for line in lines if line not in headings), \
        [line for line in lines if len(line) > columns]
    for name in names:
        assert sum(name in line for line in lines) <= 2, name  # the table's title, the findings' heading
    assert "  numpy._core._multiarray_umath  " in proc.stdout and "  gemmi.gemmi_ext  " in proc.stdout
    assert "module gemmi.gemmi_ext: does not declare" in proc.stdout
    assert lines[-1].startswith("ftkit audit: FAILED (1 error")

"""`ftkit check --write-baseline`: known findings stop failing the run, new ones and changed evidence fail."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import REPO
from ftkit import __version__
from ftkit.check.baseline import fingerprint
from ftkit.report import Subject
from ftkit.rules import finding
from test_check import ftkit_check

SINGLE_PHASE = """
#include <Python.h>
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "NAME", NULL, -1, NULL};
PyMODINIT_FUNC PyInit_NAME(void) { return PyModule_Create(&def); }
"""


@pytest.fixture
def project(tmp_path, compile_extension, ft_python):
    (tmp_path / "modules").mkdir()
    built = compile_extension((REPO / "examples" / "gil_declaration" / "forgets.c").read_text(), "forgets",
                              ft_python)
    shutil.copy(built, tmp_path / "modules")
    (tmp_path / "pyproject.toml").write_text("[tool.ftkit]\npaths = ['modules']\nbaseline = 'known.json'\n")
    return tmp_path


def test_known_findings_stop_failing_and_new_ones_still_fail(project, compile_extension, ft_python):
    code, report, err = ftkit_check(project, "--static")
    assert code == 2 and "known.json: no such file" in err  # the file names a baseline: it must exist
    code, report, err = ftkit_check(project, "--static", "--write-baseline")
    assert code == 0, err
    assert "wrote 1 known finding to" in err
    saved = json.loads((project / "known.json").read_text())
    assert saved["ftkit_version"] == __version__
    assert [e["rule"] for e in saved["findings"]] == ["audit/gil-undeclared"]

    code, report, err = ftkit_check(project, "--static")
    assert code == 0, err
    assert report["data"]["verdict"] == "GIL required"  # known, not gone
    assert [f["rule"] for f in report["findings"] if f["rule"] == "check/baselined"] == ["check/baselined"]

    # A new module that re-enables the GIL is a new finding: the run fails again, naming only it.
    other = compile_extension(SINGLE_PHASE.replace("NAME", "other"), "other", ft_python)
    shutil.copy(other, project / "modules")
    code, report, err = ftkit_check(project, "--static")
    assert code == 1, err
    failing = [(f["rule"], f["subject"]["name"]) for f in report["findings"]
               if f["severity"] in ("error", "warning")]
    assert failing == [("audit/gil-undeclared", "other")]


def test_changed_evidence_is_a_new_finding(project, compile_extension, ft_python):
    ftkit_check(project, "--static", "--write-baseline")
    # Same module name, now single-phase: undeclared for another reason (the evidence changed).
    (next((project / "modules").glob("forgets.*"))).unlink()
    single = compile_extension(SINGLE_PHASE.replace("NAME", "forgets"), "forgets", ft_python)
    shutil.copy(single, project / "modules")
    code, report, err = ftkit_check(project, "--static")
    assert code == 1, err
    baselined = next(f for f in report["findings"] if f["rule"] == "check/baselined")
    assert "1 baseline entry is no longer seen" in baselined["message"]


def test_fingerprints_ignore_run_noise_and_release_versions_but_not_evidence(tmp_path):
    s1 = Subject("module", "m", path="dist/p-1.0-cp314-cp314t-linux_x86_64.whl!p/m.cpython-314t.so")
    s2 = Subject("module", "m", path="dist/p-1.1-cp314-cp314t-linux_x86_64.whl!p/m.cpython-314t.so")
    a = finding("gilcheck/gil-enabled", s1, "x", evidence={"mode": "default", "seconds": 0.1, "chain": []})
    b = finding("gilcheck/gil-enabled", s2, "x", evidence={"mode": "default", "seconds": 0.9, "chain": []})
    assert fingerprint(a, tmp_path) == fingerprint(b, tmp_path)
    c = finding("gilcheck/gil-enabled", s2, "x", evidence={"mode": "default", "chain": ["p.other"]})
    assert fingerprint(a, tmp_path) != fingerprint(c, tmp_path)
    unpacked = Subject("module", "m", path="/tmp/ftkit-gilcheck-abc123/p/m.so")
    again = Subject("module", "m", path="/tmp/ftkit-gilcheck-zz9/p/m.so")
    assert fingerprint(finding("gilcheck/import-error", unpacked, "x"), tmp_path) == \
        fingerprint(finding("gilcheck/import-error", again, "x"), tmp_path)


@pytest.mark.parametrize("content, words", [
    ('{"ftkit_baseline": 1, "ftkit_version": "0.0.1", "findings": []}',
     "was written by ftkit 0.0.1, this is ftkit"),
    ("not json", "not a ftkit baseline"),
    ('{"findings": []}', "not a ftkit baseline"),
    ('{"ftkit_baseline": 1, "ftkit_version": "VERSION", "findings": [{"rule": "x"}]}', "has no fingerprint"),
])
def test_a_foreign_or_malformed_baseline_is_one_line_and_exit_2(project, content, words):
    (project / "known.json").write_text(content.replace("VERSION", __version__))
    code, report, err = ftkit_check(project, "--static")
    assert code == 2 and report == {}, err
    assert err.count("\n") == 1 and words in err, err

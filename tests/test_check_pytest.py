"""`ftkit check --pytest ARGS`: the project's tests under the strict plugin, in a child, judged from JUnit."""

from __future__ import annotations

import shutil

import pytest

from conftest import REPO
from test_check import ftkit_check


@pytest.fixture
def project(tmp_path, compile_extension, ft_python):
    """modules/ holds declares and forgets (examples/gil_declaration); tests/ imports them."""
    (tmp_path / "modules").mkdir()
    for name in ("declares", "forgets"):
        built = compile_extension((REPO / "examples" / "gil_declaration" / f"{name}.c").read_text(), name,
                                  ft_python)
        shutil.copy(built, tmp_path / "modules")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text(
        "import pathlib, sys\nsys.path.insert(0, str(pathlib.Path(__file__).parents[1] / 'modules'))\n")
    return tmp_path


def write_test(project, body: str) -> None:
    (project / "tests" / "test_it.py").write_text(body)


def test_passing_tests_with_the_gil_off_make_a_declared_module_ready(project):
    write_test(project, "import threading\n\ndef test_threads():\n    import declares\n"
               "    ts = [threading.Thread(target=lambda: None) for _ in range(4)]\n"
               "    [t.start() for t in ts]; [t.join() for t in ts]\n\ndef test_two():\n    assert 1\n")
    code, report, err = ftkit_check(project, "--exclude", "forgets.*", "--pytest", "tests -q", "modules")
    assert (code, report["data"]["verdict"]) == (0, "ready"), err + str(report["data"].get("pytest"))
    assert report["data"]["pytest"]["passed"] == 2 and report["data"]["pytest"]["gil"] == "disabled"
    assert "pytest --ftkit-strict-gil: 2 passed, the GIL stayed disabled" in report["data"]["evidence"]
    assert report["data"]["classifier"]["supported"].endswith(":: 3 - Stable")


def test_a_test_importing_a_module_that_needs_the_gil_makes_it_gil_required(project):
    write_test(project, "def test_it():\n    import forgets\n")
    # the audit alone would say so too: judge the tests alone by leaving forgets out of the audit
    code, report, err = ftkit_check(project, "--exclude", "forgets.*", "--pytest", "tests", "modules")
    assert (code, report["data"]["verdict"]) == (1, "GIL required"), err
    gil = [f for f in report["findings"] if f["rule"] == "check/pytest-gil-enabled"]
    assert len(gil) == 1 and "forgets" in gil[0]["message"], report["findings"]


def test_failing_tests_make_it_broken_and_are_named(project):
    write_test(project, "def test_ok():\n    import declares\n\ndef test_bad():\n    assert 0\n")
    code, report, err = ftkit_check(project, "--exclude", "forgets.*", "--pytest", "tests", "modules")
    assert (code, report["data"]["verdict"]) == (1, "broken"), err
    failed = next(f for f in report["findings"] if f["rule"] == "check/pytest-failed")
    assert failed["evidence"]["failed"] == ["tests.test_it::test_bad"]
    assert "1 of 2 tests failed" in failed["message"]


def test_a_session_that_collects_nothing_is_reported_not_passed(project):
    code, report, err = ftkit_check(project, "--exclude", "forgets.*", "--pytest", "tests", "modules")
    assert code == 1, err
    assert [f["message"] for f in report["findings"] if f["rule"] == "check/pytest-not-run"] == \
        ["pytest exited with 5 (no tests collected)"]
    assert report["data"]["verdict"] == "declared but untested"

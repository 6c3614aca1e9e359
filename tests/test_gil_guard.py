"""The session guard fails our own suite, naming test and module, when the GIL turns on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.sources import multi_phase

pytest_plugins = ["pytester"]

HARNESS_DIR = str(Path(__file__).resolve().parent)


@pytest.fixture
def guarded(pytester, compile_extension, ft_python):
    """Run a pytest child (never in-process: a flip would poison this session) with the guard."""
    silent = compile_extension(multi_phase("guard_silent", None), "guard_silent", ft_python)
    fine = compile_extension(multi_phase("guard_fine", "not_used"), "guard_fine", ft_python)
    pytester._monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([HARNESS_DIR, str(silent.parent), str(fine.parent)]))

    def run(*args):
        return pytester.runpytest_subprocess("-p", "harness.gil_guard", "-p", "no:cacheprovider", *args)

    return run


def test_flip_inside_a_test_fails_that_test_and_names_the_module(pytester, guarded):
    pytester.makepyfile(test_x="""
        def test_clean():
            import guard_fine
        def test_culprit():
            import guard_silent
        def test_after():
            pass
    """)
    result = guarded()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "*ftkit GIL guard: the GIL was enabled during call of test_x.py::test_culprit; "
        "extension modules newly imported: guard_silent (*guard_silent.cpython-314t*.so)*",
    ])
    assert "GIL WAS ENABLED" in result.stdout.str()


def test_flip_in_conftest_stops_the_session_naming_collection(pytester, guarded):
    pytester.makeconftest("import guard_silent\n")
    pytester.makepyfile(test_y="def test_a():\n    pass\n")
    result = guarded()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*GIL was enabled during conftest loading; extension modules newly imported: guard_silent*"])


def test_flip_at_collection_fails_naming_collection(pytester, guarded):
    pytester.makepyfile(test_v="import guard_silent\n\ndef test_a():\n    pass\n")
    result = guarded()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*GIL was enabled during conftest loading or collection*guard_silent*"])


def test_clean_run_says_the_gil_stayed_off(pytester, guarded):
    pytester.makepyfile(test_z="def test_a():\n    import guard_fine\n")
    result = guarded()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["ftkit GIL guard: GIL stayed disabled for the whole run"])


def test_refuses_to_run_with_python_gil_0(pytester, guarded):
    pytester._monkeypatch.setenv("PYTHON_GIL", "0")
    pytester.makepyfile(test_w="def test_a():\n    pass\n")
    result = guarded()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*PYTHON_GIL=0 would hide every module*"])

"""include/ftkit/locks.hpp under every interpreter: compiled as C, C++17 and C++20 with
-Werror -Wall -Wextra -Wconversion, then its checks run (tests/locks/header_test.c)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from harness.examples import REPO, STRICT, build
from harness.interpreters import interpreter, matrix

SOURCE = REPO / "tests" / "locks" / "header_test.c"
DRIVER = REPO / "tests" / "locks" / "header_driver.py"
MODES = {"c": ("c", ()), "c++17": ("c++", ("-std=c++17",)), "c++20": ("c++", ("-std=c++20",))}
ALL_CHECKS_C = ["refs", "critical_section"]
ALL_CHECKS_CXX = ALL_CHECKS_C + ["mutex", "mutex_releases_gil", "once", "borrow_guard"]


def build_header_test(python: str, mode: str) -> Path:
    lang, std = MODES[mode]
    return build(SOURCE, "ftkit_locks_header_test", python, lang, (*std, *STRICT))


FAST = ("3.14t", "3.14")  # one free-threaded and one GIL build stay in `make test-fast`


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("name", [pytest.param(n, marks=() if n in FAST else pytest.mark.slow) for n in matrix()])
def test_header_compiles_and_passes(name, mode):
    python = interpreter(name)
    module = build_header_test(python, mode)
    proc = subprocess.run([python, str(DRIVER), str(module.parent)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    free_threaded = name.endswith("t")
    assert result["features"]["free_threaded"] == free_threaded
    assert result["gil_enabled"] == (not free_threaded)  # Py_mod_gil declared: the GIL stays off
    assert result["checks"] == (ALL_CHECKS_C if mode == "c" else ALL_CHECKS_CXX)
    if mode != "c":
        assert result["features"]["cplusplus"] == {"c++17": 201703, "c++20": 202002}[mode]
        # The borrow guard is live exactly where threads can overlap without a GIL.
        assert result["borrow_guard_active"] == free_threaded


def test_matrix_covers_every_buildable_interpreter():
    # The bootstrap-built GIL interpreter and all free-threaded ones are always in the matrix.
    assert {"3.9", "3.11", "3.13", "3.14", "3.13t", "3.14t", "3.15t"} <= set(matrix())


def test_borrow_guard_always_keeps_it_on_gil_builds():
    # For methods that release the GIL in the middle, FTKIT_BORROW_GUARD_ALWAYS turns the guard on
    # under the GIL too.
    python = interpreter("3.14")
    module = build(SOURCE, "ftkit_locks_header_test", python, "c++",
                   ("-std=c++17", *STRICT, "-DFTKIT_BORROW_GUARD_ALWAYS"))
    proc = subprocess.run([python, str(DRIVER), str(module.parent)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["borrow_guard_active"] is True

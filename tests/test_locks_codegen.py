"""The helpers cost nothing where they promise to: the compiled code of each helper equals that of
the raw C API it wraps (free-threaded 3.14t), and equals no locking at all on GIL builds (3.14)."""

from __future__ import annotations

import re
import subprocess

import pytest

from harness.compile_ext import interpreter_build_info
from harness.examples import INCLUDE, REPO
from harness.interpreters import interpreter

SOURCE = REPO / "tests" / "locks" / "codegen.cpp"


def function_bodies(python: str) -> dict[str, list[str]]:
    asm = subprocess.run(["g++", "-std=c++17", "-O2", "-S", "-o", "-", "-fno-asynchronous-unwind-tables",
                          "-isystem", interpreter_build_info(python)["include"], "-I", str(INCLUDE),
                          str(SOURCE)], capture_output=True, text=True, check=True).stdout
    bodies: dict[str, list[str]] = {}
    current = None
    for line in asm.splitlines():
        m = re.match(r"^(\w+):$", line)
        if m and not line.startswith(".L"):
            current = m.group(1)
            bodies[current] = []
        elif current and line.strip().startswith(".size"):
            current = None
        elif current and not line.strip().startswith("."):
            # local labels are numbered per file; the instructions are what matters
            bodies[current].append(re.sub(r"\.L\d+", ".L", line.strip()))
    return bodies


@pytest.mark.slow
@pytest.mark.parametrize("pair", ["cs", "cs2", "mutex", "getref"])
def test_helper_compiles_to_the_raw_api_on_free_threaded_builds(pair):
    bodies = function_bodies(interpreter("3.14t"))
    assert bodies[f"ftkit_{pair}"] == bodies[f"raw_{pair}"]
    if pair.startswith("cs"):
        assert any("PyCriticalSection" in line for line in bodies[f"raw_{pair}"])  # really locks


@pytest.mark.slow
@pytest.mark.parametrize("pair", ["cs", "cs2", "borrow"])
def test_helper_compiles_to_nothing_on_gil_builds(pair):
    bodies = function_bodies(interpreter("3.14"))
    assert bodies[f"ftkit_{pair}"] == bodies[f"none_{pair}"]


@pytest.mark.slow
def test_borrow_guard_is_live_on_free_threaded_builds():
    bodies = function_bodies(interpreter("3.14t"))
    assert bodies["ftkit_borrow"] != bodies["none_borrow"]
    assert any("lock" in line for line in bodies["ftkit_borrow"])  # an atomic read-modify-write

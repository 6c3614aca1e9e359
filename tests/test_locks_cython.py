"""ftkit/locks.pxd as shipped in the wheel, used from Cython (PyPI) on free-threaded 3.14t and on
the GIL build 3.14: every declaration compiles and behaves as in C++ (tests/locks/pxd_check.pyx)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.examples import REPO
from harness.interpreters import interpreter
from harness.locks_build import build_cython

PYX = REPO / "tests" / "locks" / "pxd_check.pyx"

CHECK = """
import sys, threading, weakref
sys.path.insert(0, sys.argv[1])
import pxd_check as c

d = {"k": 1}
assert c.dict_get(d, "k") == (1, 1) and c.dict_get(d, "x") == (0, None)
try:
    c.dict_get(d, [])
except TypeError:
    pass
else:
    raise AssertionError("an unhashable key must raise")
assert c.dict_pop(d, "k") == (1, 1) and c.dict_pop(d, "k") == (0, None) and d == {}
s = {1}
r = weakref.ref(s)
assert c.weak_get(r) == (1, s)
del s
assert c.weak_get(r) == (0, None)
assert c.list_get([5, 6], 1) == 6
a, b = [1], [2]
c.swap_first(a, b)
assert (a, b) == ([2], [1])

barrier = threading.Barrier(8)
def work():
    barrier.wait()
    c.init()
    c.add(20000)
ts = [threading.Thread(target=work) for _ in range(8)]
for t in ts: t.start()
for t in ts: t.join()
assert c.add(0) == 160000, c.add(0)
assert c.init() == 1
try:
    outcome = c.Guarded().write_while_reading()
except RuntimeError as e:
    outcome = str(e)
print(outcome)
print("GIL", sys._is_gil_enabled())
"""


@pytest.mark.parametrize("name", ["3.14t", "3.14"])
def test_pxd_declarations_work_from_cython(name, tmp_path):
    python = interpreter(name)
    module = build_cython(PYX, "pxd_check", python, sys.executable)
    proc = subprocess.run([python, "-c", CHECK, str(module.parent)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    outcome, gil = proc.stdout.splitlines()
    if name.endswith("t"):
        assert outcome.startswith("concurrent mutation of Guarded object:")
        assert gil == "GIL False"
    else:
        assert outcome == "no conflict detected"  # the guard compiles to nothing under the GIL


# Issue 11 item 12: `cimport ftkit.locks` from a C-mode module printed three "Using 'cppclass' while
# Cython is not in c++ mode" warnings; the C++ classes now live in ftkit/locks_cpp.pxd.
C_MODE = """# cython: language_level=3, freethreading_compatible=True
from cpython.object cimport PyObject
cimport ftkit.locks
from ftkit.locks cimport ftkit_critical_section, ftkit_critical_section_begin, ftkit_critical_section_end

def first(lst):
    cdef ftkit_critical_section cs
    ftkit_critical_section_begin(&cs, <PyObject *>lst)
    try:
        return ftkit.locks.ftkit_list_get_item_ref(lst, 0)
    finally:
        ftkit_critical_section_end(&cs)
"""
CPP_MODE = """# cython: language_level=3, freethreading_compatible=True
# distutils: language = c++
cimport ftkit.locks  # the C part, as before the split
from ftkit.locks_cpp cimport ftkit_list_get_item_ref, mutex

cdef mutex lock

def first(lst):
    lock.lock()
    try:
        return ftkit_list_get_item_ref(lst, 0)  # re-exported from ftkit.locks
    finally:
        lock.unlock()
"""


@pytest.mark.parametrize("mode, source", [("c", C_MODE), ("c++", CPP_MODE)])
def test_c_and_cpp_modules_cimport_without_warnings(mode, source, tmp_path):
    pyx = tmp_path / "pxd_mode.pyx"
    pyx.write_text(source)
    # Cython's own warnings, from the pxd files installed with ftkit (cythonize's cache would hide them).
    proc = subprocess.run([sys.executable, "-m", "cython", "-3", "--warning-errors",
                           *(["--cplus"] if mode == "c++" else []), str(pyx), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == "" and proc.stdout == "", proc.stderr + proc.stdout
    python = interpreter("3.14t")
    module = build_cython(pyx, "pxd_mode", python, sys.executable, cplus=mode == "c++")
    run = subprocess.run([python, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import pxd_mode; "
                          "print(pxd_mode.first([7, 8]), sys._is_gil_enabled())", str(module.parent)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout == "7 False\n", run.stderr

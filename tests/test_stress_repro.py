"""Repro scripts for every scenario form docs/stress.md shows: written, run alone, and racing.

Issue 17: every script written for a scenario declaring its operations with `@scenario.op(...)`
failed with NameError before racing anything. Each case here writes the script for a plan of a
racy object, runs it in a fresh interpreter, and asserts it shows the race: exit 1 with an
impossible result or a broken invariant, or a crash. Two racy objects: a pure-Python counter (a
read, some work, a write: lost updates) and examples/matrix's unsafe Matrix (a C extension whose
M[i, i] = v past the edge reallocates the cells while others read them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from ftkit.stress import repro
from ftkit.stress.scenario import load
from harness.chance import found_in
from harness.examples import build_matrix

COUNTER = '''
from ftkit.stress import Scenario, ints
import threading


class Counter:
    """n += 1 in two steps with work between them: concurrent calls lose updates."""

    def __init__(self):
        self.n = 0
        self.calls = 0
        self.lock = threading.Lock()

    def incr(self, by=1):
        with self.lock:
            self.calls += by
        n = self.n
        for _ in range(300):
            pass
        self.n = n + by
        return self.n
'''

DECORATED = """
    scenario = Scenario(Counter)

    @scenario.op(name="incr")
    def incr(c):
        return c.incr()

    @scenario.op(mutates=False, name="get")
    def get(c):
        return c.n
"""


MATRIX = '''
from ftkit.stress import Scenario, ints
from matrix_unsafe import Matrix
'''

# Every form declares op 0 "set" (M[i, i] = 1.0, i from ints(0, 40)) and op 1 "det".
MATRIX_FORMS = {
    "lambdas": """
        scenario = Scenario(Matrix)
        scenario.op(lambda m, i: m.__setitem__((i, i), 1.0), args=[ints(0, 40)], name="set")
        scenario.op(lambda m: m.det(), mutates=False, name="det")
    """,
    "decorators": """
        scenario = Scenario(Matrix)

        @scenario.op(args=[ints(0, 40)], name="set")
        def set_diagonal(m, i):
            m[i, i] = 1.0

        @scenario.op(mutates=False, name="det")
        def det(m):
            return m.det()
    """,
    "helper_functions": """
        def grow(m, i):
            m[i, i] = 1.0

        def determinant(m):
            return m.det()

        scenario = Scenario(Matrix)
        scenario.op(lambda m, i: grow(m, i), args=[ints(0, 40)], name="set")
        scenario.op(determinant, mutates=False, name="det")
    """,
    # A class the file defines is the shared object, its methods the operations; the extension's
    # own method (Matrix.det, which has no Python source) is an operation too.
    "classes": """
        class Grid:
            def __init__(self):
                self.m = Matrix()

            def set(self, i):
                self.m[i, i] = 1.0

            def det(self):
                return Matrix.det(self.m)

        scenario = Scenario(Grid)
        scenario.op(Grid.set, args=[ints(0, 40)], name="set")
        scenario.op(Grid.det, mutates=False, name="det")
    """,
    "invariant": """
        class Tracked:
            \"\"\"The Matrix and the cells written: a write lost to a concurrent grow breaks the invariant.\"\"\"

            def __init__(self):
                self.m, self.written = Matrix(), set()

        def every_write_kept(t):
            return all(t.m[i, i] == 1.0 for i in t.written)

        scenario = Scenario(Tracked, invariant=every_write_kept)

        @scenario.op(args=[ints(0, 40)], name="set")
        def set_cell(t, i):
            t.written.add(i)
            t.m[i, i] = 1.0

        scenario.op(lambda t: t.m.det(), mutates=False, name="det")
    """,
    "fingerprint_and_class_method": """
        scenario = Scenario(Matrix, fingerprint=lambda m: (len(m), m.det()))
        scenario.op(lambda m, i: m.__setitem__((i, i), 1.0), args=[ints(0, 40)], name="set")
        scenario.op(Matrix.det, mutates=False, name="det")
    """,
}

# Both threads grow the matrix (argument seeds give indices across 0..40) and take its det.
MATRIX_PLAN = [[[0, 0, "none", 0], [1, 0, "none", 0], [0, 1, "none", 0], [0, 2, "none", 0], [1, 0, "none", 0]],
               [[0, 10, "none", 0], [0, 11, "none", 0], [1, 0, "none", 0], [0, 12, "none", 0], [1, 0, "none", 0]]]


@pytest.fixture(scope="module")
def matrix_unsafe(ft_python) -> str:
    return str(build_matrix(ft_python, "unsafe"))


@pytest.mark.slow
@pytest.mark.race
@pytest.mark.parametrize("form", sorted(MATRIX_FORMS))
def test_the_repro_script_of_a_matrix_scenario_runs_alone_and_races(form, matrix_unsafe, tmp_path):
    shutil.copy(matrix_unsafe, tmp_path)
    path = tmp_path / f"{form}.py"
    path.write_text(MATRIX + textwrap.dedent(MATRIX_FORMS[form]))
    script = repro.write(load(path), MATRIX_PLAN, str(tmp_path / "repro.py"), "crash")
    text = script.read_text()
    assert "scenario.op" not in text and "Scenario(" not in text and "from ftkit" not in text

    def attempt(_):
        proc = subprocess.run([sys.executable, str(script), "20000"], capture_output=True, text=True,
                              timeout=300, cwd=tmp_path / "..")
        assert proc.returncode < 0 or "Traceback" not in proc.stderr, proc.stderr  # the script itself broke
        raced = proc.returncode < 0 or (proc.returncode == 1 and (
            "results no serial order produces" in proc.stdout or "invariant" in proc.stdout))
        return raced, (proc.returncode, proc.stdout[-300:], proc.stderr[-300:])

    found_in(1, (1, 2, 3), attempt)


def test_a_non_scenario_decorator_is_kept(tmp_path):
    path = tmp_path / "s.py"
    path.write_text(COUNTER + textwrap.dedent("""
        import functools

        scenario = Scenario(Counter)

        @scenario.op(name="incr")
        @functools.lru_cache(maxsize=None)
        def incr(c):
            return c.incr()
    """))
    script = repro.write(load(path), [[[0, 1, "none", 0]]], str(tmp_path / "r.py"), "x")
    text = script.read_text()
    assert "@functools.lru_cache(maxsize=None)\ndef incr(c):" in text
    assert "@scenario" not in text


@pytest.mark.race
def test_ftkit_stress_runs_the_script_it_wrote_and_says_whether_it_reproduced(tmp_path):
    path = tmp_path / "decorated.py"
    path.write_text(COUNTER + textwrap.dedent(DECORATED))
    proc = subprocess.run([sys.executable, "-m", "ftkit", "stress", str(path), "--trials", "20000", "--replays",
                           "20", "--no-minimise", "--format", "json", "--repro-dir", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr
    evidence = json.loads(proc.stdout)["findings"][0]["evidence"]
    assert evidence["repro_check"].startswith(("reproduced on its own", "not reproduced on its own")), evidence
    assert "repro_error" not in evidence


def test_a_script_that_cannot_run_alone_is_reported_as_broken(tmp_path):
    """A statement naming the Scenario is left out of the script; an op needing it breaks it."""
    path = tmp_path / "broken.py"
    path.write_text(COUNTER + textwrap.dedent("""
        scenario = Scenario(Counter, invariant=lambda c: c.n < 3)
        STEP = len(scenario.ops) + 1

        scenario.op(lambda c: c.incr(STEP), name="incr")
    """))
    proc = subprocess.run([sys.executable, "-m", "ftkit", "stress", str(path), "--trials", "50", "--replays", "2",
                           "--no-minimise", "--format", "json", "--repro-dir", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr
    finding = json.loads(proc.stdout)["findings"][0]
    # The invariant breaks in every trial; the lost update (incr's results) shows first when two
    # incr() calls really overlap, as the default plans make them (issue 17): either is the race.
    assert finding["rule"] in ("stress/invariant-broken", "stress/not-linearizable")
    error = finding["evidence"]["repro_error"]
    assert error.startswith("the script fails on its own: exit 1: NameError: name 'STEP' is not defined"), error


def test_a_name_error_raised_inside_the_library_is_the_operations_result_not_a_broken_script(tmp_path):
    """pyyaml's loader raised UnboundLocalError (a NameError) under a race: the script must count
    it as what the operation did, and keep treating a NameError in its own code as breakage."""
    (tmp_path / "shaky.py").write_text("def lookup(flag):\n    if flag:\n        value = 1\n    return value\n")
    path = tmp_path / "s.py"
    path.write_text(COUNTER + textwrap.dedent("""
        import shaky

        scenario = Scenario(Counter)
        scenario.op(lambda c: shaky.lookup(False), name="lookup")
    """))
    script = repro.write(load(path), [[[0, 1, "none", 0]], [[0, 2, "none", 0]]], str(tmp_path / "r.py"), "x")
    proc = subprocess.run([sys.executable, str(script), "50"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "not reproduced in 50 runs" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize(("debug_alloc", "reproduced"), [(True, False), (False, True)])
def test_a_race_found_under_the_debug_allocator_is_replayed_under_it(tmp_path, debug_alloc, reproduced):
    """A use after free shows only with freed memory poisoned: the script of a finding whose trial
    ran under PYTHONMALLOC=debug starts itself under it, whatever the user's environment says."""
    path = tmp_path / "s.py"
    path.write_text(textwrap.dedent("""
        import os

        from ftkit.stress import Scenario

        scenario = Scenario(list, invariant=lambda seen: all(x == "debug" for x in seen))
        scenario.op(lambda seen: seen.append(os.environ.get("PYTHONMALLOC")), name="allocator")
    """))
    script = repro.write(load(path), [[[0, 1, "none", 0]]], str(tmp_path / "r.py"), "x", debug_alloc)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONMALLOC"}
    proc = subprocess.run([sys.executable, str(script), "20"], capture_output=True, text=True, timeout=120,
                          env=env)
    assert (proc.returncode == 1) is reproduced, proc.stdout + proc.stderr

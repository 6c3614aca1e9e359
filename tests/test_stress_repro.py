"""Repro scripts for every scenario form docs/stress.md shows: written, run alone, and racing.

Issue 17: every script written for a scenario declaring its operations with `@scenario.op(...)`
failed with NameError before racing anything. Each case here writes the script for a plan of a
racy pure-Python counter (a read, some work, a write: lost updates on free-threaded CPython),
runs it in a fresh interpreter, and asserts it shows the race: exit 1 with an impossible result
or a broken invariant.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from ftkit.stress import repro
from ftkit.stress.scenario import load
from harness.chance import found_in

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

FORMS = {
    "lambdas": """
        scenario = Scenario(Counter)
        scenario.op(lambda c: c.incr(), name="incr")
        scenario.op(lambda c: c.n, mutates=False, name="get")
    """,
    "decorators": """
        scenario = Scenario(Counter)

        @scenario.op(name="incr")
        def incr(c):
            return c.incr()

        @scenario.op(mutates=False, name="get")
        def get(c):
            return c.n
    """,
    "helper_functions": """
        def bump(counter, by):
            return counter.incr(by)

        def read(counter):
            return counter.n

        scenario = Scenario(Counter)
        scenario.op(lambda c, by: bump(c, by), args=[ints(1, 1)], name="incr")
        scenario.op(read, mutates=False, name="get")
    """,
    "invariant": """
        scenario = Scenario(Counter, invariant=lambda c: c.n == c.calls)

        @scenario.op(name="incr")
        def incr(c):
            c.incr()  # returns nothing: only the invariant can tell

        scenario.op(lambda c: None, mutates=False, name="get")
    """,
    "fingerprint_and_factory_function": """
        def fresh():
            return Counter()

        scenario = Scenario(fresh, fingerprint=lambda c: c.n)
        scenario.op(lambda c: c.incr(), name="incr")

        @scenario.op(mutates=False)
        def get(c):
            return c.n
    """,
}

# Op 0 (incr) five times per thread, op 1 (get) last: 2 x 6 steps.
PLAN = [[[0, s, "none", 0] for s in range(5)] + [[1, 9, "none", 0]] for _ in range(2)]


@pytest.mark.slow
@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.race
def test_the_repro_script_runs_alone_and_races(form, tmp_path):
    path = tmp_path / f"{form}.py"
    path.write_text(COUNTER + textwrap.dedent(FORMS[form]))
    script = repro.write(load(path), PLAN, str(tmp_path / "repro.py"), "not-linearizable")
    expected = "invariant returned False" if form == "invariant" else "results no serial order produces"

    def attempt(_):
        proc = subprocess.run([sys.executable, str(script), "20000"], capture_output=True, text=True,
                              timeout=300, cwd=tmp_path / "..")
        assert "Error" not in proc.stderr, proc.stderr  # NameError, SyntaxError: the script itself broke
        return proc.returncode == 1 and expected in proc.stdout, proc.stdout[-500:]

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
    path.write_text(COUNTER + textwrap.dedent(FORMS["decorators"]))
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
    assert finding["rule"] == "stress/invariant-broken"
    error = finding["evidence"]["repro_error"]
    assert error.startswith("the script fails on its own: exit 1: NameError: name 'STEP' is not defined"), error

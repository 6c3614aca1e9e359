"""The ftkit_stress fixture and marker, end to end in a pytest subprocess (pytester)."""

from __future__ import annotations

import re

import pytest

from pytester_words import words
from stress_support.racy import scenario_dir

pytest_plugins = ["pytester"]


@pytest.fixture
def counters(compile_extension, pytester):
    """The racy and the corrected counter, each with its scenario, inside pytester's folder."""
    scenario_dir("counter", False, compile_extension, pytester.path / "racy")
    scenario_dir("counter", True, compile_extension, pytester.path / "fixed")
    return pytester


@pytest.mark.race
def test_fixture_fails_a_test_on_a_race_and_passes_the_fix(counters):
    counters.makepyfile(test_counter="""
        import pytest

        @pytest.mark.ftkit_stress(trials=20000, seed=1, replays=20, minimise=False)
        def test_racy(ftkit_stress):
            ftkit_stress("racy/counter.py")

        @pytest.mark.ftkit_stress(trials=200, seed=1)
        def test_fixed(ftkit_stress):
            result = ftkit_stress("fixed/counter.py")
            assert result.counts.verdicts == {"passed": 200}
    """)
    result = counters.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_racy*"])
    # Findings wrap to the width (80 in a log), so match the words, not the line breaks.
    assert re.search(r"stress/not-linearizable.*no serial order explains.*Replay: ftkit stress.*--first-trial",
                     words(result)), result.stdout.str()


@pytest.mark.slow
def test_module_level_scenario_and_marker_options(counters):
    counters.makepyfile(test_inline="""
        import sys, pathlib
        sys.path.insert(0, str(pathlib.Path(__file__).parent / "fixed"))
        import fcounter
        from ftkit.stress import Scenario

        scenario = Scenario(fcounter.Counter, fingerprint=lambda c: c.get())
        scenario.op(lambda c: c.incr(), name="incr")

        def test_inline(ftkit_stress):
            result = ftkit_stress(scenario, threads=3, trials=100)
            assert result.options.threads == 3 and result.trials == 100
    """)
    counters.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.mark.slow
def test_marker_is_registered(pytester):
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(["*ftkit_stress(**options)*"])


@pytest.mark.slow
def test_a_scenario_that_exits_fails_the_test_instead_of_passing_it(pytester):
    """Issue 12: zero trials judged used to pass the test."""
    pytester.makepyfile(leaves="""
        import sys
        from ftkit.stress import Scenario
        scenario = Scenario(list)
        scenario.op(lambda lst: sys.exit(0), name="leave")
    """, test_leave="""
        def test_leave(ftkit_stress):
            ftkit_stress("leaves.py", trials=20)
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    assert re.search(r"stress/not-run.*raised SystemExit", words(result)), result.stdout.str()


@pytest.mark.slow
def test_broken_scenarios_and_bad_arguments_fail_in_one_line_each(pytester):
    """Issue 12: a factory, argument generator or fingerprint that raises is a broken scenario, not a
    race; a bad option or argument is the caller's mistake. Each fails its test with one clear
    message naming the cause, never a pass and never a traceback into ftkit."""
    pytester.makepyfile(test_broken="""
        import pytest
        from ftkit.stress import Scenario

        def bad_args(rng):
            raise ValueError("boom")

        def bad_factory():
            raise RuntimeError("no object")

        args = Scenario(list)
        args.op(lambda lst, x: lst.append(x), name="append", args=[bad_args])
        factory = Scenario(bad_factory)
        factory.op(lambda obj: None, name="noop")
        fingerprint = Scenario(list, fingerprint=lambda lst: 1 / 0)
        fingerprint.op(lambda lst: lst.append(1), name="append")

        @pytest.mark.parametrize("name", ["args", "factory", "fingerprint"])
        def test_scenario(ftkit_stress, name):
            ftkit_stress(globals()[name], trials=20)

        def test_bad_option(ftkit_stress):
            ftkit_stress("test_broken.py", timeout=0)

        @pytest.mark.ftkit_stress(no_such_option=1)
        def test_bad_marker(ftkit_stress):
            ftkit_stress("test_broken.py")

        def test_not_a_scenario(ftkit_stress):
            ftkit_stress(42)
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rf")
    result.assert_outcomes(failed=6)
    text = words(result)
    for name, raised in (("bad_args", "ValueError: boom"), ("bad_factory", "RuntimeError: no object"),
                         ("<lambda>", "ZeroDivisionError: division by zero")):
        assert re.search(rf"stress/not-run: .* raised {re.escape(raised)} in {re.escape(name)}\(\) at line \d+ of "
                         r"test_broken\.py .*fix the scenario", text), (name, result.stdout.str())
    assert "stress/crash" not in text and "critical section" not in text  # no race, no lock advice
    result.stdout.fnmatch_lines(["ftkit_stress: --timeout must be a number of seconds above 0*",
                                 "ftkit_stress: *no_such_option*",
                                 "ftkit_stress: pass a scenario file or a module-level Scenario, not int 42"])
    assert "Traceback" not in text and "pytest_support.py" not in text and "def test_" not in text

"""Judging one recorded trial (no threads): the replay model, verdicts and the timeline."""

from __future__ import annotations

import pytest

from ftkit.stress import Scenario, ScenarioError, ints
from ftkit.stress import trial as trial_mod
from ftkit.stress.data import EXCEPTION, INCONCLUSIVE, INVARIANT, NOT_LINEARIZABLE, PASSED
from ftkit.stress.trial import judge


def register() -> Scenario:
    s = Scenario(lambda: {"v": 0}, fingerprint=lambda d: d["v"])
    s.op(lambda d, v: d.__setitem__("v", v), args=[ints(1, 9)], name="write")
    s.op(lambda d: d["v"], mutates=False, name="read")
    return s


def trial(s: Scenario, threads):
    """threads: per thread [(kind, args, result-or-exception, call, ret)] -> judge's verdict."""
    plan = [[(k, a) for k, a, *_ in ops] for ops in threads]
    results = [[r if not isinstance(r, BaseException) else None for _, _, r, _, _ in ops] for ops in threads]
    errors = [[r if isinstance(r, BaseException) else None for _, _, r, _, _ in ops] for ops in threads]
    times = [[(c, e) for *_, c, e in ops] for ops in threads]
    return judge(s, s.factory(), plan, results, errors, times)


def test_overlapping_read_may_see_old_or_new():
    for seen in (0, 5):
        out = trial(register(), [[(0, (5,), None, 0, 10)], [(1, (), seen, 5, 15)]])
        assert out.verdict == PASSED


def test_stale_read_after_write_is_not_linearizable_with_a_timeline():
    out = trial(register(), [[(0, (5,), None, 0, 10)], [(1, (), 0, 20, 30)]])
    assert out.verdict == NOT_LINEARIZABLE
    assert out.detail["window"] == ["thread 1: read() -> 0"]
    assert out.detail["timeline"][0].startswith("+ thread 0 [")
    assert out.detail["timeline"][1].startswith("* thread 1 [") and "read() -> 0" in out.detail["timeline"][1]


def test_exception_no_serial_order_raises_is_its_own_verdict():
    out = trial(register(), [[(0, (5,), None, 0, 10)], [(1, (), KeyError("v"), 20, 30)]])
    assert out.verdict == EXCEPTION
    assert "KeyError" in out.detail["exception"]


def test_exceptions_serial_replay_also_raises_are_fine():
    s = Scenario(list)
    s.op(lambda lst: lst.pop(), name="pop")
    assert trial(s, [[(0, (), IndexError("pop from empty list"), 0, 10)]]).verdict == PASSED


def test_invariant_broken():
    s = Scenario(list, invariant=lambda lst: len(lst) < 2)
    s.op(lambda lst, v: lst.append(v), args=[ints(0, 1)], name="append")
    s.factory = lambda: [1, 2]  # the object the trial left behind
    out = trial(s, [[(0, (1,), None, 0, 10)]])
    assert out.verdict == INVARIANT and out.detail["invariant"] == "returned False"


def test_budget_exhaustion_is_inconclusive(monkeypatch):
    monkeypatch.setattr(trial_mod, "CHECK_BUDGET", 1)
    out = trial(register(), [[(0, (5,), None, 0, 100)], [(0, (6,), None, 0, 100)], [(1, (), 6, 0, 100)]])
    assert out.verdict == INCONCLUSIVE


def test_keys_partition_the_check():
    s = Scenario(dict)
    s.op(lambda d, k, v: d.__setitem__(k, v), args=[ints(0, 1), ints(1, 9)], key=lambda k, v: k, name="put")
    s.op(lambda d, k: d.get(k), args=[ints(0, 1)], key=lambda k: k, mutates=False, name="get")
    out = trial(s, [[(0, (0, 3), None, 0, 10), (1, (1,), None, 20, 30)], [(0, (1, 4), None, 0, 10)]])
    assert out.verdict == NOT_LINEARIZABLE  # get(1) after put(1, 4) returned must see 4
    assert out.detail["checker"]["partitions"] == 2


def test_duplicate_operation_names_are_rejected():
    s = Scenario(list)
    s.op(lambda lst: None, name="a")
    s.op(lambda lst: None, name="a")
    with pytest.raises(ScenarioError, match="unique"):
        s.check_usable()


def test_a_separate_model_type_is_replayed_instead_of_the_factory():
    class Reference:
        """The specification: a counter whose incr returns the new value."""

        def __init__(self):
            self.n = 0

        def incr(self):
            self.n += 1
            return self.n

    s = Scenario(lambda: None, model=Reference, fingerprint=lambda r: r.n)
    s.op(lambda c: c.incr(), name="incr")
    assert trial(s, [[(0, (), 1, 0, 10)], [(0, (), 2, 5, 15)]]).verdict == PASSED
    assert trial(s, [[(0, (), 1, 0, 10)], [(0, (), 1, 5, 15)]]).verdict == NOT_LINEARIZABLE

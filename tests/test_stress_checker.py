"""The C++ checker through its bindings: recorded histories, Python models, budget and errors."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ftkit import _core

HISTORIES = sorted((Path(__file__).parent / "stress_support" / "histories").glob("*.hist"))


def header(path: Path, name: str) -> str:
    for line in path.read_text().splitlines():
        if line.startswith(f"# {name}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"{path.name} has no '# {name}:' line")


def test_every_history_is_documented():
    readme = (Path(__file__).parent / "stress_support" / "histories" / "README.md").read_text()
    assert HISTORIES
    for path in HISTORIES:
        assert path.name in readme


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
def test_recorded_history_verdict(path: Path):
    result = _core.check_history_text(path.read_text(), header(path, "model"))
    expected = {"ok": "ok", "illegal": "illegal"}[header(path, "expect")]
    assert result["verdict"] == expected
    if expected == "illegal":
        assert result["window"], "a violation names the operations no order could place"
        assert set(result["longest_prefix"]) <= set(result["failing_part"])


def test_keyed_history_is_checked_per_key():
    text = (Path(__file__).parent / "stress_support" / "histories" / "kv_keys_ok.hist").read_text()
    assert _core.check_history_text(text, "register")["partitions"] == 3


def test_parse_errors_become_value_errors():
    with pytest.raises(ValueError, match="line 2"):
        _core.check_history_text("0 write 1 - 0 1\n0 fly 1 - 0 1\n", "register")
    with pytest.raises(ValueError, match="unknown model"):
        _core.check_history_text("", "stack")


def test_budget_gives_unknown_not_ok():
    ops = [(t, 0, t + 1, None, 0, 100, None) for t in range(6)] + \
          [(7, 1, None, v, 10 + 20 * i, 20 + 20 * i, None) for i, v in enumerate([1, 2, 1, 3, 2])]
    assert _core.check_history(ops, "register", max_steps=3)["verdict"] == "unknown"
    assert _core.check_history(ops, "register")["verdict"] == "illegal"


def test_python_model_matches_builtin_model():
    """A register written as Python init/step gives the same verdicts as the C++ one."""
    rng = random.Random(5)

    def step(state, op_id):
        _, kind, value, out, *_ = ops[op_id]
        if kind == 0:
            return [value]
        return list(state) if out == state[0] else None

    for _ in range(30):
        ops = []
        for t in range(3):
            clock = rng.randrange(5)
            for _ in range(4):
                kind = rng.randrange(2)
                ret = clock + 1 + rng.randrange(15)
                ops.append((t, kind, rng.randrange(3) if kind == 0 else None,
                            rng.randrange(3) if kind == 1 else None, clock, ret, None))
                clock = ret + 1
        assert (_core.check_history_python(ops, lambda: [0], step)["verdict"]
                == _core.check_history(ops, "register")["verdict"])


def test_memory_budget_gives_unknown_with_the_reason():
    wide = [(t, 0, t + 1, None, 0, 100, None) for t in range(12)] + \
           [(20 + t, 1, None, t + 1, 0, 100, None) for t in range(12)] + [(40, 1, None, 999, 0, 100, None)]
    r = _core.check_history(wide, "register", max_memory=1 << 20)
    assert r["verdict"] == "unknown" and "memory budget" in r["reason"]
    assert r["peak_memory"] <= 1 << 20 and r["partitions_unknown"] == 1


def test_python_model_parts_are_checked_separately():
    """`parts` splits the ops; a stale read in the second part is found, named by its ids."""
    ops = [(0, 0, 1, None, 0, 10, None), (1, 1, None, 1, 11, 20, None),
           (0, 0, 5, None, 30, 40, None), (1, 1, None, 0, 41, 50, None)]

    def step(state, op_id):
        _, kind, value, out, *_ = ops[op_id]
        return [value] if kind == 0 else (list(state) if out == state[0] else None)

    r = _core.check_history_python(ops, lambda: [0], step, parts=[[0, 1], [2, 3]])
    assert (r["verdict"], r["partitions"], r["failing_part"]) == ("illegal", 2, [2, 3])
    with pytest.raises(ValueError, match="does not exist"):
        _core.check_history_python(ops, lambda: [0], step, parts=[[0, 9]])


def test_unknown_outcome_tuples_and_prepared_histories():
    # A write that never returned (ret None) may explain a later read of its value.
    ops = [(0, 0, 1, None, 0, None, None), (1, 1, None, 1, 5, 6, None)]
    assert _core.check_history(ops, "register")["verdict"] == "ok"
    prepared = _core.CheckerHistory(ops)
    assert len(prepared) == 2 and _core.check_history(prepared, "register")["verdict"] == "ok"

"""ftkit.history's public API: built-in models by name, Python models as plain callables."""

from __future__ import annotations

import pytest

from ftkit.history import HistoryError, Model, Op, check


def reg(thread, name, value, call, ret, key=None, unknown=False):
    """A register op: write(value) or read() -> value."""
    if name == "write":
        return Op(thread, "write", (value,), None, call, ret, key, unknown)
    return Op(thread, "read", (), value, call, ret, key, unknown)


STALE = [reg(0, "write", 1, 0, 10), reg(1, "read", 0, 11, 15)]
OVERLAP = [reg(0, "write", 1, 0, 10), reg(1, "read", 0, 5, 15)]


def test_builtin_register_verdicts_and_window():
    assert check(OVERLAP, "register").verdict == "ok"
    r = check(STALE, "register")
    assert r.verdict == "illegal"
    assert r.longest_prefix == [0] and 1 in r.window


def test_cas_register_with_nil_and_failed_cas():
    ops = [Op(0, "read", (), None, 0, 1), Op(0, "write", (3,), 1, 2, 3), Op(1, "cas", (3, 4), 1, 4, 5),
           Op(1, "cas", (3, 5), 0, 6, 7), Op(2, "read", (), 4, 8, 9)]
    assert check(ops, "cas-register").verdict == "ok"
    ops[3] = Op(1, "cas", (3, 5), 1, 6, 7)  # the value was 4: this cas cannot have succeeded
    assert check(ops, "cas-register").verdict == "illegal"


def test_kv_strings_partitioned_by_key():
    ops = [Op(0, "append", ("ab",), None, 0, 5, "k"), Op(1, "append", ("c",), None, 0, 5, "k"),
           Op(2, "get", (), "cab", 6, 7, "k"), Op(3, "put", ("z",), None, 0, 1, "other"),
           Op(3, "get", (), "z", 2, 3, "other")]
    r = check(ops, "kv")
    assert (r.verdict, r.partitions) == ("ok", 2)
    ops.append(Op(2, "get", (), "abc", 8, 9, "k"))
    assert check(ops, "kv").verdict == "illegal"


def test_unknown_outcome_may_or_may_not_have_taken_effect():
    crashed = reg(0, "write", 1, 0, None)  # never returned: unknown
    assert crashed.unknown
    assert check([crashed, reg(1, "read", 0, 5, 6)], "register").verdict == "ok"
    assert check([crashed, reg(1, "read", 0, 5, 6), reg(1, "read", 1, 7, 8)], "register").verdict == "ok"
    assert check([crashed, reg(1, "read", 1, 5, 6), reg(1, "read", 0, 7, 8)], "register").verdict == "illegal"
    timed_out_read = reg(1, "read", None, 11, 12, unknown=True)
    assert check([reg(0, "write", 1, 0, 10), timed_out_read], "register").verdict == "ok"


def counter_step(state, op):
    if op.name == "inc":
        return op.unknown or op.result == state, state + 1
    return op.unknown or op.result == state, state


def test_python_model_gives_the_builtin_verdicts():
    counter = Model(init=lambda: 0, step=counter_step)
    lost = [Op(0, "inc", (), 0, 0, 10), Op(1, "inc", (), 0, 0, 10), Op(0, "get", (), 1, 20, 30)]
    fine = [Op(0, "inc", (), 0, 0, 10), Op(1, "inc", (), 1, 0, 10), Op(0, "get", (), 2, 20, 30)]
    for ops in (lost, fine):
        assert check(ops, counter).verdict == check(ops, "counter").verdict
    assert check(lost, counter).verdict == "illegal"


def test_python_model_equal_hash_and_partition_are_used():
    """States are unhashable lists compared by the model's own equality (as sets); the
    partition splits by key."""
    calls = {"equal": 0, "partition": 0}

    def equal(a, b):
        calls["equal"] += 1
        return sorted(a) == sorted(b)

    def partition(ops):
        calls["partition"] += 1
        by = {}
        for i, op in enumerate(ops):
            by.setdefault(op.args[0] % 2, []).append(i)
        return list(by.values())

    def step(state, op):
        if op.name == "add":
            return True, state + [op.args[0]] if op.args[0] not in state else state
        return (op.args[0] in state) == op.result, state

    model = Model(init=list, step=step, equal=equal, hash=lambda s: hash(frozenset(s)), partition=partition)
    ops = [Op(0, "add", (1,), None, 0, 10), Op(1, "add", (3,), None, 0, 10), Op(2, "has", (1,), True, 11, 12),
           Op(2, "has", (2,), False, 13, 14)]
    r = check(ops, model)
    assert (r.verdict, r.partitions) == ("ok", 2)
    assert calls["partition"] == 1 and calls["equal"] > 0
    ops.append(Op(2, "has", (3,), False, 15, 16))
    assert check(ops, model).verdict == "illegal"


def test_nondeterministic_model_searches_sets_of_states():
    """A lossy register: write(v) may be dropped. 0 then 1 is possible, 1 then 0 is not."""
    def step(state, op):
        if op.name == "write":
            return {state, op.args[0]}
        return {state} if op.result == state else set()

    lossy = Model(init=lambda: 0, step=step, nondeterministic=True)
    dropped_then_kept = [reg(0, "write", 1, 0, 1), reg(1, "read", 0, 2, 3), reg(0, "write", 1, 4, 5),
                         reg(1, "read", 1, 6, 7)]
    assert check(dropped_then_kept, lossy).verdict == "ok"
    assert check(dropped_then_kept, "register").verdict == "illegal"
    assert check([reg(0, "write", 1, 0, 1), reg(1, "read", 1, 2, 3), reg(1, "read", 0, 4, 5)], lossy).verdict \
        == "illegal"


def test_budgets_give_unknown_with_a_reason():
    ops = [reg(t, "write", t + 1, 0, 100) for t in range(6)] + \
          [reg(7, "read", v, 10 + 20 * i, 20 + 20 * i) for i, v in enumerate([1, 2, 1, 3, 2])]
    r = check(ops, "register", max_steps=3)
    assert r.verdict == "unknown" and "step budget of 3" in r.reason
    wide = [reg(t, "write", t + 1, 0, 100) for t in range(12)] + \
           [reg(20 + t, "read", t + 1, 0, 100) for t in range(12)] + [reg(40, "read", 999, 0, 100)]
    r = check(wide, "register", max_memory=1 << 20)
    assert r.verdict == "unknown" and "memory budget of 1 MiB" in r.reason
    assert r.peak_memory <= 1 << 20


def test_bad_models_and_ops_are_clear_errors():
    with pytest.raises(HistoryError, match="unknown model"):
        check(STALE, "stack")
    with pytest.raises(HistoryError, match="not one of this model's"):
        check([Op(0, "push", (1,), None, 0, 1)], "register")
    with pytest.raises(HistoryError, match="returns .* before it is called"):
        Op(0, "read", (), 0, 10, 5)
    unhashable = Model(init=list, step=lambda s, op: (True, s + [1]))
    with pytest.raises(HistoryError, match="not hashable"):
        check(STALE, unhashable)


def brute_force(ops, init, step):
    """Linearizable? by trying every order that respects real time (no memo, no pruning):
    the reference the checker's search must agree with on small histories."""
    def minimal(i, pending):
        return not any(ops[j].ret is not None and ops[j].ret < ops[i].call for j in pending if j != i)

    def search(pending, state):
        if not pending:
            return True
        for i in pending:
            if minimal(i, pending):
                ok, nxt = step(state, ops[i])
                if ok and search(pending - {i}, nxt):
                    return True
        return False

    return "ok" if search(frozenset(range(len(ops))), init()) else "illegal"


def reference_step(model):
    """The built-in models' specifications, written again in Python."""
    def register(s, op):
        return (True, op.args[0]) if op.name == "write" else (op.unknown or op.result == s, s)

    def cas_register(s, op):
        if op.name == "write":
            return True, op.args[0]
        if op.name == "read":
            return op.unknown or op.result == s, s
        swapped = s == op.args[0]
        return op.unknown or op.result == int(swapped), op.args[1] if swapped else s

    def counter(s, op):
        return op.unknown or op.result == s, s + 1 if op.name == "inc" else s

    def queue(s, op):
        if op.name == "enq":
            return True, s + (op.args[0],)
        if not s:
            return op.unknown or op.result is None, s
        return op.unknown or op.result == s[0], s[1:]

    return {"register": (0, register), "cas-register": (None, cas_register), "counter": (0, counter),
            "queue": ((), queue)}[model]


def random_ops(rng, model):
    names = {"register": ["write", "read"], "cas-register": ["write", "read", "cas"],
             "counter": ["inc", "get"], "queue": ["enq", "deq"]}[model]
    ops = []
    for t in range(3):
        clock = rng.randrange(6)
        for _ in range(rng.randrange(1, 4)):
            name = rng.choice(names)
            ret = clock + rng.randrange(12)
            args = {"write": (rng.randrange(3),), "cas": (rng.choice([None, 0, 1, 2]), rng.randrange(3)),
                    "enq": (rng.randrange(3),)}.get(name, ())
            if name == "cas" and args[0] is None:
                args = (rng.randrange(3), rng.randrange(3))
            result = {"read": rng.choice([None, 0, 1, 2]) if model == "cas-register" else rng.randrange(3),
                      "cas": rng.randrange(2), "inc": rng.randrange(3), "get": rng.randrange(3),
                      "deq": rng.choice([None, 0, 1, 2])}.get(name)
            if model == "register" and name == "read" and result is None:
                result = 0
            unknown = rng.random() < 0.1
            ops.append(Op(t, name, args, None if unknown else result, clock,
                          None if unknown and rng.random() < 0.5 else ret, unknown=unknown))
            clock = ret + 1 + rng.randrange(3)
    return ops


@pytest.mark.parametrize("model", ["register", "cas-register", "counter", "queue"])
def test_search_agrees_with_brute_force_on_random_histories(model):
    import random

    rng = random.Random(model)
    init, step = reference_step(model)
    python_model = Model(init=lambda: init, step=step)
    verdicts = {"ok": 0, "illegal": 0}
    for _ in range(300):
        ops = random_ops(rng, model)
        expected = brute_force(ops, lambda: init, step)
        verdicts[expected] += 1
        assert check(ops, model).verdict == expected, [op.to_json() for op in ops]
        assert check(ops, python_model).verdict == expected, [op.to_json() for op in ops]
    assert min(verdicts.values()) >= 5, verdicts  # both verdicts exercised

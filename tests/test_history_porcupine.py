"""Porcupine's own recorded histories, with the verdicts Porcupine's tests assert (porcupine_test.go).

The logs come from Porcupine's module zip (Go module proxy, cached; tools/harness/porcupine.py),
fetched once per session, never committed.
"""

from __future__ import annotations

import pytest

from ftkit.history import Model, check, read_history
from harness import porcupine


@pytest.fixture(scope="session")
def etcd() -> dict:
    return porcupine.etcd_logs()


@pytest.fixture(scope="session")
def kv() -> dict:
    return porcupine.kv_logs()


@pytest.mark.slow
def test_every_asserted_log_is_decided_as_porcupine_asserts(etcd, kv):
    """All 102 etcd logs (cas-register) and the 6 kv logs (kv, partitioned by key)."""
    assert len(etcd) == 102 and sum(ok for _, ok in etcd.values()) == 23  # as in porcupine_test.go
    wrong = {}
    for n, (path, ok) in etcd.items():
        r = check(read_history(path, "jepsen-log"), "cas-register")
        if r.verdict != ("ok" if ok else "illegal"):
            wrong[f"etcd_{n:03d}"] = r.verdict
    partitioned = {name: v for name, v in kv.items() if v[2]}
    assert len(partitioned) == 6
    for name, (path, ok, _) in partitioned.items():
        r = check(read_history(path, "jepsen-edn"), "kv")
        if r.verdict != ("ok" if ok else "illegal"):
            wrong[name] = r.verdict
    assert wrong == {}


def test_c50_bad_is_decided_fast_and_small(kv):
    """The log the first checker ran out of memory on: key "0" alone is a long search, the
    illegal key is found first because small parts go first and parts interleave."""
    path = kv["Kv50ClientsBad"][0]
    r = check(read_history(path), "kv")
    assert r.verdict == "illegal"
    assert r.steps < 2_000_000 and r.peak_memory < 256 << 20
    assert r.window and set(r.window) <= set(r.failing_part)


def _kv_step(state, op):
    """Porcupine's kvNoPartitionModel: one map for all keys, as a frozenset of items."""
    values = dict(state)
    if op.name == "get":
        return op.unknown or values.get(op.key, "") == op.result, state
    values[op.key] = op.args[0] if op.name == "put" else values.get(op.key, "") + op.args[0]
    return True, frozenset(values.items())


def test_unpartitioned_kv_as_a_python_model(kv):
    """Porcupine's kvNoPartition tests on 1 client, with the model written in Python and one part."""
    model = Model(init=frozenset, step=_kv_step, partition=lambda ops: [list(range(len(ops)))])
    for name in ("KvNoPartition1ClientOk", "KvNoPartition1ClientBad"):
        path, ok, partitioned = kv[name]
        assert not partitioned
        r = check(read_history(path), model)
        assert (r.verdict, r.partitions) == ("ok" if ok else "illegal", 1), name


def test_timed_out_reads_and_crashed_writes_are_unknown_outcomes(etcd):
    """etcd logs carry `:fail :read :timed-out` and `:info` writes/cas: the converter marks them."""
    ops = [op for n in (0, 2, 7) for op in read_history(etcd[n][0]).ops]
    assert any(op.unknown and op.ret is None for op in ops)          # :info, never returned
    assert all(op.unknown for op in ops if op.ret is None)

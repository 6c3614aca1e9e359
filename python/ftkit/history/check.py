"""Check a history against a model: the built-in C++ models by name, or a Python Model."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Callable

from .. import _core
from .ops import History, HistoryError, Op

BUILTIN = ("register", "cas-register", "kv", "queue", "set", "counter")
# Defaults of the C++ CheckOptions (src/stress/checker.hpp).
MAX_STEPS = 20_000_000
MAX_MEMORY = 2 << 30


@dataclass
class Model:
    """A sequential specification as plain callables (Porcupine's Model, in Python).

    init() -> state
    step(state, op) -> (ok, next_state); ok False: op's recorded result is impossible in state.
        With nondeterministic=True: step(state, op) -> iterable of next states (empty:
        impossible), and the checker searches sets of states (Porcupine's power-set model).
        Must be pure. op.unknown means op's result was not observed: accept any result.
    equal(a, b), hash(state): state equality and a hash consistent with it; default == and
        hash(), so states must then be hashable (tuples, frozensets, strings, numbers).
    partition(ops) -> list of lists of op indices checked separately (a history is
        linearizable iff every part is); default: by op.key when every op has one.
    describe(op) -> str: how reports name an operation (default Op.describe).
    """

    init: Callable[[], Any]
    step: Callable[[Any, Op], Any]
    equal: Callable[[Any, Any], bool] | None = None
    hash: Callable[[Any], int] | None = None
    partition: Callable[[list[Op]], list[list[int]]] | None = None
    describe: Callable[[Op], str] | None = None
    nondeterministic: bool = False


@dataclass
class Result:
    verdict: str  # ok | illegal | unknown
    reason: str
    steps: int
    partitions: int
    partitions_unknown: int
    peak_memory: int
    failing_part: list[int] = field(default_factory=list)
    longest_prefix: list[int] = field(default_factory=list)
    window: list[int] = field(default_factory=list)

    @classmethod
    def from_core(cls, d: dict) -> Result:
        return cls(d["verdict"], d["reason"], d["steps"], d["partitions"], d["partitions_unknown"],
                   d["peak_memory"], list(d["failing_part"]), list(d["longest_prefix"]), list(d["window"]))


def default_partition(ops: list[Op]) -> list[list[int]] | None:
    """Parts by key when every op has one (and there are ops), else None (one part)."""
    if not ops or any(op.key is None for op in ops):
        return None
    parts: dict[Any, list[int]] = {}
    for i, op in enumerate(ops):
        parts.setdefault(op.key, []).append(i)
    return list(parts.values())


def _core_tuple(op: Op, kinds: list[str], key: int | None) -> tuple:
    try:
        kind = kinds.index(op.name)
    except ValueError:
        raise HistoryError(f"operation {op.name!r} is not one of this model's ({', '.join(kinds)})") from None
    ints = [a for a in op.args if isinstance(a, int) and not isinstance(a, bool)]
    texts = [a for a in op.args if isinstance(a, str)]
    if len(ints) > 2 or len(texts) > 1 or any(a is None or isinstance(a, bool) for a in op.args):
        raise HistoryError(f"{op.describe()}: arguments must be up to two integers or one string")
    result = op.result
    if isinstance(result, bool):
        result = int(result)
    if result is not None and not isinstance(result, (int, str)):
        raise HistoryError(f"{op.describe()}: the result must be an integer, a string or null")
    text_out = result if isinstance(result, str) else ""
    out = None if isinstance(result, str) else result
    return (op.thread, kind, ints[0] if ints else None, out, op.call, op.ret, key,
            ints[1] if len(ints) > 1 else None, texts[0] if texts else "", text_out, op.unknown)


def check(history: History | list[Op], model: Any, max_steps: int = MAX_STEPS,
          max_memory: int = MAX_MEMORY) -> Result:
    """Is the history linearizable with respect to model: a built-in model's name, a Model, or
    a native model (a PyCapsule of include/ftkit/history_model.h, or an object whose
    `__ftkit_history_model__` is one)?"""
    ops = history.ops if isinstance(history, History) else list(history)
    if isinstance(model, Model):
        return _check_python(ops, model, max_steps, max_memory)
    native = getattr(model, "__ftkit_history_model__", model)
    if type(native).__name__ == "PyCapsule":
        try:
            kinds = _core.history_native_kinds(native)
        except ValueError as e:
            raise HistoryError(f"not a usable native model: {e}") from None
        return Result.from_core(_core.check_history_native(core_ops(ops, kinds), native, max_steps, max_memory))
    if model not in BUILTIN:
        raise HistoryError(f"unknown model {model!r} (built in: {', '.join(BUILTIN)})")
    kinds = _core.history_model_kinds(model)
    return Result.from_core(_core.check_history(core_ops(ops, kinds), model, max_steps, max_memory))


def core_ops(ops: list[Op], kinds: list[str]) -> list[tuple]:
    """The ops as the C++ checker's tuples, kind codes from `kinds` (keys numbered in order seen)."""
    keys: dict[Any, int] = {}
    keyed = all(op.key is not None for op in ops)
    return [_core_tuple(op, kinds, keys.setdefault(op.key, len(keys)) if keyed else None) for op in ops]


class _Interner:
    """States -> small ints, by the model's equality and hash, so the C++ search compares ints."""

    def __init__(self, model: Model) -> None:
        self.states: list[Any] = []
        self.plain = model.equal is None and model.hash is None
        self.ids: dict[Any, int] = {}
        self.buckets: dict[int, list[int]] = {}
        self.equal = model.equal or (lambda a, b: a == b)
        self.hash = model.hash or hash

    def __call__(self, state: Any) -> int:
        if self.plain:
            try:
                found = self.ids.get(state)
            except TypeError:
                raise HistoryError(f"state {state!r} is not hashable: give the model hash and equal") from None
            if found is None:
                found = self.ids[state] = len(self.states)
                self.states.append(state)
            return found
        bucket = self.buckets.setdefault(self.hash(state), [])
        for i in bucket:
            if self.equal(self.states[i], state):
                return i
        bucket.append(len(self.states))
        self.states.append(state)
        return len(self.states) - 1


def _check_python(ops: list[Op], model: Model, max_steps: int, max_memory: int) -> Result:
    intern = _Interner(model)
    if model.nondeterministic:
        sets: dict[frozenset, int] = {}
        members: list[frozenset] = []

        def intern_set(states: Iterable[Any]) -> int | None:
            s = frozenset(intern(x) for x in states)
            if not s:
                return None
            if s not in sets:
                sets[s] = len(members)
                members.append(s)
            return sets[s]

        def init() -> list[int]:
            return [intern_set([model.init()])]

        def step(words: tuple[int, ...], op_id: int) -> list[int] | None:
            nxt = intern_set(y for x in members[words[0]] for y in model.step(intern.states[x], ops[op_id]))
            return None if nxt is None else [nxt]
    else:
        def init() -> list[int]:
            return [intern(model.init())]

        def step(words: tuple[int, ...], op_id: int) -> list[int] | None:
            ok, nxt = model.step(intern.states[words[0]], ops[op_id])
            return [intern(nxt)] if ok else None

    parts = model.partition(ops) if model.partition else default_partition(ops)
    tuples = [(op.thread, 0, None, None, op.call, op.ret, None) for op in ops]
    return Result.from_core(_core.check_history_python(tuples, init, step, max_steps, max_memory, parts))

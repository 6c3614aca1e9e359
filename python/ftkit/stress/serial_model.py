"""The serial model: the same type, fed the trial's calls one at a time, as the checker's step function.

A model state is the tuple of mutating operations applied so far (read-only ops do not change
it), or, when the scenario gives a fingerprint, one interned id per distinct fingerprint, so
orders reaching the same state are merged (Lowe's memoisation needs that to pay off).
Stepping down the search path reuses one live object; a backtrack rebuilds it by re-applying the
state's operations on a fresh model object.
"""

from __future__ import annotations

from typing import Any

from .scenario import Scenario


class Raised:
    """A recorded exception, compared by type: a serial run cannot reproduce identity or message."""

    def __init__(self, exc: BaseException) -> None:
        self.type = type(exc)
        try:
            message = str(exc)
        except Exception:  # the library's own __str__ broke (pyyaml's MarkedYAMLError can): not the scenario
            message = "(its message raised too)"
        self.text = f"{type(exc).__name__}: {message}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Raised) and other.type is self.type

    def __hash__(self) -> int:
        return hash(self.type)

    def __repr__(self) -> str:
        return f"raise {self.text}"


def call(op_fn, obj, args) -> Any:
    try:
        return op_fn(obj, *args)
    except Exception as e:
        return Raised(e)


class SerialModel:
    """init/step for `_core.check_history_python` over one recorded trial."""

    def __init__(self, scenario: Scenario, calls: list[tuple[int, tuple]], results: list[Any]) -> None:
        self.scenario = scenario
        self.make = scenario.model or scenario.factory
        self.calls = calls        # op id -> (kind, args)
        self.results = results    # op id -> recorded result (Raised for exceptions)
        self.same = scenario.equal or _equal
        self._path: tuple[int, ...] | None = None  # the state the live object is in
        self._obj: Any = None
        self._fingerprints: dict[Any, int] = {}
        self._representative: list[tuple[int, ...]] = []  # fingerprint id -> op ids reaching it

    def init(self) -> list[int]:
        return self._state_of((), self.make()) if self.scenario.fingerprint else []

    def step(self, state: tuple[int, ...], op_id: int) -> list[int] | None:
        path = self._representative[state[0]] if self.scenario.fingerprint else tuple(state)
        if self._path != path:
            self._obj = self.make()
            for done in path:
                kind, args = self.calls[done]
                call(self.scenario.ops[kind].fn, self._obj, args)
            self._path = path
        kind, args = self.calls[op_id]
        op = self.scenario.ops[kind]
        got = call(op.fn, self._obj, args)
        if not op.mutates:
            return list(state) if self.same(got, self.results[op_id]) else None
        if not self.same(got, self.results[op_id]):
            self._path = None  # the live object moved on; rebuild next time
            return None
        self._path = path + (op_id,)
        if self.scenario.fingerprint:
            return self._state_of(self._path, self._obj)
        return list(self._path)

    def _state_of(self, path: tuple[int, ...], obj: Any) -> list[int]:
        fp = self.scenario.fingerprint(obj)
        fid = self._fingerprints.get(fp)
        if fid is None:
            fid = self._fingerprints[fp] = len(self._representative)
            self._representative.append(path)
        return [fid]  # a different representative path makes the next step rebuild


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, Raised) or isinstance(b, Raised):
        return a == b
    try:
        return bool(a == b)
    except Exception:
        return False

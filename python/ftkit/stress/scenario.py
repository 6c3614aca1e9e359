"""What a user declares: the shared object's factory, its operations and how to judge them.

    import matrix_unsafe
    from ftkit.stress import Scenario, ints
    scenario = Scenario(matrix_unsafe.Matrix)
    scenario.op(lambda m, i: m.__setitem__((i, i), 1.0), args=[ints(0, 150)])
    scenario.op(lambda m: m.det(), mutates=False)

(examples/matrix/scenario.py is this scenario in full.)
"""

from __future__ import annotations

import importlib.util
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ValueGen = Callable[[random.Random], Any]


def ints(lo: int, hi: int) -> ValueGen:
    """An integer in [lo, hi], both ends included."""
    return lambda rng: rng.randint(lo, hi)


def choice(values: Sequence[Any]) -> ValueGen:
    values = list(values)
    return lambda rng: rng.choice(values)


def const(value: Any) -> ValueGen:
    return lambda rng: value


@dataclass
class Op:
    fn: Callable[..., Any]          # fn(obj, *args)
    name: str
    args: tuple[ValueGen, ...] = ()
    mutates: bool = True            # read-only ops leave the model state as it was
    key: Callable[..., Any] | None = None  # key(*args) -> hashable: ops on different keys commute

    def make_args(self, arg_seed: int) -> tuple:
        rng = random.Random(arg_seed)
        return tuple(gen(rng) for gen in self.args)


@dataclass
class Scenario:
    """factory() makes the shared object; model() (default: factory) the object a candidate
    serial order is replayed on; fingerprint(obj) -> hashable identifies equal states so the
    checker can merge them; invariant(obj) -> bool is checked after every trial."""

    factory: Callable[[], Any]
    model: Callable[[], Any] | None = None
    fingerprint: Callable[[Any], Any] | None = None
    invariant: Callable[[Any], Any] | None = None
    equal: Callable[[Any, Any], bool] | None = None
    name: str | None = None
    ops: list[Op] = field(default_factory=list)

    def op(self, fn: Callable[..., Any] | None = None, *, args: Sequence[ValueGen] = (), mutates: bool = True,
           key: Callable[..., Any] | None = None, name: str | None = None):
        """Declare an operation; usable as a call or as a decorator."""
        def add(f: Callable[..., Any]) -> Callable[..., Any]:
            self.ops.append(Op(f, name or _op_name(f, len(self.ops)), tuple(args), mutates, key))
            return f
        return add(fn) if fn is not None else add

    def check_usable(self) -> None:
        if not self.ops:
            raise ScenarioError("the scenario declares no operations (scenario.op(...))")
        names = [op.name for op in self.ops]
        if len(set(names)) != len(names):
            raise ScenarioError(f"operation names must be unique, got {names}")


class ScenarioError(Exception):
    """The scenario file cannot be used (missing, broken, or declares nothing)."""


def _op_name(fn: Callable[..., Any], index: int) -> str:
    name = getattr(fn, "__name__", "")
    return name if name and name != "<lambda>" else f"op{index}"


def load(path: str | Path, attribute: str | None = None) -> Scenario:
    """Import a scenario file (its folder goes first on sys.path, as for a script) and return
    its Scenario: `attribute` if given, else the one module-level Scenario it defines."""
    path = Path(path).resolve()
    if not path.is_file():
        raise ScenarioError(f"no such scenario file: {path}")
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(f"ftkit_scenario_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # the user's file: report, do not crash
        raise ScenarioError(f"importing {path} failed: {type(e).__name__}: {e}") from e
    if attribute:
        found = getattr(module, attribute, None)
        if not isinstance(found, Scenario):
            raise ScenarioError(f"{path} has no Scenario named {attribute!r}")
    else:
        candidates = [v for v in vars(module).values() if isinstance(v, Scenario)]
        if len(candidates) != 1:
            raise ScenarioError(f"{path} must define exactly one Scenario (found {len(candidates)}); "
                                "name one with SCENARIO.py:NAME")
        found = candidates[0]
    found.check_usable()
    if found.name is None:
        found.name = path.stem
    found.source_path = str(path)  # type: ignore[attr-defined]  # for repro scripts
    return found

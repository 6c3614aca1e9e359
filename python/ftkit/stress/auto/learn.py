"""The serial learning pass of `--auto`, run in the stress worker while it loads its scenario.

For one type of the target module: find a constructor call that works (the shared object's
factory), then, one call at a time on fresh objects, which argument tuples each method accepts
(calls that raise are left out), whether its result is the same on two fresh objects (only then
are results compared by the serial model), and whether `len` agrees with iteration (the
invariant). Before each call its label goes into a journal file, so when the worker dies the
parent knows which call killed it alone; a watchdog ends the process when one call runs longer
than HANG_SECONDS, writing that it hung. The parent then excludes that method and learns again
(run.py). The answer is a JSON file the parent turns into a scenario file (render.py).
"""

from __future__ import annotations

import importlib
import json
import os
import threading
import time
from typing import Any

from ..scenario import Scenario, ScenarioError
from . import introspect, pools

HANG_SECONDS = 5.0
HANG_EXIT = 71           # the watchdog's exit code: the journal's last line hung
SLOW_SECONDS = 0.25      # a call this slow alone would make every trial slow: not raced
ATTEMPTS = 60            # argument tuples tried per method
KEEP = 6                 # working argument tuples kept per method
BUDGET_SECONDS = 30.0    # the whole pass (the session allows a minute before trial 0)


class Journal:
    """Appends "label<TAB>call" before each call; a watchdog turns a call that never returns into
    a HANG line and an exit, instead of a worker that sits there until the session's timeout."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self.current: tuple[str, float] | None = None
        threading.Thread(target=self._watch, daemon=True).start()

    def call(self, label: str, text: str, fn, *args):
        os.write(self.fd, f"CALL\t{label}\t{text}\n".encode("utf-8", "backslashreplace"))
        self.current = (label, time.monotonic())
        try:
            return fn(*args)
        finally:
            self.current = None

    def _watch(self) -> None:
        while True:
            time.sleep(0.05)
            current = self.current
            if current and time.monotonic() - current[1] > HANG_SECONDS:
                os.write(self.fd, f"HANG\t{current[0]}\t{HANG_SECONDS:g}\n".encode())
                os._exit(HANG_EXIT)


def snapshot(obj, value):  # no annotations: render.py copies it into scenario files
    """A result as the checker compares it, taken at once (the object may change later)."""
    if value is obj:
        return "<self>"
    try:
        return (type(value).__name__, repr(value))
    except Exception as e:
        return ("repr raised", type(e).__name__)


def _invoke(obj: Any, member: introspect.Callable_, args: tuple) -> Any:
    """The call an operation makes: the same in learning and in the generated scenario."""
    if member.kind == "attribute":
        return getattr(obj, member.name)
    if member.name == "__iter__":
        return list(obj)
    if member.name == "__len__":
        return len(obj)
    return getattr(obj, member.name)(*args)


def _describe(e: BaseException) -> str:
    """An exception in words, even when its own __str__ raises (pyyaml's MarkedYAMLError can)."""
    try:
        text = str(e)
    except Exception:
        text = "(its message raised too)"
    return f"{type(e).__name__}: {text}"[:160]


def len_matches_iteration(obj):
    return len(obj) == sum(1 for _ in obj)


class Learner:
    def __init__(self, config: dict[str, Any]) -> None:
        self.module_name = config["module"]
        self.type_name = config["type"]
        self.excluded: dict[str, str] = config.get("excluded", {})
        self.journal = Journal(config["journal"])
        self.deadline = time.monotonic() + config.get("budget", BUDGET_SECONDS)
        self.calls = 0
        self.compiled: dict[str, Any] = {}

    def eval(self, code: str) -> Any:
        """The value of code text from pools.py or a constructor recipe, built afresh."""
        compiled = self.compiled.get(code)
        if compiled is None:
            compiled = self.compiled[code] = compile(code, "<ftkit-auto>", "eval")
        return eval(compiled, {"target": self.module})

    def try_call(self, label: str, text: str, fn, *args) -> tuple[bool, Any, float]:
        self.calls += 1
        start = time.monotonic()
        try:
            value = self.journal.call(label, text, fn, *args)
        except BaseException as e:  # SystemExit too: such a call is left out, not raced
            return False, e, time.monotonic() - start
        return True, value, time.monotonic() - start

    def construct(self, name: str, cls: type) -> tuple[str | None, int]:
        """The richest working constructor call of cls as code, and how many were tried."""
        best, best_score, tried = None, None, 0
        most = introspect.arity(cls, bound=False)[1]
        for args in pools.constructor_args(most):
            if tried >= 4 * ATTEMPTS or time.monotonic() > self.deadline:
                break
            code = f"target.{name}({', '.join(args)})"
            if code in self.excluded:
                continue
            tried += 1
            ok, obj, took = self.try_call(code, code, lambda a=args: cls(*(self.eval(v) for v in a)))
            if not ok or took > SLOW_SECONDS:
                continue
            try:
                size = len(obj)
            except Exception:
                size = 0
            score = (min(size, 64), len(args), -len(code))
            if best_score is None or score > best_score:
                best, best_score = code, score
        return best, tried

    def run(self) -> dict[str, Any]:
        try:
            self.module = importlib.import_module(self.module_name)
        except BaseException as e:
            return {"error": f"cannot import {self.module_name!r}: {type(e).__name__}: {e}"}
        types = introspect.public_types(self.module)
        if not types:
            return {"error": f"module {self.module_name!r} has no public types to call (no class it defines "
                             "under a public name)"}
        if self.type_name and self.type_name not in types:
            return {"error": f"module {self.module_name!r} has no public type {self.type_name!r} "
                             f"(it has: {', '.join(types) or 'none'})"}
        factories = {}
        for name, cls in types.items():
            factories[name] = self.construct(name, cls)
        # Only values that are the same each time they are built: an argument whose repr or hash
        # changes from one construction to the next (rpds' HashTrieSet orders by a per-object
        # random hasher) would make the serial replay disagree with the trial on its own.
        instances = [code for code, _ in factories.values() if code and self.stable(code)]
        out: dict[str, Any] = {"module": self.module_name, "types": {}, "calls": 0}
        for name in [self.type_name] if self.type_name else types:
            out["types"][name] = self.learn_type(name, types[name], factories[name], instances)
        out["calls"] = self.calls
        return out

    def learn_type(self, name: str, cls: type, factory: tuple[str | None, int], instances: list[str]):
        code, tried = factory
        entry: dict[str, Any] = {"factory": code, "constructors_tried": tried, "members": [], "not_called": {}}
        members = introspect.members(cls)
        if code is None:
            entry["not_called"] = {m.name: "no constructor call worked" for m in members}
            return entry
        make = lambda: self.eval(code)  # noqa: E731
        invariant = hasattr(cls, "__len__") and hasattr(cls, "__iter__")
        for member in members:
            label = f"{name}.{member.name}"
            if label in self.excluded:
                entry["not_called"][member.name] = self.excluded[label]
                continue
            if time.monotonic() > self.deadline:
                entry["not_called"][member.name] = f"not learned: the {BUDGET_SECONDS:g} s learning budget ran out"
                continue
            worked, slow, last_error = [], False, None
            candidates = [()] if member.kind == "attribute" else pools.method_args(*member.arity, instances)
            for n, args in enumerate(pools.spread(candidates, member.name)):
                if n >= ATTEMPTS or len({a[:1] for a in worked}) >= KEEP:
                    break
                obj = make()
                values = tuple(self.eval(a) for a in args)
                text = f"{name}.{member.name}({', '.join(args)})"
                ok, result, took = self.try_call(label, text, _invoke, obj, member, values)
                if not ok:
                    last_error = _describe(result)
                    continue
                if took > SLOW_SECONDS:
                    slow = True
                    continue
                if invariant and not self.holds(label, obj):
                    invariant = False
                    entry["invariant_note"] = f"len and iteration disagree after {text} alone"
                worked.append(args)
            kept = pools.varied(worked, KEEP)
            if not kept:
                entry["not_called"][member.name] = (
                    f"too slow alone (over {SLOW_SECONDS:g} s a call)" if slow else
                    f"every call tried raised (last: {last_error})" if last_error else "no argument tuple to try")
                continue
            entry["members"].append({"name": member.name, "kind": member.kind, "calls": [list(a) for a in kept],
                                     "compare": all(self.comparable(label, make, member, a) for a in kept)})
        if invariant and self.holds(f"{name}.__len__", make()):
            entry["invariant"] = "len-matches-iteration"
        return entry

    def holds(self, label: str, obj: Any) -> bool:
        ok, value, _ = self.try_call(label, "len(obj) == sum(1 for _ in obj)", len_matches_iteration, obj)
        return ok and value is True

    def stable(self, code: str) -> bool:
        """code builds equal-looking values every time: the same repr and hash, thrice."""
        looks = set()
        for _ in range(3):
            ok, value, _ = self.try_call(code, code, self.eval, code)
            if not ok:
                return False
            try:
                looks.add((repr(value), hash(value)))
            except TypeError:  # unhashable: the repr alone
                looks.add((repr(value), None))
            except Exception:
                return False
        return len(looks) == 1 and " at 0x" not in next(iter(looks))[0]

    def comparable(self, label: str, make, member, args) -> bool:
        """The same call on three fresh objects gives the same snapshot, and not an address."""
        seen = []
        for _ in range(3):
            obj = make()
            values = tuple(self.eval(a) for a in args)
            ok, value, _ = self.try_call(label, member.name, _invoke, obj, member, values)
            if not ok:
                return False
            seen.append(snapshot(obj, value))
        return seen[0] == seen[1] == seen[2] and " at 0x" not in str(seen[0])


def learn_scenario(config: dict[str, Any]) -> Scenario:
    """Learn, write the answer to config["output"], and give the session a scenario to start on."""
    try:
        answer = Learner(config).run()
    except Exception as e:  # ftkit's own failure: one line naming it, not a traceback through the worker
        answer = {"error": f"learning the target's calls failed inside ftkit: {_describe(e)}"}
    with open(config["output"], "w", encoding="utf-8") as f:
        json.dump(answer, f)
    if "error" in answer:
        raise ScenarioError(answer["error"])
    scenario = Scenario(object, name="auto-learn")
    scenario.op(lambda o: None, name="noop")
    return scenario

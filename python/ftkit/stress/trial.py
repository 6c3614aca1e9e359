"""One trial inside a worker process: plan -> calls -> engine run -> history -> verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import _core
from .adaptive import overlap
from .data import EXCEPTION, INCONCLUSIVE, INVARIANT, NOT_LINEARIZABLE, PASSED
from .scenario import Scenario
from .serial_model import Raised, SerialModel

CHECK_BUDGET = 200_000  # model steps per trial: plenty for 2x5..4x10 trials, bounded for huge ones


@dataclass
class TrialVerdict:
    verdict: str
    detail: dict[str, Any] = field(default_factory=dict)


class TrialRunner:
    """The engine's threads plus the scenario; reused for every trial of a worker."""

    def __init__(self, scenario: Scenario, threads: int, progress=None) -> None:
        self.scenario = scenario
        self.threads = threads
        self.engine = _core.StressRunner(threads, progress)
        self.mutates = [op.mutates for op in scenario.ops]
        # The last trial's share of overlapping operation pairs and the kind pairs that overlapped.
        self.overlap: tuple[float, set[tuple[int, int]]] = (0.0, set())

    def close(self) -> None:
        self.engine.close()

    def run(self, steps: list[list[tuple]]) -> TrialVerdict:
        scenario = self.scenario
        obj = scenario.factory()
        plan_calls: list[list[tuple[int, tuple]]] = []
        calls = []
        for thread_steps in steps:
            planned = [(kind, scenario.ops[kind].make_args(arg_seed)) for kind, arg_seed, _, _ in thread_steps]
            plan_calls.append(planned)
            calls.append([(scenario.ops[kind].fn, (obj, *args)) for kind, args in planned])
        results, errors, times = self.engine.run(steps, calls)
        self.overlap = overlap(times, [[kind for kind, *_ in t] for t in steps], self.mutates)
        return judge(scenario, obj, plan_calls, results, errors, times)


def judge(scenario: Scenario, obj: Any, plan_calls, results, errors, times) -> TrialVerdict:
    # Flatten to op ids, recording results (exceptions as Raised) and intervals.
    ops, calls, recorded, where = [], [], [], []
    key_ids: dict[Any, int] = {}
    for t, planned in enumerate(plan_calls):
        for i, (kind, args) in enumerate(planned):
            op = scenario.ops[kind]
            key = None
            if op.key is not None:
                key = key_ids.setdefault(op.key(*args), len(key_ids))
            call_ns, ret_ns = times[t][i]
            ops.append((t, kind, None, None, call_ns, ret_ns, key))
            calls.append((kind, args))
            recorded.append(Raised(errors[t][i]) if errors[t][i] is not None else results[t][i])
            where.append((t, i))
    if any(k is None for *_, k in ops):  # partition only when every op is keyed
        ops = [o[:6] + (None,) for o in ops]
    model = SerialModel(scenario, calls, recorded)
    result = _core.check_history_python(ops, model.init, model.step, CHECK_BUDGET)
    detail = {"checker": {k: result[k] for k in ("steps", "cache_hits", "partitions")}}
    if result["verdict"] == "illegal":
        window = result["window"]
        raised = [i for i in window if isinstance(recorded[i], Raised)]
        detail["timeline"] = timeline(scenario, ops, calls, recorded, result["failing_part"],
                                      set(result["longest_prefix"]), set(window))
        detail["window"] = [describe(scenario, calls[i], recorded[i], ops[i][0]) for i in window]
        if raised:
            detail["exception"] = recorded[raised[0]].text
            return TrialVerdict(EXCEPTION, detail)
        return TrialVerdict(NOT_LINEARIZABLE, detail)
    if scenario.invariant is not None:
        try:
            ok = scenario.invariant(obj)
            why = None if ok or ok is None else "returned False"
        except Exception as e:
            why = f"raised {type(e).__name__}: {e}"
        if why:
            detail["invariant"] = why
            detail["timeline"] = timeline(scenario, ops, calls, recorded, range(len(ops)), set(), set())
            return TrialVerdict(INVARIANT, detail)
    if result["verdict"] == "unknown":
        detail["budget"] = CHECK_BUDGET
        return TrialVerdict(INCONCLUSIVE, detail)
    return TrialVerdict(PASSED, detail)


def describe(scenario: Scenario, call: tuple[int, tuple], result: Any, thread: int | None = None) -> str:
    kind, args = call
    text = f"{scenario.ops[kind].name}({', '.join(map(_short_repr, args))}) -> {_short_repr(result)}"
    return text if thread is None else f"thread {thread}: {text}"


def timeline(scenario, ops, calls, recorded, part, linearized: set[int], window: set[int]) -> list[str]:
    """One line per operation of the failing part, in call order, times relative to the first
    call: what a person reads to see the overlap. `*` marks the window no order could place."""
    part = sorted(part, key=lambda i: ops[i][4])
    if not part:
        return []
    t0 = ops[part[0]][4]
    lines = []
    for i in part:
        t, _, _, _, call_ns, ret_ns, _ = ops[i]
        mark = "*" if i in window else ("+" if i in linearized else " ")
        lines.append(f"{mark} thread {t} [{(call_ns - t0) / 1000:9.1f} us .. {(ret_ns - t0) / 1000:9.1f} us] "
                     f"{describe(scenario, calls[i], recorded[i])}")
    return lines


def _short_repr(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."



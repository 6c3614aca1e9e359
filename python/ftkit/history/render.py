"""A check result as a Report: verdict, statistics, and the failing window as a per-thread timeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from ..report import Finding, Report, Severity, Subject, Table
from .check import Result
from .ops import Op

CONTEXT = 8  # linearized operations shown before the window


def window_ops(ops: list[Op], result: Result) -> list[int]:
    """The ops to show for a violation: the window (ops no order could place next), every op of
    the failing part overlapping its time span, and the last few linearized ops before it (what
    the state was built from)."""
    if result.verdict != "illegal":
        return []
    part = set(result.failing_part)
    window = set(result.window)
    start = min(ops[i].call for i in window)
    end = max((ops[i].ret if ops[i].ret is not None else ops[i].call) for i in window)
    shown = {i for i in part if ops[i].call <= end and (ops[i].ret is None or ops[i].ret >= start)} | window
    before = [i for i in result.longest_prefix if i not in shown]
    shown.update(before[-CONTEXT:])
    return sorted(shown, key=lambda i: (ops[i].call, i))


def mark(i: int, result: Result) -> str:
    """'*' in the window, '+' linearized in the longest prefix found, ' ' otherwise."""
    return "*" if i in result.window else "+" if i in result.longest_prefix else " "


def timeline(ops: list[Op], result: Result, shown: list[int],
             describe: Callable[[Op], str] = Op.describe) -> dict[int, list[dict[str, Any]]]:
    order = {op: n for n, op in enumerate(result.longest_prefix)}
    lanes: dict[int, list[dict[str, Any]]] = {}
    for i in shown:
        op = ops[i]
        entry = {"op": i, "describe": describe(op), "call": op.call, "ret": op.ret, "mark": mark(i, result)}
        if i in order:
            entry["linearized_at"] = order[i]
        lanes.setdefault(op.thread, []).append(entry)
    return dict(sorted(lanes.items()))


def lanes(ops: list[Op], result: Result, shown: list[int], cell: int = 3) -> list[tuple[str, str]]:
    """(thread, lane) rows drawing `shown` as bars on a time axis of event order: `[n---]` is
    operation n of the window table, `*` marks the window, `+` linearized ops, `>` never returned."""
    times = sorted({t for i in shown for t in (ops[i].call, ops[i].ret) if t is not None})
    column = {t: n for n, t in enumerate(times)}
    width = (len(times) + 1) * cell
    rows: dict[int, list[str]] = {}
    for n, i in enumerate(shown):
        op = ops[i]
        lane = rows.setdefault(op.thread, [" "] * width)
        start = column[op.call] * cell
        end = column[op.ret] * cell + cell - 1 if op.ret is not None else width - 1
        bar = list(f"[{mark(i, result).strip()}{n}".ljust(end - start, "-")[: end - start]) + \
            [">" if op.ret is None else "]"]
        lane[start:end + 1] = bar
    return [(str(t), "".join(rows[t]).rstrip()) for t in sorted(rows)]


def report(path: str, ops: list[Op], model: str, result: Result,
           describe: Callable[[Op], str] = Op.describe) -> Report:
    """The Report of one check; `describe` names operations (a Model's own, or Op.describe)."""
    subject = Subject("history", Path(path).name, path=path)
    shown = window_ops(ops, result)
    data: dict[str, Any] = {
        "history": path, "model": model, "operations": len(ops), "verdict": result.verdict,
        "reason": result.reason, "steps": result.steps, "partitions": result.partitions,
        "partitions_unknown": result.partitions_unknown, "peak_memory": result.peak_memory,
        "failing_part": result.failing_part, "longest_prefix": result.longest_prefix, "window": result.window,
        "timeline": {str(t): v for t, v in timeline(ops, result, shown, describe).items()},
    }
    rep = Report("history check", data=data)
    stats = (("verdict", result.verdict), ("operations", str(len(ops))), ("model", model),
             ("partitions", str(result.partitions)), ("steps", str(result.steps)),
             ("peak memory", f"{result.peak_memory / 2**20:.1f} MiB"))
    rep.tables.append(Table(f"history {path}", ("fact", "value"), stats))
    if result.verdict == "illegal":
        rep.tables.append(Table("failing window by thread (time runs right, in event order)",
                                ("thread", "operations"), tuple(lanes(ops, result, shown))))
        rows = tuple((str(n), str(ops[i].thread), mark(i, result), str(ops[i].call),
                      "never" if ops[i].ret is None else str(ops[i].ret), describe(ops[i]))
                     for n, i in enumerate(shown))
        rep.tables.append(Table("failing window (* no order could place these next, + linearized before)",
                                ("n", "thread", "", "call", "return", "operation"), rows))
        placed = len(result.longest_prefix)
        rep.findings.append(Finding(
            "history/not-linearizable", Severity.ERROR, subject,
            f"not linearizable for model {model}: after {placed} of {len(result.failing_part)} operations of the "
            f"failing part, none of {', '.join(describe(ops[i]) for i in result.window)} can take effect next",
            evidence={"window": result.window, "longest_prefix": result.longest_prefix}))
    elif result.verdict == "unknown":
        rep.findings.append(Finding(
            "history/undecided", Severity.WARNING, subject,
            f"undecided: {result.reason}; raise --max-steps/--max-memory or partition the history",
            evidence={"reason": result.reason}))
    return rep

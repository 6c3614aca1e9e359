"""A recorded history in memory (Op) and its file format, JSON lines (docs/history.md)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

FORMAT_VERSION = 1


class HistoryError(ValueError):
    """The input is not a history we can read; the message names the line."""


@dataclass
class Op:
    """One operation. Its interval [call, ret] is closed: two operations are concurrent unless
    one returned strictly before the other was called (Porcupine's convention; a write [0, 10]
    and a read [10, 20] may linearize either way). `ret` None: the operation never returned.
    `unknown`: its outcome was not observed (Jepsen's :info, a crash, a timeout), so it may or
    may not have taken effect and `result` means nothing; an op that never returned is unknown.
    """

    thread: int
    name: str
    args: tuple = ()
    result: Any = None
    call: int = 0
    ret: int | None = 0
    key: Any = None
    unknown: bool = False
    meta: dict = field(default_factory=dict)  # carried into reports, never checked

    def __post_init__(self) -> None:
        self.args = tuple(self.args)
        if self.ret is None:
            self.unknown = True
        elif self.ret < self.call:
            raise HistoryError(f"operation {self.name} returns ({self.ret}) before it is called ({self.call})")

    def describe(self) -> str:
        args = ", ".join(repr(a) for a in self.args)
        key = f"[{self.key!r}]" if self.key is not None else ""
        out = "?" if self.unknown else ("-" if self.result is None else repr(self.result))
        return f"{self.name}{key}({args}) -> {out}"

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"thread": self.thread, "op": self.name, "args": list(self.args),
                             "result": self.result, "call": self.call, "ret": self.ret}
        if self.key is not None:
            d["key"] = self.key
        if self.unknown and self.ret is not None:
            d["unknown"] = True
        if self.meta:
            d["meta"] = self.meta
        return d


@dataclass
class History:
    ops: list[Op]
    model: str | None = None  # the header's model name, when the file names one

    def __len__(self) -> int:
        return len(self.ops)


_SCALARS = (int, str, type(None), bool)


def _op_from_json(d: Any, line: int) -> Op:
    if not isinstance(d, dict):
        raise HistoryError(f"line {line}: an operation is a JSON object")
    missing = [k for k in ("thread", "op", "call") if k not in d]
    if missing:
        raise HistoryError(f"line {line}: missing {', '.join(missing)}")
    args = d.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, _SCALARS) for a in args):
        raise HistoryError(f"line {line}: args must be a list of integers, strings, booleans or null")
    ints = {"thread": d["thread"], "call": d["call"]}
    if d.get("ret") is not None:
        ints["ret"] = d["ret"]
    for name, value in ints.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise HistoryError(f"line {line}: {name} must be a non-negative integer")
    if not isinstance(d["op"], str) or not d["op"]:
        raise HistoryError(f"line {line}: op must be a name")
    result = d.get("result")
    if not isinstance(result, _SCALARS):
        raise HistoryError(f"line {line}: result must be an integer, string, boolean or null")
    key = d.get("key")
    if not isinstance(key, (int, str, type(None))) or isinstance(key, bool):
        raise HistoryError(f"line {line}: key must be an integer or a string")
    try:
        return Op(d["thread"], d["op"], tuple(args), result, d["call"], d.get("ret"), key,
                  bool(d.get("unknown", False)), d.get("meta") or {})
    except HistoryError as e:
        raise HistoryError(f"line {line}: {e}") from None


def read_jsonl(text: str) -> History:
    """Parse the ftkit history format: an optional header line {"ftkit-history": 1, "model": M}
    then one JSON object per operation; blank lines and lines starting with # are skipped."""
    ops: list[Op] = []
    model = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as e:
            raise HistoryError(f"line {n}: not JSON ({e.msg})") from None
        if isinstance(d, dict) and "ftkit-history" in d:
            if d["ftkit-history"] != FORMAT_VERSION:
                raise HistoryError(f"line {n}: format version {d['ftkit-history']!r}, "
                                   f"this ftkit reads {FORMAT_VERSION}")
            model = d.get("model")
            continue
        ops.append(_op_from_json(d, n))
    return History(ops, model)


def write_jsonl(ops: Iterable[Op], model: str | None = None) -> str:
    header = {"ftkit-history": FORMAT_VERSION}
    if model:
        header["model"] = model
    return "\n".join(json.dumps(x) for x in [header, *(op.to_json() for op in ops)]) + "\n"

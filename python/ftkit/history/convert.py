"""Converters from Jepsen's logs to ftkit histories: EDN-ish history maps and jepsen.util lines.

Both Porcupine test logs come from Jepsen (test_data/README.md in Porcupine's module), and we
read them the way Porcupine's own parsers do (porcupine_test.go, parseJepsenLog/parseKvLog):
  * events are ordered by their position in the log (the line number is the timestamp);
  * an invocation is answered by the next completion of the same process;
  * `:ok` of an operation invoked with nil (a read, a get) returns the completion's value;
    `:ok` of anything else echoes its arguments and returns 1 ("ok", cas succeeded);
  * `:fail` of a read (etcd's `:fail :read :timed-out`) is an unknown outcome; `:fail` of
    anything else returns 0 (cas whose compare failed);
  * `:info` (crashed, timed out; Jepsen then retires the process) and invocations still open at
    the end never returned: unknown outcome, open to the end of the history.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .ops import History, HistoryError, Op

# `INFO  jepsen.util - 3	:invoke	:cas	[1 4]` (Jepsen's console log of an etcd test).
_UTIL_LINE = re.compile(r"^\S+\s+jepsen\.util\s+-\s+(\d+)\s+(:\S+)\s+(:\S+)\s*(.*?)\s*$")
_TOKEN = re.compile(r'\s*(?:(\{)|(\})|(\[)|(\])|"((?:[^"\\]|\\.)*)"|([^\s,{}\[\]"]+))\s*,?')


def _edn(text: str, line: int) -> Any:
    """A value of the EDN subset Jepsen histories use: maps, vectors, strings, integers,
    keywords (kept as ':name' strings), nil, true, false."""
    tokens = list(_tokens(text, line))
    pos = 0

    def value() -> Any:
        nonlocal pos
        if pos >= len(tokens):
            raise HistoryError(f"line {line}: EDN value ends early")
        kind, tok = tokens[pos]
        pos += 1
        if kind == "{":
            out = {}
            while pos < len(tokens) and tokens[pos][0] != "}":
                k = value()
                out[k] = value()
            pos += 1
            return out
        if kind == "[":
            items = []
            while pos < len(tokens) and tokens[pos][0] != "]":
                items.append(value())
            pos += 1
            return items
        if kind == "str":
            return tok.encode().decode("unicode_escape")
        if kind == "atom":
            if tok == "nil":
                return None
            if tok in ("true", "false"):
                return tok == "true"
            if tok.startswith(":"):
                return tok
            try:
                return int(tok)
            except ValueError:
                raise HistoryError(f"line {line}: unsupported EDN value {tok!r}") from None
        raise HistoryError(f"line {line}: unexpected {tok!r}")

    result = value()
    if pos != len(tokens):
        raise HistoryError(f"line {line}: text after the EDN value")
    return result


def _tokens(text: str, line: int) -> Iterator[tuple[str, str]]:
    at = 0
    text = text.strip()
    while at < len(text):
        m = _TOKEN.match(text, at)
        if not m or m.end() == at:
            raise HistoryError(f"line {line}: cannot read EDN at column {at + 1}")
        at = m.end()
        for kind, group in (("{", 1), ("}", 2), ("[", 3), ("]", 4)):
            if m.group(group):
                yield kind, m.group(group)
                break
        else:
            yield ("str", m.group(5)) if m.group(5) is not None else ("atom", m.group(6))


class _Pairing:
    """Matches completions to invocations per process and applies the conventions above."""

    def __init__(self) -> None:
        self.ops: list[Op] = []
        self.open: dict[int, Op] = {}

    def event(self, process: int, kind: str, f: str, value: Any, key: Any, at: int, line: int) -> None:
        name = f.lstrip(":")
        if kind == ":invoke":
            if process in self.open:
                raise HistoryError(f"line {line}: process {process} invokes again before its last op completed")
            args = () if value is None else tuple(value) if isinstance(value, list) else (value,)
            op = Op(process, name, args, None, at, None, key)
            self.open[process] = op
            self.ops.append(op)
            return
        op = self.open.pop(process, None)
        if op is None:
            raise HistoryError(f"line {line}: process {process} completes {name} it never invoked")
        if kind == ":info":
            self.open.pop(process, None)
            return  # never returned: unknown, ret stays None
        op.ret, op.unknown = at, False
        read = not op.args
        if kind == ":ok":
            op.result = (tuple(value) if isinstance(value, list) else value) if read else 1
        elif kind == ":fail":
            if read:
                op.unknown = True
            else:
                op.result = 0
        else:
            raise HistoryError(f"line {line}: unknown event type {kind}")

    def history(self) -> History:
        return History(self.ops)


def read_jepsen_edn(text: str) -> History:
    """One EDN map per line: {:process 0, :type :invoke, :f :get, :key "k", :value nil}
    (Porcupine's kv logs; Jepsen history.edn). :key, when present, is the partition key."""
    pairing = _Pairing()
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        d = _edn(line, n)
        if not isinstance(d, dict) or ":type" not in d or ":f" not in d or ":process" not in d:
            raise HistoryError(f"line {n}: expected a map with :process, :type and :f")
        if not isinstance(d[":process"], int):
            continue  # :nemesis events are not client operations
        pairing.event(d[":process"], d[":type"], d[":f"], d.get(":value"), d.get(":key"), n, n)
    return pairing.history()


def read_jepsen_log(text: str) -> History:
    """Jepsen's console log lines `INFO jepsen.util - PROCESS :TYPE :F VALUE` (Porcupine's etcd
    logs); other lines are skipped."""
    pairing = _Pairing()
    for n, raw in enumerate(text.splitlines(), 1):
        m = _UTIL_LINE.match(raw)
        if not m:
            continue
        process, kind, f, rest = int(m.group(1)), m.group(2), m.group(3), m.group(4)
        value = _edn(rest, n) if rest and not rest.startswith(":") else None  # `:timed-out`
        pairing.event(process, kind, f, value, None, n, n)
    return pairing.history()


FORMATS = {"jepsen-edn": read_jepsen_edn, "jepsen-log": read_jepsen_log}


def sniff(text: str) -> str:
    """The format of a history text: "jsonl", "jepsen-edn" or "jepsen-log"."""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("{:") or line.startswith("{ :"):
            return "jepsen-edn"
        if line.startswith("{"):
            return "jsonl"
        if _UTIL_LINE.match(raw) or "jepsen" in line:
            return "jepsen-log"
        raise HistoryError("cannot tell the format: expected ftkit JSON lines, Jepsen EDN maps "
                           "or jepsen.util log lines")
    return "jsonl"

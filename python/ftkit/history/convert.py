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
from typing import Any

from .ops import History, HistoryError, Op

# `INFO  jepsen.util - 3	:invoke	:cas	[1 4]` (Jepsen's console log of an etcd test).
_UTIL_LINE = re.compile(r"^\S+\s+jepsen\.util\s+-\s+(\d+)\s+(:\S+)\s+(:\S+)\s*(.*?)\s*$")
_TOKEN = re.compile(r'''(?P<open>[{\[(]|\#\{)|(?P<close>[}\])])|"(?P<str>(?:[^"\\]|\\.)*)"'''
                    r'''|(?P<tag>\#[^\s,{}\[\]()"]+)|(?P<atom>[^\s,{}\[\]()"#;]+)''')
_SKIP = re.compile(r"(?:[\s,]+|;[^\n]*)*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
_CLOSE = {"{": "}", "[": "]", "(": ")", "#{": "}"}


class _EdnReader:
    """The EDN subset Jepsen histories use, read as a stream of values from a whole text: maps,
    vectors, lists and sets (as lists), strings, integers, keywords (kept as ':name' strings),
    nil, true, false; `;` comments; tagged values (#jepsen.history.Op{...}) read untagged."""

    def __init__(self, text: str) -> None:
        self.text, self.at = text, 0

    def line(self) -> int:
        return self.text.count("\n", 0, self.at) + 1

    def at_end(self) -> bool:
        self.at = _SKIP.match(self.text, self.at).end()
        return self.at >= len(self.text)

    def token(self) -> re.Match:
        if self.at_end():
            raise HistoryError(f"line {self.line()}: EDN value ends early")
        m = _TOKEN.match(self.text, self.at)
        if not m:
            raise HistoryError(f"line {self.line()}: cannot read EDN at {self.text[self.at:self.at + 20]!r}")
        self.at = m.end()
        return m

    def value(self, m: re.Match | None = None) -> Any:
        m = m or self.token()
        if m["open"]:
            items = []
            while not (inner := self.token())["close"]:
                items.append(self.value(inner))
            if inner["close"] != _CLOSE[m["open"]]:
                raise HistoryError(f"line {self.line()}: {inner['close']} closes {m['open']}")
            if m["open"] != "{":
                return items
            if len(items) % 2:
                raise HistoryError(f"line {self.line()}: a map needs a value for every key")
            return {tuple(k) if isinstance(k, list) else k: v for k, v in zip(items[::2], items[1::2])}
        if m["close"]:
            raise HistoryError(f"line {self.line()}: unexpected {m['close']}")
        if m["str"] is not None:
            return re.sub(r"\\(.)", lambda e: _ESCAPES.get(e[1], e[1]), m["str"])
        if m["tag"]:
            return self.value()
        tok = m["atom"]
        if tok in ("nil", "true", "false"):
            return None if tok == "nil" else tok == "true"
        if tok.startswith(":"):
            return tok
        try:
            return int(tok.rstrip("N"))
        except ValueError:
            raise HistoryError(f"line {self.line()}: unsupported EDN value {tok!r}") from None


def _edn(text: str, line: int) -> Any:
    """The one EDN value of `text` (a field of a log line); errors name `line`."""
    reader = _EdnReader(text)
    try:
        value = reader.value()
        if not reader.at_end():
            raise HistoryError("line 1: text after the EDN value")
    except HistoryError as e:
        raise HistoryError(f"line {line}: {str(e).split(': ', 1)[1]}") from None
    return value


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
    """Jepsen operation maps, {:process 0, :type :invoke, :f :get, :key "k", :value nil}: one per
    line (Porcupine's kv logs) or any EDN stream of them, also inside one vector (Jepsen's
    history.edn). Events are numbered in order; :key, when present, is the partition key."""
    pairing = _Pairing()
    reader = _EdnReader(text)
    n = 0

    def event(d: Any, line: int) -> None:
        nonlocal n
        if not isinstance(d, dict) or ":type" not in d or ":f" not in d or ":process" not in d:
            raise HistoryError(f"line {line}: expected a map with :process, :type and :f")
        if isinstance(d[":process"], int):  # :nemesis events are not client operations
            n += 1
            pairing.event(d[":process"], d[":type"], d[":f"], d.get(":value"), d.get(":key"), n, line)

    while not reader.at_end():
        line = reader.line()
        m = reader.token()
        if m["open"] != "[":
            event(reader.value(m), line)
            continue
        while not reader.at_end() or reader.token():  # a whole history in one vector
            line = reader.line()
            inner = reader.token()
            if inner["close"] == "]":
                break
            event(reader.value(inner), line)
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

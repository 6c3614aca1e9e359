"""ftkit.history: check a recorded concurrent history for linearizability, on its own.

Public API (docs/history.md):

    from ftkit.history import Op, Model, check, read_history

    ops = [Op(thread=0, name="write", args=(1,), call=0, ret=10),
           Op(thread=1, name="read", result=0, call=11, ret=15)]
    check(ops, "register").verdict                      # "illegal": the write had returned

    counter = Model(init=lambda: 0,
                    step=lambda s, op: (True, s + 1) if op.name == "inc" else (op.result == s, s))
    check(ops_of_a_counter, counter)

A model is a record of plain callables (init, step, equal, hash, partition, describe), as in
Porcupine; the built-in C++ models are named by string (BUILTIN). The verdict is three-valued:
"unknown" when the step or memory budget ran out, never reported as a pass.

Why `ftkit.history` and not `ftkit.check`: `ftkit check` is the CI command of another part of
ftkit; this module matches its own command, `ftkit history check FILE --model M`.
"""

from __future__ import annotations

from pathlib import Path

from .check import BUILTIN, MAX_MEMORY, MAX_STEPS, Model, Result, check, default_partition
from .convert import FORMATS, read_jepsen_edn, read_jepsen_log, sniff
from .ops import History, HistoryError, Op, read_jsonl, write_jsonl

__all__ = ["BUILTIN", "MAX_MEMORY", "MAX_STEPS", "History", "HistoryError", "Model", "Op", "Result",
           "check", "default_partition", "read_history", "read_jepsen_edn", "read_jepsen_log", "read_jsonl",
           "write_jsonl"]


def read_history(source: str | Path, fmt: str = "auto") -> History:
    """Read a history file: "jsonl" (ftkit's format), "jepsen-edn", "jepsen-log", or "auto"."""
    try:
        text = Path(source).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise HistoryError(f"{source}: not UTF-8 text") from None
    fmt = sniff(text) if fmt == "auto" else fmt
    if fmt == "jsonl":
        return read_jsonl(text)
    if fmt not in FORMATS:
        raise HistoryError(f"unknown format {fmt!r} (jsonl, {', '.join(FORMATS)})")
    return FORMATS[fmt](text)

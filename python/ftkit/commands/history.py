"""`ftkit history check FILE --model M`: is a recorded history linearizable? (docs/history.md)"""

from __future__ import annotations

import argparse
import sys

from ..exitcodes import CLEAN, ENVIRONMENT, FINDINGS
from . import output

FORMATS = ("auto", "jsonl", "jepsen-edn", "jepsen-log")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "history", help="check a recorded concurrent history for linearizability",
        description="Check a history file (ftkit JSON lines, Jepsen EDN maps or jepsen.util logs) against a "
        "sequential model. Exit 0 linearizable, 1 not linearizable or undecided, 2 bad input.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    c = actions.add_parser("check", help="check one history file",
                           description="Report the verdict and, for a violation, the failing window as a "
                           "per-thread timeline (text, JSON, or a self-contained HTML page).")
    c.add_argument("file", metavar="FILE")
    c.add_argument("--model", "-m", help="built-in model (register, cas-register, kv, queue, set, counter), or "
                   "MODULE:NAME of an ftkit.history.Model or a native model (default: the file header's model)")
    c.add_argument("--input-format", choices=FORMATS, default="auto", help="history format (default: auto)")
    c.add_argument("--max-steps", type=int, default=None, help="step budget (default 20,000,000)")
    c.add_argument("--max-memory", type=int, default=None, metavar="MIB",
                   help="memory budget in MiB (default 2048)")
    output.add_format_option(c)
    c.add_argument("--convert", metavar="OUT", help="also write the history in ftkit's JSON-lines format to OUT")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..history import MAX_MEMORY, MAX_STEPS, HistoryError, Op, check, read_history, write_jsonl
    from ..history.html import render_html
    from ..history.render import report

    name = "ftkit history check"
    for flag, value in (("--max-steps", args.max_steps), ("--max-memory", args.max_memory)):
        if value is not None and value < 1:
            print(f"{name}: {flag} must be at least 1", file=sys.stderr)
            return ENVIRONMENT
    try:
        history = read_history(args.file, args.input_format)
        model = args.model or history.model
        if not model:
            print(f"{name}: {args.file} names no model: give --model", file=sys.stderr)
            return ENVIRONMENT
        model_name, model = model, load_model(model)
        result = check(history, model, args.max_steps or MAX_STEPS,
                       (args.max_memory << 20) if args.max_memory else MAX_MEMORY)
    except (HistoryError, FileNotFoundError, IsADirectoryError, PermissionError) as e:
        print(f"{name}: {e}", file=sys.stderr)
        return ENVIRONMENT
    # A file that cannot be written loses no verdict: the report still comes out (issue 12).
    converted = not args.convert or output.write_file(args.convert, write_jsonl(history.ops, model_name),
                                                      "history check", "the converted history",
                                                      "the check's report follows")
    describe = getattr(model, "describe", None) or Op.describe
    rep = report(args.file, history.ops, model_name, result, describe)
    if args.format == "html":  # a history's own page: its operations drawn as lanes (history/html.py)
        page = render_html(args.file, history.ops, model_name, result, describe)
        if not args.output:
            output.write_out(page, args)
        elif not output.write_file(args.output, page, "history check", "the HTML page",
                                   "the report follows on stdout as text"):
            args.format, args.output = "text", None
            output.emit(rep, args)
            return FINDINGS if rep.failed else ENVIRONMENT
        return FINDINGS if rep.failed else CLEAN if converted else ENVIRONMENT
    code = output.emit(rep, args)
    return code if converted or code != CLEAN else ENVIRONMENT


def load_model(spec: str):
    """A built-in model's name as is; MODULE:NAME imported (the current directory first)."""
    from ..history import HistoryError

    if ":" not in spec:
        return spec
    module_name, _, attr = spec.partition(":")
    import importlib

    sys.path.insert(0, ".")
    try:
        module = importlib.import_module(module_name)
    except Exception as e:  # the user's module: any error it raises is bad input here
        raise HistoryError(f"cannot import {module_name}: {type(e).__name__}: {e}") from None
    finally:
        sys.path.pop(0)
    if not hasattr(module, attr):
        raise HistoryError(f"{module_name} has no {attr}")
    return getattr(module, attr)

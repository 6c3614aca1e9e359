"""`--python` and `--no-bootstrap`, shared by every command that runs targets under a free-threaded
interpreter, and their resolution (interpreters.resolve's one policy) into an Interpreter."""

from __future__ import annotations

import argparse

from ..interpreters.discover import Interpreter
from ..interpreters.resolve import resolve


def add_options(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--python", metavar="PATH",
                   help=f"free-threaded interpreter {what} (default: this one if free-threaded, else one "
                   "found on PATH, in pyenv or uv, or in the ftkit cache, else CPython 3.14t is built once)")
    p.add_argument("--no-bootstrap", action="store_true",
                   help="never build an interpreter: exit 2 when none is found")


def choose(args: argparse.Namespace, command: str, env: dict | None = None,
           needs_ftkit: bool = False) -> Interpreter:
    """The interpreter for this run; interpreters.resolve.InterpreterError (exit 2) if there is none."""
    return resolve(command, args.python, env, no_bootstrap=getattr(args, "no_bootstrap", False),
                   needs_ftkit=needs_ftkit)

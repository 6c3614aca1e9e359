"""`ftkit gilcheck TARGET...`: which extension modules turn the GIL on, crash, hang or fail to import."""

from __future__ import annotations

import argparse
import os
import sys

from .. import console, gilcheck
from ..children import check_timeout
from ..exitcodes import ENVIRONMENT, FINDINGS
from . import interpreter, output


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "gilcheck",
        help="import each extension module in a fresh free-threaded process: does the GIL stay off?",
        description="Import every extension module of each TARGET (an installed distribution, an "
        "import name, a directory or a wheel, which is unpacked, not installed) in its own process "
        "of a free-threaded interpreter, in default mode and with PYTHON_GIL=0, and report which "
        "turned the GIL on (or through which import), crashed, hung or failed to import.",
    )
    p.add_argument("targets", nargs="+", metavar="TARGET")
    interpreter.add_options(p, "to import with")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                   help="kill an import that takes longer (default: 30)")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                   help="processes in parallel (default: the core count)")
    output.add_format_option(p)
    p.set_defaults(run=run)


def _valid(args: argparse.Namespace) -> bool:
    try:
        check_timeout(args.timeout)  # nan and inf too: they would never end a hung import
    except ValueError:
        return False
    return args.jobs >= 1


def run(args: argparse.Namespace) -> int:
    if not _valid(args):
        print("ftkit gilcheck: --timeout and --jobs must be positive", file=sys.stderr)
        return ENVIRONMENT
    env = gilcheck.clean_environment(dict(os.environ))
    try:
        python = interpreter.choose(args, "gilcheck", env)
        with console.progress("importing") as update:
            report = gilcheck.check(args.targets, python, args.timeout, args.jobs, dict(os.environ),
                                    progress=update)
    except (gilcheck.TargetError, gilcheck.InterpreterError) as e:
        print(f"ftkit gilcheck: {e}", file=sys.stderr)
        return ENVIRONMENT
    code = output.emit(report, args)
    if report.interrupted:
        # What was judged before the interrupt is reported above; the run as a whole is not done.
        print(f"ftkit gilcheck: interrupted: the report is partial ({report.checked})", file=sys.stderr)
        return code if code == FINDINGS else ENVIRONMENT
    return code

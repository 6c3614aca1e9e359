"""`ftkit gilcheck TARGET...`: which extension modules turn the GIL on, crash, hang or fail to import."""

from __future__ import annotations

import argparse
import os
import sys
import sysconfig

from .. import gilcheck
from ..exitcodes import ENVIRONMENT
from ..interpreters import bootstrap
from ..interpreters.cache import Variant
from . import output


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
    p.add_argument("--python", metavar="PATH",
                   help="free-threaded interpreter to import with (default: this one if free-threaded, "
                        "else the bootstrapped 3.14t)")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                   help="kill an import that takes longer (default: 30)")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                   help="processes in parallel (default: the core count)")
    output.add_format_option(p, ("text", "json"))
    p.set_defaults(run=run)


def _default_python() -> str:
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        return sys.executable
    return str(bootstrap.ensure(Variant.parse("3.14t")))


def run(args: argparse.Namespace) -> int:
    if args.timeout <= 0 or args.jobs < 1:
        print("ftkit gilcheck: --timeout and --jobs must be positive", file=sys.stderr)
        return ENVIRONMENT
    try:
        python = args.python or _default_python()
        report = gilcheck.check(args.targets, python, args.timeout, args.jobs, dict(os.environ),
                                progress=_progress_bar() if sys.stderr.isatty() else None)
    except (gilcheck.TargetError, gilcheck.InterpreterError) as e:
        print(f"ftkit gilcheck: {e}", file=sys.stderr)
        return ENVIRONMENT
    except bootstrap.BootstrapError as e:
        print(e.render(), file=sys.stderr)
        return ENVIRONMENT
    return output.emit(report, args)


def _progress_bar():
    # rich only on a terminal: CI logs stay quiet (DESIGN.md: progress bars on long work).
    from rich.console import Console
    from rich.progress import Progress

    state: dict = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = Progress(transient=True, console=Console(stderr=True))
            state["bar"].start()
            state["task"] = state["bar"].add_task("importing", total=total)
        state["bar"].update(state["task"], completed=done)
        if done == total:
            state["bar"].stop()

    return update

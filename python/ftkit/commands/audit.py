"""`ftkit audit PATH...`: static free-threading audit of wheels and extension binaries."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from ..exitcodes import ENVIRONMENT
from . import output


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit", help="check wheels and extension modules for free-threading support, statically",
        description="Read wheels (in memory), directories and .so/.pyd/.dylib files for any platform; "
        "report each module's GIL declaration, whether it was built for the free-threaded ABI, its "
        "binding generator and C-API hazards. Exit 0 clean, 1 findings, 2 unreadable input.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="wheel, directory or extension module")
    p.add_argument("--jobs", "-j", type=int, default=None, help="parallel threads (default: cores, at most 8)")
    p.add_argument("--verify-import", action="store_true",
                   help="confirm verdicts by loading each module in a free-threaded interpreter "
                   "(one process per module; wheels are extracted to a temporary directory)")
    p.add_argument("--python", metavar="PATH", help="interpreter for --verify-import "
                   "(default: this one if free-threaded, else the bootstrapped 3.14t)")
    output.add_format_option(p, ("text", "json"))
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..audit import InputError, audit, default_jobs

    if args.jobs is not None and args.jobs < 1:
        print("ftkit audit: --jobs must be at least 1", file=sys.stderr)
        return ENVIRONMENT
    try:
        python = verify_interpreter(args) if args.verify_import else None
        with progress_bar() as progress:
            report = audit(args.paths, jobs=args.jobs or default_jobs(), verify_with=python, progress=progress)
    except InputError as e:
        print(f"ftkit audit: {e}", file=sys.stderr)
        return ENVIRONMENT
    code = output.emit(report, args)
    for bad in report.data["unreadable"]:
        print(f"ftkit audit: cannot read {bad['path']}: {bad['error']}", file=sys.stderr)
    return ENVIRONMENT if report.data["unreadable"] else code


def verify_interpreter(args: argparse.Namespace) -> str:
    import sysconfig

    from ..audit import InputError
    from ..interpreters import bootstrap
    from ..interpreters.cache import Variant

    if args.python:
        return args.python
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        return sys.executable
    try:
        return str(bootstrap.ensure(Variant.parse("3.14t")))
    except bootstrap.BootstrapError as e:
        raise InputError(f"--verify-import needs a free-threaded interpreter: {e}") from None


@contextlib.contextmanager
def progress_bar():
    """A progress callback drawing a bar on a terminal's stderr; None (no bar) otherwise."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("auditing", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)

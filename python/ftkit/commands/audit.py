"""`ftkit audit PATH...`: static free-threading audit of wheels and extension binaries."""

from __future__ import annotations

import argparse
import sys

from .. import console
from ..children import check_timeout
from ..exitcodes import ENVIRONMENT
from ..interpreters.resolve import InterpreterError
from . import interpreter, output


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit", help="check wheels and extension modules for free-threading support, statically",
        description="Read wheels (in memory), directories and .so/.pyd/.dylib files for any platform; "
        "report each module's GIL declaration, whether it was built for the free-threaded ABI, its "
        "binding generator and C-API hazards. Sdists and build-tool folders (meson-private, CMakeFiles, "
        "build/temp.*, .eggs, __pycache__, .git, .tox, .nox, venvs) are skipped with a note. "
        "Exit 0 clean, 1 findings, 2 unreadable input.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="wheel, directory or extension module")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="skip paths (relative to a directory given) or names matching GLOB, e.g. "
                   "'tests/*' or '*_test.so'; repeatable")
    p.add_argument("--jobs", "-j", type=int, default=None, help="parallel threads (default: cores, at most 8)")
    p.add_argument("--verify-import", action="store_true",
                   help="confirm verdicts by loading each module in a free-threaded interpreter "
                   "(one process per module; wheels are extracted to a temporary directory)")
    interpreter.add_options(p, "for --verify-import")
    p.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                   help="with --verify-import: kill a load that takes longer, and report it (default: 120)")
    output.add_format_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..audit import InputError, audit, default_jobs, verify

    if args.jobs is not None and args.jobs < 1:
        print("ftkit audit: --jobs must be at least 1", file=sys.stderr)
        return ENVIRONMENT
    try:
        check_timeout(args.timeout)
    except ValueError as e:
        print(f"ftkit audit: --timeout: {e}", file=sys.stderr)
        return ENVIRONMENT
    try:
        python = None
        if args.verify_import:
            python = interpreter.choose(args, "audit --verify-import", verify.child_environment()).path
        with console.progress("auditing") as progress:
            report = audit(args.paths, jobs=args.jobs or default_jobs(), verify_with=python, progress=progress,
                           exclude=tuple(args.exclude), verify_timeout=args.timeout)
    except InterpreterError as e:
        print(f"ftkit audit: --verify-import: {e}", file=sys.stderr)
        return ENVIRONMENT
    except InputError as e:
        print(f"ftkit audit: {e}", file=sys.stderr)
        return ENVIRONMENT
    code = output.emit(report, args)
    for bad in report.data["unreadable"]:
        print(f"ftkit audit: cannot read {bad['path']}: {bad['error']}", file=sys.stderr)
    return ENVIRONMENT if report.data["unreadable"] else code

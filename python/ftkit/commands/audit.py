"""`ftkit audit PATH...`: static free-threading audit of wheels and extension binaries."""

from __future__ import annotations

import argparse
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
    output.add_format_option(p, ("text", "json"))
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..audit import InputError, audit, default_jobs

    if args.jobs is not None and args.jobs < 1:
        print("ftkit audit: --jobs must be at least 1", file=sys.stderr)
        return ENVIRONMENT
    try:
        report = audit(args.paths, jobs=args.jobs or default_jobs())
    except InputError as e:
        print(f"ftkit audit: {e}", file=sys.stderr)
        return ENVIRONMENT
    code = output.emit(report, args)
    for bad in report.data["unreadable"]:
        print(f"ftkit audit: cannot read {bad['path']}: {bad['error']}", file=sys.stderr)
    return ENVIRONMENT if report.data["unreadable"] else code

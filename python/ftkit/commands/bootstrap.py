"""`ftkit bootstrap [VERSION...]`: build the interpreters ftkit needs into its cache."""

from __future__ import annotations

import argparse
import sys

from ..exitcodes import CLEAN, ENVIRONMENT
from ..interpreters import bootstrap, resolve
from ..interpreters.cache import Variant

DEFAULT_VARIANTS = ["3.14t"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bootstrap",
        help="build free-threaded (3.13t, 3.14t, 3.15t) or GIL CPython into the ftkit cache",
        description="Build CPython from pinned, checksum-verified source tarballs into "
        "${FTKIT_CACHE:-~/.cache/ftkit}. A version already built is reused at once.",
    )
    add_arguments(p)
    p.set_defaults(run=run)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("versions", nargs="*", metavar="VERSION",
                   help="e.g. 3.14t (free-threaded), 3.14 (GIL build) or 3.14t-tsan (free-threaded "
                   "with ThreadSanitizer, for `ftkit stress --tsan`); default: 3.14t")
    p.add_argument("--jobs", type=int, default=None, help="parallel compile jobs (default: cores)")
    p.add_argument("--print-path", action="store_true",
                   help="print only the interpreter paths, one per line")


def run(args: argparse.Namespace) -> int:
    try:
        variants = [Variant.parse(v) for v in (args.versions or DEFAULT_VARIANTS)]
    except ValueError as e:
        print(f"ftkit bootstrap: {e}", file=sys.stderr)
        return ENVIRONMENT
    for variant in variants:
        try:
            # Asked for by name, so not announced; a terminal still sees the step and the time so far.
            path = resolve.build(variant, announce=_silent, jobs=args.jobs)
        except bootstrap.BootstrapError as e:
            print(e.render(), file=sys.stderr)
            return ENVIRONMENT
        print(path if args.print_path else f"{variant}: {path}")
    return CLEAN


def _silent(line: str) -> None:
    pass


def main(argv: list[str] | None = None) -> int:
    """Entry for tools/bootstrap.py, which runs before ftkit is installed anywhere."""
    p = argparse.ArgumentParser(prog="bootstrap", description=__doc__)
    add_arguments(p)
    try:
        return run(p.parse_args(argv))
    except KeyboardInterrupt:
        print("ftkit bootstrap: interrupted; the cache holds no partial build", file=sys.stderr)
        return ENVIRONMENT

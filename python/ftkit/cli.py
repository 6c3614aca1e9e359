"""`ftkit` command line: parse, dispatch to one subcommand, turn failures into exit codes."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from . import __version__
from .commands import audit, bench, bootstrap, doctor, gilcheck, history
from .commands import check as check_command
from .commands import stress as stress_command
from .exitcodes import ENVIRONMENT

# Only commands that work are listed; each module adds its own subparser.
COMMANDS = (doctor, bootstrap, audit, gilcheck, stress_command, history, check_command, bench)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ftkit",
        description="Is your extension module really free-threaded? "
        "Exit codes: 0 clean, 1 findings, 2 usage or environment error.",
    )
    p.add_argument("--version", action="version", version=f"ftkit {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return p


class Terminated(KeyboardInterrupt):
    """SIGTERM (a CI job cancelled, `timeout`, `kill`), raised like Ctrl-C's KeyboardInterrupt so the
    same clean path runs: children stopped, temporary folders removed, partial results reported."""


def _terminate(signum, frame) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return ENVIRONMENT
    in_main = threading.current_thread() is threading.main_thread()  # where signal handlers live
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None
    try:
        return args.run(args)
    except KeyboardInterrupt as e:
        print(f"ftkit: {'terminated' if isinstance(e, Terminated) else 'interrupted'}", file=sys.stderr)
        return ENVIRONMENT
    except BrokenPipeError:  # `ftkit doctor | head`: the reader left; not an error of ours
        # Point stdout at /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ENVIRONMENT
    except OSError as e:  # e.g. --output into a missing directory
        print(f"ftkit {args.command}: {e}", file=sys.stderr)
        return ENVIRONMENT
    finally:
        if in_main and previous is not None:  # main() called in-process (tests): restore the caller's
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())

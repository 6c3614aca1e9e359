"""`ftkit` command line: parse, dispatch to one subcommand, turn failures into exit codes."""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .commands import audit, bootstrap, doctor, gilcheck, history
from .commands import stress as stress_command
from .exitcodes import ENVIRONMENT

# Only commands that work are listed; each module adds its own subparser.
COMMANDS = (doctor, bootstrap, audit, gilcheck, stress_command, history)


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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return ENVIRONMENT
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("ftkit: interrupted", file=sys.stderr)
        return ENVIRONMENT
    except BrokenPipeError:  # `ftkit doctor | head`: the reader left; not an error of ours
        # Point stdout at /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ENVIRONMENT
    except OSError as e:  # e.g. --output into a missing directory
        print(f"ftkit {args.command}: {e}", file=sys.stderr)
        return ENVIRONMENT


if __name__ == "__main__":
    sys.exit(main())

"""The shared end of every command: choose a renderer, write the report, return the exit code."""

from __future__ import annotations

import argparse
import io
import sys

from .. import console
from ..exitcodes import CLEAN, ENVIRONMENT, FINDINGS
from ..report import Report
from ..report.render_json import render_json
from ..report.render_text import render_text


def add_format_option(p: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    p.add_argument("--format", choices=formats, default="text", help="output format (default: text)")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colour in text output (default: auto: on a terminal, unless NO_COLOR is set; "
                   "FORCE_COLOR forces it)")


def wants_colour(args: argparse.Namespace, stream) -> bool:
    return console.colour(args.color, stream)


def emit(report: Report, args: argparse.Namespace) -> int:
    """Write the report; exit 1 on findings, else 0. A report file that cannot be written (a
    read-only folder, a full disk) loses nothing: one line says so and the report goes to stdout,
    and a clean run then exits 2, since the output asked for is missing (issue 12)."""
    code = FINDINGS if report.failed else CLEAN
    if args.output:
        text = io.StringIO()
        _render(report, args, text)
        if write_file(args.output, text.getvalue(), report.command, "the report", "it follows on stdout"):
            return code
        code = code if report.failed else ENVIRONMENT
    # A name that is not UTF-8 (a file on disk, a zip member) reaches here as lone surrogates
    # (os.fsdecode's surrogateescape): written as \udcXX escapes, never a UnicodeEncodeError.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    _render(report, args, sys.stdout)
    return code


def write_file(path: str, text: str, command: str, what: str, instead: str) -> bool:
    """Write text to path, or say in one line why it could not be and what happens instead."""
    try:
        with open(path, "w", encoding="utf-8", errors="backslashreplace") as f:
            f.write(text)
        return True
    except OSError as e:
        print(f"ftkit {command}: cannot write {what} to {path}: {e.strerror or e}; {instead}", file=sys.stderr)
        return False


def _render(report: Report, args: argparse.Namespace, stream) -> None:
    if args.format == "json":
        stream.write(render_json(report))
    else:
        render_text(report, stream, colour=wants_colour(args, stream))

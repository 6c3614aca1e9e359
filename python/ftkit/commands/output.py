"""The shared end of every command: choose a renderer, write the report, return the exit code."""

from __future__ import annotations

import argparse
import sys

from .. import console
from ..exitcodes import CLEAN, FINDINGS
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
    # A name that is not UTF-8 (a file on disk, a zip member) reaches here as lone surrogates
    # (os.fsdecode's surrogateescape): written as \udcXX escapes, never a UnicodeEncodeError.
    if args.output:
        stream = open(args.output, "w", encoding="utf-8", errors="backslashreplace")
    else:
        stream = sys.stdout
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        if args.format == "json":
            stream.write(render_json(report))
        else:
            render_text(report, stream, colour=wants_colour(args, stream))
    finally:
        if stream is not sys.stdout:
            stream.close()
    return FINDINGS if report.failed else CLEAN

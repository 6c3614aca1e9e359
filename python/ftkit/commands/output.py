"""The shared end of every command: choose a renderer, write the report, return the exit code.

Every command takes `--format text|json|junit|sarif|html|github`, `--output FILE` and
`--also FORMAT=FILE` (the same report in more formats from one run); a command whose report
carries the overall verdict also takes `--badge FILE` (docs/formats.md). Files are written
whole or not at all: into a temporary file beside the target, then renamed over it, so a CI
step never uploads half a report.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile

from .. import console
from ..exitcodes import CLEAN, ENVIRONMENT, FINDINGS
from ..report import Report

FORMATS = ("text", "json", "junit", "sarif", "html", "github")


def add_format_option(p: argparse.ArgumentParser, formats: tuple[str, ...] = FORMATS, badge: bool = False) -> None:
    p.add_argument("--format", choices=formats, default="text",
                   help="output format (default: text; docs/formats.md): " + ", ".join(formats))
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colour in text output (default: auto: on a terminal, unless NO_COLOR is set; "
                   "FORCE_COLOR forces it)")
    p.add_argument("--also", metavar="FORMAT=FILE", action="append", default=[], type=_also,
                   help="also write the report in FORMAT to FILE (repeatable): one run, e.g. "
                   "`--format github --also sarif=ftkit.sarif --also junit=ftkit.xml`")
    if badge:
        p.add_argument("--badge", metavar="FILE", help="also write the verdict as an SVG badge to FILE")


def _also(value: str) -> tuple[str, str]:
    fmt, sep, path = value.partition("=")
    if not sep or fmt not in FORMATS or not path:
        raise argparse.ArgumentTypeError(f"expected FORMAT=FILE, FORMAT one of {', '.join(FORMATS)}: {value!r}")
    return fmt, path


def wants_colour(args: argparse.Namespace, stream) -> bool:
    return console.colour(args.color, stream)


def render(report: Report, fmt: str, colour: bool = False) -> str:
    """The report in one format, as text (renderers are imported only when used)."""
    if fmt == "json":
        from ..report.render_json import render_json

        return render_json(report)
    if fmt == "junit":
        from ..report.render_junit import render_junit

        return render_junit(report)
    if fmt == "sarif":
        from ..report.render_sarif import render_sarif

        return render_sarif(report)
    if fmt == "html":
        from ..report.render_html import render_html

        return render_html(report)
    if fmt == "github":
        from ..report.render_github import render_github

        return render_github(report)
    from ..report.render_text import render_text

    buf = io.StringIO()
    render_text(report, buf, colour=colour)
    return buf.getvalue()


def write_atomic(path: str, text: str | bytes) -> None:
    """text (or bytes: a plot) into path, whole: a temporary file in the same folder (same file
    system), then rename; missing folders are made.
    A name that is not UTF-8 (a file on disk, a zip member) reaches here as lone surrogates
    (os.fsdecode's surrogateescape): written as \\udcXX escapes, never a UnicodeEncodeError."""
    if os.path.exists(path) and not os.path.isfile(path):
        # A device or pipe (`-o /dev/stdout`, a FIFO): written in place. A rename would put a
        # regular file where the device was (as root, over /dev/full itself; seen 2026-12-01).
        with _open(path, text) as f:
            f.write(text)
        return
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)  # `--output reports/ftkit.sarif` in a fresh CI checkout
    fd, tmp = tempfile.mkstemp(prefix=".ftkit-", suffix=".tmp", dir=folder)
    try:
        with _open(fd, text) as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _open(file, content: str | bytes):
    if isinstance(content, bytes):
        return open(file, "wb")
    return open(file, "w", encoding="utf-8", errors="backslashreplace", newline="")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_out(text: str, args: argparse.Namespace) -> None:
    """text to --output FILE (whole or not at all), else to stdout."""
    if args.output:
        write_atomic(args.output, text)
        return
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    sys.stdout.write(text)
    sys.stdout.flush()


def emit(report: Report, args: argparse.Namespace) -> int:
    """Write the report; exit 1 on findings, else 0. A file that cannot be written (a read-only
    folder, a full disk) loses no finding (issue 12): one line says so, the report comes out on
    stdout if it went nowhere else, and the exit code is still 1 on findings (2 for a clean run,
    whose requested output is missing)."""
    fmt = getattr(args, "format", "text")
    badge = getattr(args, "badge", None)
    if badge and report.verdict is None:
        print(f"ftkit {report.command}: --badge needs the overall verdict, which this report does not carry",
              file=sys.stderr)
        return ENVIRONMENT
    shown = False  # the report is out: on stdout or in --output
    try:
        if fmt == "text" and not args.output:
            _text_to_stdout(report, args)
        else:
            write_out(render(report, fmt, colour=wants_colour(args, io.StringIO())), args)
        shown = True
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if fmt == "github" and os.environ.get("GITHUB_ACTIONS") == "true" and summary:
            from ..report.render_github import render_markdown_summary

            # Appended, as GitHub's own toolkit does: other steps' summaries share the file.
            with open(summary, "a", encoding="utf-8", errors="backslashreplace") as f:
                f.write(render_markdown_summary(report))
        for also_fmt, path in getattr(args, "also", None) or ():
            write_atomic(path, render(report, also_fmt))
        if badge:
            from ..report.render_badge import badge_of

            write_atomic(badge, badge_of(report))
    except (OSError, ValueError) as err:  # an unwritable --output, a verdict the badge does not know
        path = getattr(err, "filename", None) or (None if shown else args.output)
        where = f" to {path}" if path else ""
        why = getattr(err, "strerror", None) or err
        print(f"ftkit {report.command}: cannot write the report{where}: {why}"
              f"{'' if shown else '; it follows on stdout'}", file=sys.stderr)
        if not shown and fmt == "text":
            _text_to_stdout(report, args)
        elif not shown:
            write_out(render(report, fmt), argparse.Namespace(output=None))
        return FINDINGS if report.failed else ENVIRONMENT
    return FINDINGS if report.failed else CLEAN


def _text_to_stdout(report: Report, args: argparse.Namespace) -> None:
    from ..report.render_text import render_text

    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    render_text(report, sys.stdout, colour=wants_colour(args, sys.stdout))


def write_file(path: str, text: str, command: str, what: str, instead: str) -> bool:
    """Write text to path (whole or not at all), or say in one line why not and what happens instead."""
    try:
        write_atomic(path, text)
        return True
    except OSError as e:
        print(f"ftkit {command}: cannot write {what} to {path}: {e.strerror or e}; {instead}", file=sys.stderr)
        return False

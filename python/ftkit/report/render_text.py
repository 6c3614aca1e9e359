"""Report -> text for people: tables, then findings grouped per file, summary last. Colour (rich)
only on a terminal.

Text fits the width (COLUMNS; 80 when it cannot be told, as in most CI logs): a finding line
wraps with a hanging indent, and a file's path is given once, above its findings (a path longer
than the width loses its leading folders, "…/name.whl"; issue 13); on a terminal
a table too wide has its widest cells elided in the middle (piped tables stay whole, for grep
and diff). Issue 11: long wheel names on every line squeezed the table into unreadable columns.
JSON carries every value whole.
"""

from __future__ import annotations

import io
import shutil
import textwrap
from itertools import groupby
from typing import TextIO

from .finding import Finding, Report, Severity, Table
from .where import container as _container
from .where import dotted as _dotted

STYLES = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "yellow",
    Severity.REVIEW: "cyan",
    Severity.INFO: "dim",
}


def render_text(report: Report, stream: TextIO, colour: bool, width: int | None = None) -> None:
    width = width or shutil.get_terminal_size().columns
    if colour:
        _render_rich(report, stream, width)
        return
    # Piped tables are never cut (they grep and diff whole); commands keep their rows narrow.
    for table in report.tables:
        stream.write(_plain_table(table, width) + "\n")
    for line in _finding_lines(report, width):
        stream.write(line + "\n")
    stream.write(summary_line(report) + "\n")


def _render_rich(report: Report, stream: TextIO, width: int) -> None:
    # rich is imported only here: piped and JSON output should not pay for it.
    from rich import box
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console(file=stream, force_terminal=True, highlight=False, width=width)
    for table in report.tables:
        # The title above the table, not rich's: rich wraps a title to the table's width, mid-name.
        console.print(fit_title(table.title, width), style="italic", markup=False, soft_wrap=True)
        rt = RichTable(box=box.SIMPLE_HEAD)
        for col in table.columns:
            rt.add_column(col, overflow="fold")
        for row in fit_rows(table, width - 2):
            rt.add_row(*row)
        console.print(rt)
    styles = {s.value: style for s, style in STYLES.items()}
    for line in _finding_lines(report, width):
        first = (line.split() or [""])[0]  # a finding's first line starts with its severity
        console.print(line, style=styles.get(first, ""), markup=False, soft_wrap=True)
    bad = report.failed or report.interrupted
    console.print(summary_line(report), style="bold red" if bad else "bold green", markup=False)


def elide(text: str, width: int) -> str:
    """text cut to width with "…" in the middle: both a dotted name's package and its module stay."""
    if len(text) <= width:
        return text
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head):]


def fit_rows(table: Table, width: int) -> list[tuple[str, ...]]:
    """The rows with the widest column's cells elided, again and again, until a row fits `width`
    (two spaces between columns). A column is never cut below its header or 12 characters, so
    tables of many narrow columns (history's timelines) are left whole."""
    rows = [tuple(str(c) for c in row) for row in table.rows]
    widths = [max(len(c) for c in col) for col in zip(table.columns, *rows)]
    floors = [max(len(h), 12) for h in table.columns]
    while (excess := sum(widths) + 2 * len(widths) - width) > 0:
        # Cut the widest column, but not below the next widest: long columns share the cut.
        cuttable = [k for k in range(len(widths)) if widths[k] > floors[k]]
        if not cuttable:
            break
        i = max(cuttable, key=lambda k: widths[k])
        runner_up = max([widths[k] for k in cuttable if k != i], default=0)
        widths[i] = max(floors[i], runner_up, widths[i] - excess) if runner_up < widths[i] else \
            max(floors[i], widths[i] - 1)
        rows = [row[:i] + (elide(row[i], widths[i]),) + row[i + 1:] for row in rows]
    return rows


def fit_path(path: str, width: int) -> str:
    """A path given once, as a heading, cut to width: leading folders become "…/" first (the file
    name says what it is), then the name itself loses its middle. The JSON has it whole."""
    if len(path) <= width:
        return path
    parts = path.replace("\\", "/").split("/")
    for i in range(1, len(parts)):
        short = "…/" + "/".join(parts[i:])
        if len(short) <= width:
            return short
    return elide(parts[-1], width)


def fit_title(title: str, width: int) -> str:
    """A table title "PATH (facts)" fitted to width: PATH by fit_path, the facts on a line below."""
    if len(title) <= width:
        return title
    head, sep, tail = title.partition(" (")
    return fit_path(head, width) + (f"\n  ({tail}" if sep else "")


def _plain_table(table: Table, width: int) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(table.columns, *table.rows)]
    lines = [fit_title(table.title, width)]
    for row in (table.columns, *table.rows):
        lines.append("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines) + "\n"


def _finding_lines(report: Report, width: int) -> list[str]:
    """Findings grouped per file (most serious group first), the file's path once above them."""
    findings = report.sorted_findings()
    first = {}
    for i, f in enumerate(findings):
        first.setdefault(_container(f), i)
    ordered = sorted(findings, key=lambda f: first[_container(f)])
    out: list[str] = []
    for container, group in groupby(ordered, key=_container):
        group = list(group)
        headed = bool(container) and len(group) > 1  # one finding: its path inline, as before
        if headed:
            out += [""] if out else []
            out.append(fit_path(container, width))
        for f in group:
            line = _finding_line(f, with_path=not headed, width=width)
            indent = "  " if headed else ""
            out += textwrap.wrap(line, width, initial_indent=indent, subsequent_indent=indent + " " * 8,
                                 break_on_hyphens=False, break_long_words=False) or [indent]
            if f.fix:
                out += textwrap.wrap(f"fix: {f.fix}", width, initial_indent=indent + "    ",
                                     subsequent_indent=indent + " " * 9, break_on_hyphens=False,
                                     break_long_words=False)
    return out


def _finding_line(f: Finding, with_path: bool = True, width: int = 10**6) -> str:
    name, where = f.subject.name, ""
    if with_path:
        where = f" ({fit_path(f.subject.path, width - 10)})" if f.subject.path else ""
    elif f.subject.path and f.subject.name == _container(f).replace("\\", "/").rsplit("/", 1)[-1]:
        name = ""  # the file itself, named in the heading above
    elif "!" in (f.subject.path or ""):  # under its wheel's heading: name the member, not the path
        member = _dotted(f.subject.path.partition("!")[2])
        name, where = (member, "") if f.subject.kind == "module" else (name, f" ({member})")
    conf = f" [{f.confidence.value}]" if f.confidence else ""
    subject = f"{f.subject.kind} {name}".rstrip()
    return f"{f.severity.value:7} {f.rule}: {subject}{where}: {f.message}{conf}"


def summary_line(report: Report) -> str:
    """The last line of every text report: ok/FAILED/INTERRUPTED, the counts, what was checked."""
    counts = ", ".join(f"{n} {sev}" for sev, n in report.counts().items() if n)
    verdict = "FAILED" if report.failed else "INTERRUPTED" if report.interrupted else "ok"
    checked = f"; {report.checked}" if report.checked else ""
    return f"ftkit {report.command}: {verdict} ({counts or 'no findings'}{checked})"


def render_text_string(report: Report, width: int | None = None) -> str:
    buf = io.StringIO()
    render_text(report, buf, colour=False, width=width)
    return buf.getvalue()

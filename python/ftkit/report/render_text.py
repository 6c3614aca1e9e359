"""Report -> text for people: tables, then findings by severity. Colour (rich) only on a terminal."""

from __future__ import annotations

import io
from typing import TextIO

from .finding import Finding, Report, Severity, Table

STYLES = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "yellow",
    Severity.REVIEW: "cyan",
    Severity.INFO: "dim",
}


def render_text(report: Report, stream: TextIO, colour: bool) -> None:
    if colour:
        _render_rich(report, stream)
        return
    # Piped output (CI logs, files) is plain and never truncated, so it greps and diffs well.
    for table in report.tables:
        stream.write(_plain_table(table) + "\n")
    for finding in report.sorted_findings():
        stream.write(_finding_line(finding) + "\n")
        if finding.fix:
            stream.write(f"    fix: {finding.fix}\n")
    stream.write(_summary(report) + "\n")


def _render_rich(report: Report, stream: TextIO) -> None:
    # rich is imported only here: piped and JSON output should not pay for it.
    from rich import box
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console(file=stream, force_terminal=True, highlight=False)
    for table in report.tables:
        rt = RichTable(title=table.title, title_justify="left", box=box.SIMPLE_HEAD)
        for col in table.columns:
            rt.add_column(col, overflow="fold")
        for row in table.rows:
            rt.add_row(*row)
        console.print(rt)
    for finding in report.sorted_findings():
        console.print(_finding_line(finding), style=STYLES[finding.severity], markup=False)
        if finding.fix:
            console.print(f"    fix: {finding.fix}", markup=False)
    bad = report.failed or report.interrupted
    console.print(_summary(report), style="bold red" if bad else "bold green", markup=False)


def _plain_table(table: Table) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(table.columns, *table.rows)]
    lines = [table.title]
    for row in (table.columns, *table.rows):
        lines.append("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines) + "\n"


def _finding_line(f: Finding) -> str:
    where = f" ({f.subject.path})" if f.subject.path else ""
    conf = f" [{f.confidence.value}]" if f.confidence else ""
    return f"{f.severity.value:7} {f.rule}: {f.subject.kind} {f.subject.name}{where}: {f.message}{conf}"


def _summary(report: Report) -> str:
    counts = ", ".join(f"{n} {sev}" for sev, n in report.counts().items() if n)
    verdict = "FAILED" if report.failed else "INTERRUPTED" if report.interrupted else "ok"
    checked = f"; {report.checked}" if report.checked else ""
    return f"ftkit {report.command}: {verdict} ({counts or 'no findings'}{checked})"


def render_text_string(report: Report) -> str:
    buf = io.StringIO()
    render_text(report, buf, colour=False)
    return buf.getvalue()

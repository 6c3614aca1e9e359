"""Report -> GitHub Actions: workflow-command annotations, and a Markdown job summary.

Annotations (`::error file=F,line=L,title=T::message`) show on the run's page and, for files in
the repository, beside the code. error -> ::error, warning -> ::warning, review -> ::notice;
info findings are context and stay in the summary (GitHub shows at most 10 annotations of a
kind per step, so they would crowd out the ones that matter).

Escaping follows @actions/core (toolkit packages/core/src/command.ts): in the message % \\r \\n
become %25 %0D %0A; in a property also : and , become %3A and %2C.

The summary is Markdown for $GITHUB_STEP_SUMMARY (commands/output.py appends it there when
GITHUB_ACTIONS=true): the verdict, the counts, the command's tables and the findings.
"""

from __future__ import annotations

import os
from pathlib import Path

from .finding import Finding, Report, Severity, Table
from .render_text import summary_line
from .rule_docs import rule_doc
from .where import where

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.REVIEW: "notice"}
MAX_ROWS = 500  # a step summary holds at most 1 MiB (GitHub docs, "Adding a job summary")


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding, cwd: str | None = None) -> str | None:
    kind = COMMAND.get(f.severity)
    if kind is None:
        return None
    w = where(f)
    props = []
    if w.file:
        props.append(f"file={escape_property(_relative(w.file, cwd))}")
        if w.line:
            props.append(f"line={w.line}")
    props.append(f"title={escape_property(f'{f.rule}: {rule_doc(f.rule).title}')}")
    member = f" ({w.member})" if w.member else ""
    message = f"{f.subject.kind} {f.subject.name}{member}: {f.message}" + (f"\nfix: {f.fix}" if f.fix else "")
    return f"::{kind} {','.join(props)}::{escape_data(message)}"


def _relative(path: str, cwd: str | None) -> str:
    """GitHub matches annotation files against the repository: paths relative to the workspace."""
    p = Path(path)
    if p.is_absolute():
        try:
            return p.relative_to(Path(cwd or os.getcwd())).as_posix()
        except ValueError:
            return path
    return p.as_posix()


def render_github(report: Report, cwd: str | None = None) -> str:
    lines = [a for f in report.sorted_findings() if (a := annotation(f, cwd))]
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def _cell(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")


def _md_table(columns: tuple[str, ...], rows) -> list[str]:
    out = ["| " + " | ".join(_cell(c) for c in columns) + " |", "|" + " --- |" * len(columns)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _verdict_md(report: Report) -> list[str]:
    v = report.verdict
    if v is None:
        return []
    out = [f"**Free-threading verdict: {v.verdict}**" + (f" (evidence: {v.level})" if v.level else ""), ""]
    out += [f"- {_cell(line)}" for line in v.lines]
    if v.supported or v.claimed:
        out += ["", f"Classifier supported: `{v.supported or 'none'}`; claimed: `{v.claimed or 'none'}`"]
    return out + [""]


def render_markdown_summary(report: Report) -> str:
    state = "❌ FAILED" if report.failed else "⚠️ INTERRUPTED" if report.interrupted else "✅ ok"
    out = [f"## ftkit {report.command}: {state}", ""]
    out += _verdict_md(report)
    out += [f"`{summary_line(report)}`", ""]
    tables: list[Table] = report.tables
    for t in tables:
        out += [f"### {_cell(t.title)}", ""] + _md_table(t.columns, t.rows[:MAX_ROWS]) + [""]
        if len(t.rows) > MAX_ROWS:
            out += [f"({len(t.rows) - MAX_ROWS} more rows in the JSON report)", ""]
    findings = report.sorted_findings()
    if findings:
        rows = []
        for f in findings[:MAX_ROWS]:
            doc = rule_doc(f.rule)
            w = where(f)
            rows.append((f.severity.value, f"[{f.rule}]({doc.uri})", f"{f.subject.kind} {f.subject.name}",
                         w.display, f.message + (f" — fix: {f.fix}" if f.fix else "")))
        out += ["### Findings", ""] + _md_table(("severity", "rule", "subject", "where", "message"), rows) + [""]
        if len(findings) > MAX_ROWS:
            out += [f"({len(findings) - MAX_ROWS} more findings in the JSON report)", ""]
    return "\n".join(out) + "\n"

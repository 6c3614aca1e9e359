"""Report -> one self-contained HTML page: no network at view time (inline CSS, JS and SVG).

Order: the verdict (the overall one, Report.verdict, when the command gives it, with its
evidence and classifiers; else the run's ok/FAILED) with the counts; then the wheels and
modules (the command's tables and its findings, grouped per file); then the stress findings,
each with its per-thread timeline drawn from evidence["timeline"]; then bench plots when
data["bench"]["plots"] lists them (SVG file paths, or {"svg": "<svg ...>", "title": ...}),
embedded as data: URIs so their ids cannot clash.
The report's JSON is embedded too (<script type="application/json" id="ftkit-report">).
Numbers on the page carry data-* attributes the tests compare with the JSON.
"""

from __future__ import annotations

import base64
import html
import json
import re
from itertools import groupby
from pathlib import Path
from typing import Any

from .finding import Finding, Report, Severity, Table
from .render_badge import STYLE, render_badge
from .render_text import summary_line
from .rule_docs import rule_doc
from .where import container, where

e = html.escape
# One line of a stress timeline (python/ftkit/stress/trial.py timeline()):
# "* thread 1 [      0.0 us ..     12.5 us] append(3) -> None"
_TIMELINE = re.compile(r"^(?P<mark>[*+ ]) thread (?P<thread>\d+) \[\s*(?P<call>-?[\d.]+) us \.\.\s*"
                       r"(?P<ret>-?[\d.]+) us\] (?P<op>.*)$")
_MARK = {"*": ("window", "#d9534f"), "+": ("linearized", "#5cb85c"), " ": ("other", "#9fb0c8")}
LANE, BAR, LEFT, WIDTH = 30, 20, 80, 860

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
  color: #1d2733; background: #f6f8fb; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 20px 40px; }
h1 { font-size: 20px; margin: 0 0 6px; }
h2 { font-size: 16px; margin: 26px 0 8px; border-bottom: 1px solid #d5dbe5; }
h3 { font-size: 14px; margin: 14px 0 6px; }
header.verdict { background: #fff; border: 1px solid #d5dbe5; border-left: 8px solid #2e7d32;
  border-radius: 8px; padding: 12px 16px; }
header.state-failed { border-left-color: #c62828; }
header.state-interrupted { border-left-color: #b26a00; }
.state { font-weight: 700; }
.state-ok .state { color: #2e7d32; }
.state-failed .state { color: #c62828; }
.state-interrupted .state { color: #b26a00; }
.overall { font-size: 16px; margin: 6px 0; }
.overall svg { vertical-align: middle; margin-left: 8px; }
.counts span { display: inline-block; margin: 4px 6px 0 0; padding: 1px 9px; border-radius: 10px;
  background: #e9edf3; }
.sev-error { color: #fff; background: #c62828 !important; }
.sev-warning { background: #f6c343 !important; }
.sev-review { background: #bfe3f0 !important; }
.sev-info { background: #e9edf3; }
.checked, .muted { color: #5a6778; }
.filters { margin-top: 8px; color: #5a6778; }
.filters label { margin-right: 10px; }
table { border-collapse: collapse; background: #fff; margin: 4px 0 10px; width: 100%; }
th, td { border: 1px solid #dde3ec; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #eef2f7; font-weight: 600; }
td.sev { white-space: nowrap; }
td code, pre { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; }
.fix { color: #2d5b2d; }
pre { background: #fff; border: 1px solid #dde3ec; padding: 8px; overflow: auto; }
details { background: #fff; border: 1px solid #d5dbe5; border-radius: 6px; margin: 8px 0; padding: 4px 10px; }
summary { cursor: pointer; font-weight: 600; word-break: break-all; }
.card { background: #fff; border: 1px solid #d5dbe5; border-radius: 6px; margin: 10px 0; padding: 8px 12px; }
.scroll { overflow: auto; }
.lane { font-size: 12px; fill: #334; }
.axis { font-size: 11px; fill: #667; }
.sep { stroke: #e3e7ee; }
.label { font: 11px ui-monospace, monospace; fill: #102030; pointer-events: none; }
.op rect { stroke: #44546a; stroke-width: .6; }
.op:hover rect { opacity: .75; }
.legend span { display: inline-block; width: 14px; height: 10px; border-radius: 3px; margin: 0 4px 0 12px; }
body.hide-info .row-info, body.hide-review .row-review { display: none; }
figure { background: #fff; border: 1px solid #d5dbe5; border-radius: 6px; margin: 10px 0; padding: 8px; }
figure img { max-width: 100%; }
footer { color: #7a8594; margin-top: 30px; font-size: 12px; }
"""

# Severity filters: hiding info and review rows is what a reader of a long audit wants first.
JS = """
(function () {
  var boxes = document.querySelectorAll('.filters input[type=checkbox]');
  for (var i = 0; i < boxes.length; i++) {
    boxes[i].addEventListener('change', function (ev) {
      document.body.classList.toggle('hide-' + ev.target.value, !ev.target.checked);
    });
  }
  var report = JSON.parse(document.getElementById('ftkit-report').textContent);
  document.body.setAttribute('data-findings', String(report.findings.length));
})();
"""


def render_html(report: Report) -> str:
    stress = [f for f in report.sorted_findings() if _is_stress(f)]
    other = [f for f in report.sorted_findings() if not _is_stress(f)]
    doc = report.to_dict()
    parts = [_header(report)]
    about_files = any(f.subject.kind in ("wheel", "module", "symbol", "file") for f in other)
    if report.tables or other:
        title = "Wheels and modules" if about_files or report.command == "audit" else "Results"
        parts.append(f'<section id="results"><h2>{title}</h2>')
        parts += [_table(t, n) for n, t in enumerate(report.tables)]
        parts.append(_grouped(other))
        parts.append("</section>")
    if stress:
        parts.append('<section id="stress"><h2>Stress findings</h2>')
        parts += [_stress_card(f, n) for n, f in enumerate(stress)]
        parts.append("</section>")
    bench = report.data.get("bench")
    if isinstance(bench, dict) and bench.get("plots"):
        parts.append(_bench(bench["plots"]))
    # json.dumps keeps "<" as is: "</script>" inside a string would end the element early.
    embedded = json.dumps(doc, allow_nan=False)
    embedded = embedded.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    title = summary_line(report)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{e(title)}</title><style>{CSS}</style></head>\n<body><main>\n"
            + "\n".join(parts)
            + f'\n<footer>{e(title)} &middot; ftkit {e(doc["tool"]["version"])} &middot; report schema '
              f'{e(doc["schema_version"])}</footer></main>\n'
            f'<script type="application/json" id="ftkit-report">{embedded}</script>\n'
            f"<script>{JS}</script>\n</body></html>\n")


def _is_stress(f: Finding) -> bool:
    return f.rule.startswith("stress/") or f.subject.kind == "scenario"


def _header(report: Report) -> str:
    state = "failed" if report.failed else "interrupted" if report.interrupted else "ok"
    word = {"failed": "FAILED", "interrupted": "INTERRUPTED", "ok": "ok"}[state]
    out = [f'<header class="verdict state-{state}" id="verdict" data-state="{state}">',
           f'<h1>ftkit {e(report.command)}: <span class="state">{word}</span></h1>']
    v = report.verdict
    if v:
        badge = render_badge(v.verdict, v.level) if v.verdict in STYLE else ""
        level = f" &mdash; evidence: {e(v.level)}" if v.level else ""
        out.append(f'<div class="overall" data-verdict="{e(v.verdict)}">Free-threading verdict: '
                   f"<b>{e(v.verdict)}</b>{level}{badge}</div>")
        if v.lines:
            out.append('<ul class="evidence">' + "".join(f"<li>{e(x)}</li>" for x in v.lines) + "</ul>")
        if v.supported or v.claimed:
            out.append(f'<div class="muted classifier">classifier the evidence supports: '
                       f"<code>{e(v.supported or 'none')}</code>; the package claims: "
                       f"<code>{e(v.claimed or 'none')}</code></div>")
    counts, total = report.counts(), len(report.findings)
    out.append('<div class="counts">' + "".join(
        f'<span class="sev-{s}" id="count-{s}" data-count="{n}">{n} {s}</span>' for s, n in counts.items())
        + f'<span id="count-total" data-count="{total}">{total} finding{"" if total == 1 else "s"}</span></div>')
    if report.checked:
        out.append(f'<p class="checked" id="checked">{e(report.checked)}</p>')
    out.append('<div class="filters">show: ' + "".join(
        f'<label><input type="checkbox" value="{s.value}" checked> {s.value}</label>'
        for s in (Severity.REVIEW, Severity.INFO)) + "</div></header>")
    return "\n".join(out)


def _table(t: Table, n: int) -> str:
    head = "".join(f"<th>{e(c)}</th>" for c in t.columns)
    rows = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in t.rows)
    return (f'<h3>{e(t.title)}</h3><table class="facts" id="table-{n}" data-rows="{len(t.rows)}">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")


def _finding_row(f: Finding) -> str:
    doc = rule_doc(f.rule)
    w = where(f)
    subject = f"{f.subject.kind} {f.subject.name}" + (f" <code>{e(w.member)}</code>" if w.member else "")
    conf = f' <span class="muted">[{e(f.confidence.value)}]</span>' if f.confidence else ""
    fix = f'<div class="fix">fix: {e(f.fix)}</div>' if f.fix else ""
    return (f'<tr class="finding row-{f.severity.value}" data-rule="{e(f.rule)}" '
            f'data-severity="{f.severity.value}">'
            f'<td class="sev"><span class="counts"><span class="sev-{f.severity.value}">{f.severity.value}</span>'
            f'</span></td><td><a href="{e(doc.uri)}" title="{e(doc.title)}"><code>{e(f.rule)}</code></a></td>'
            f"<td>{subject}</td><td>{e(f.message)}{conf}{fix}</td></tr>")


def _grouped(findings: list[Finding]) -> str:
    """Findings per file (a wheel, a module, a script), most serious file first, path given once."""
    first: dict[str, int] = {}
    for i, f in enumerate(findings):
        first.setdefault(container(f), i)
    ordered = sorted(findings, key=lambda f: first[container(f)])
    out = []
    for file, group in groupby(ordered, key=container):
        group = list(group)
        counts = {s: sum(f.severity is s for f in group) for s in Severity}
        said = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
        bad = any(f.severity.fails_run for f in group)
        out.append(f'<details class="file" {"open" if bad or len(first) <= 3 else ""} data-file="{e(file)}">'
                   f'<summary>{e(file or "not about a file")} <span class="muted">({said})</span></summary>'
                   '<table class="findings"><thead><tr><th>severity</th><th>rule</th><th>subject</th>'
                   "<th>message</th></tr></thead><tbody>" + "".join(_finding_row(f) for f in group)
                   + "</tbody></table></details>")
    return "\n".join(out)


def _stress_card(f: Finding, n: int) -> str:
    ev = f.evidence if isinstance(f.evidence, dict) else {}
    doc = rule_doc(f.rule)
    rows = []
    for key in ("seed", "trial", "strategy", "found_after_s"):
        if key in ev:
            rows.append(f"<tr><th>{e(key)}</th><td>{e(str(ev[key]))}</td></tr>")
    replay = ev.get("replay") if isinstance(ev.get("replay"), dict) else {}
    if replay:
        rows.append(f'<tr><th>replays</th><td data-reproduced="{e(str(replay.get("reproduced")))}">'
                    f'reproduced {e(str(replay.get("reproduced")))} of {e(str(replay.get("attempts")))}</td></tr>')
    for key in ("replay_command", "repro_script", "repro_check"):
        if ev.get(key):
            rows.append(f"<tr><th>{e(key.replace('_', ' '))}</th><td><code>{e(str(ev[key]))}</code></td></tr>")
    plan = "".join(f"<li><code>{e(str(p))}</code></li>" for p in ev.get("minimal_plan") or ev.get("plan") or [])
    timeline = [str(x) for x in ev.get("timeline") or []]
    out = [f'<div class="card stress row-{f.severity.value}" id="stress-{n}" data-rule="{e(f.rule)}">',
           f'<h3><span class="counts"><span class="sev-{f.severity.value}">{f.severity.value}</span></span> '
           f'<a href="{e(doc.uri)}"><code>{e(f.rule)}</code></a> {e(doc.title)}: {e(f.subject.name)}</h3>',
           f"<p>{e(f.message)}</p>"]
    if f.fix:
        out.append(f'<p class="fix">fix: {e(f.fix)}</p>')
    if rows:
        out.append(f'<table class="facts">{"".join(rows)}</table>')
    if plan:
        label = "minimal plan" if ev.get("minimal_plan") else "plan"
        out.append(f"<h3>{label} (operations per thread)</h3><ul>{plan}</ul>")
    if timeline:
        svg = _timeline_svg(timeline)
        out.append('<h3>Per-thread timeline (time runs right)</h3>')
        if svg:
            out.append('<div class="legend">' + "".join(
                f'<span style="background:{c}"></span>{w}' for w, c in _MARK.values())
                + " &nbsp; hover an operation for details</div>" + f'<div class="scroll">{svg}</div>')
        out.append(f'<pre class="timeline">{e(chr(10).join(timeline))}</pre>')
    if ev.get("stderr_tail"):
        out.append(f'<details><summary>stderr</summary><pre>{e(str(ev["stderr_tail"]))}</pre></details>')
    out.append("</div>")
    return "\n".join(out)


def _timeline_svg(lines: list[str]) -> str:
    """Lanes per thread, each operation a bar from call to return on a real time axis (µs)."""
    ops = [m.groupdict() for m in map(_TIMELINE.match, lines) if m]
    if not ops or len(ops) != len(lines):
        return ""  # a format this renderer does not know: the text below still shows it
    for op in ops:
        op["call"], op["ret"] = float(op["call"]), float(op["ret"])
    threads = sorted({int(op["thread"]) for op in ops})
    lane = {t: i for i, t in enumerate(threads)}
    t0, t1 = min(op["call"] for op in ops), max(op["ret"] for op in ops)
    scale = (WIDTH - LEFT - 20) / max(t1 - t0, 1e-9)
    height = 34 + len(threads) * LANE + 8
    shapes = [f'<text x="{LEFT}" y="14" class="axis">0 &#181;s</text>',
              f'<text x="{WIDTH - 20}" y="14" class="axis" text-anchor="end">{t1 - t0:.1f} &#181;s</text>']
    for t in threads:
        y = 26 + lane[t] * LANE
        shapes.append(f'<text x="6" y="{y + BAR - 5}" class="lane">thread {t}</text>'
                      f'<line x1="{LEFT}" x2="{WIDTH}" y1="{y + LANE - 4}" y2="{y + LANE - 4}" class="sep"/>')
    for op in ops:
        x0 = LEFT + (op["call"] - t0) * scale
        w = max((op["ret"] - op["call"]) * scale, 3)
        y = 26 + lane[int(op["thread"])] * LANE
        word, colour = _MARK[op["mark"]]
        tip = f'thread {op["thread"]} [{op["call"]:.1f} .. {op["ret"]:.1f} µs] {op["op"]} ({word})'
        label = op["op"].split(" -> ")[0][: int(w // 7)] if w > 40 else ""  # when it fits in the bar
        shapes.append(f'<g class="op"><title>{e(tip)}</title><rect x="{x0:.1f}" y="{y}" width="{w:.1f}" '
                      f'height="{BAR}" rx="3" fill="{colour}"/><text x="{x0 + 4:.1f}" y="{y + BAR - 6}" '
                      f'class="label">{e(label)}</text></g>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{WIDTH}" height="{height}" '
            f'data-threads="{len(threads)}" data-ops="{len(ops)}">{"".join(shapes)}</svg>')


def _bench(plots: list[Any]) -> str:
    out = ['<section id="bench"><h2>Bench</h2>']
    for n, p in enumerate(plots):
        title, svg = "", None
        if isinstance(p, dict):
            title, svg = str(p.get("title", "")), p.get("svg")
            if svg is None and p.get("path"):
                p = p["path"]
        if svg is None and isinstance(p, str):
            title = title or Path(p).name
            try:
                svg = Path(p).read_text(encoding="utf-8")
            except OSError as err:
                out.append(f'<p class="muted">plot {e(p)} could not be read: {e(err.strerror or str(err))}</p>')
                continue
        if not isinstance(svg, str):
            continue
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        out.append(f'<figure class="plot" id="plot-{n}"><img alt="{e(title)}" '
                   f'src="data:image/svg+xml;base64,{data}"><figcaption>{e(title)}</figcaption></figure>')
    out.append("</section>")
    return "\n".join(out)

"""A checked history as one self-contained HTML page: per-thread lanes, ops as bars, the window marked.

Like Porcupine's visualisation (visualization.go) the time axis is compressed to the order of
events: each distinct call/return time gets the next column, so a history recorded over hours
and one over nanoseconds read the same, and concurrency is what you see.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Callable

from .check import Result
from .ops import Op
from .render import mark, window_ops

LANE, BAR, COL, LEFT, TOP = 34, 22, 14, 90, 40
MAX_OPS = 3000  # beyond this only the failing window is drawn, to keep the page light
COLOURS = {"*": "#d9534f", "+": "#5cb85c", " ": "#b8c4d6"}


def _svg(ops: list[Op], ids: list[int], result: Result, focus: set[int], room: int,
         describe: Callable[[Op], str]) -> str:
    """Lanes per thread for the ops `ids`; columns as wide as `room` pixels allow (14..90)."""
    marked = result.verdict == "illegal"
    times = sorted({t for i in ids for t in (ops[i].call, ops[i].ret) if t is not None})
    column = {t: n for n, t in enumerate(times)}
    end_col = len(times)  # "never returned" runs to the end
    col = max(14, min(90, room // max(end_col + 1, 1)))
    threads = sorted({ops[i].thread for i in ids})
    lane = {t: n for n, t in enumerate(threads)}
    order = {op: n for n, op in enumerate(result.longest_prefix)}
    width = LEFT + (end_col + 2) * col
    height = TOP + len(threads) * LANE + 10
    shapes = []
    for t in threads:
        y = TOP + lane[t] * LANE
        shapes.append(f'<text x="8" y="{y + BAR - 6}" class="lane">thread {html.escape(str(t))}</text>'
                      f'<line x1="{LEFT}" x2="{width}" y1="{y + LANE - 4}" y2="{y + LANE - 4}" class="sep"/>')
    for i in ids:
        op = ops[i]
        m = mark(i, result) if marked else " "
        x0 = LEFT + column[op.call] * col
        x1 = LEFT + (column[op.ret] if op.ret is not None else end_col) * col + col - 3
        y = TOP + lane[op.thread] * LANE
        label = describe(op)
        tip = f"op {i}, thread {op.thread}, [{op.call} .. {'never' if op.ret is None else op.ret}] {label}"
        if i in order:
            tip += f"; linearized #{order[i]}"
            label = f"#{order[i]} {label}"
        cls = "op focus" if i in focus and marked else "op"
        dash = ' stroke-dasharray="4 3"' if op.unknown else ""
        shapes.append(
            f'<g class="{cls}" id="op{i}"><title>{html.escape(tip)}</title>'
            f'<rect x="{x0}" y="{y}" width="{max(x1 - x0, 6)}" height="{BAR}" rx="4" '
            f'fill="{COLOURS[m]}"{dash}/><text x="{x0 + 4}" y="{y + BAR - 7}" class="label">'
            f'{html.escape(label[: max((x1 - x0) // 7, 0)])}</text></g>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
            f'<text x="{LEFT}" y="20" class="lane">time (event order) &rarr;</text>{"".join(shapes)}</svg>')


def render_html(path: str, ops: list[Op], model: str, result: Result,
                describe: Callable[[Op], str] = Op.describe) -> str:
    focus = window_ops(ops, result)
    if result.verdict == "illegal":
        part = result.failing_part if len(result.failing_part) <= MAX_OPS else focus
        whole_title = f"The failing part: {len(result.failing_part)} operations"
    else:
        part = list(range(min(len(ops), MAX_OPS)))
        drawn = f" (first {MAX_OPS} drawn)" if len(ops) > MAX_OPS else ""
        whole_title = f"The history: {len(ops)} operations{drawn}"
    verdict = {"ok": "linearizable", "illegal": "NOT linearizable", "unknown": "undecided"}[result.verdict]
    window = "".join(f"<li><code>thread {ops[i].thread}: {html.escape(describe(ops[i]))}</code></li>"
                     for i in result.window)
    reason = f" &mdash; {html.escape(result.reason)}" if result.reason else ""
    failing = ""
    if focus:
        failing = (f"<h2>Failing window</h2><p>None of these can take effect next:</p><ul>{window}</ul>"
                   f'<div class="scroll">{_svg(ops, focus, result, set(focus), 1100, describe)}</div>')
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ftkit history: {html.escape(path)}</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 16px; color: #1d2733; }}
h1 {{ font-size: 18px; margin: 0 0 6px; }} h2 {{ font-size: 15px; margin: 14px 0 4px; }}
.v-ok {{ color: #2e7d32; }} .v-illegal {{ color: #c62828; }} .v-unknown {{ color: #b26a00; }}
.facts {{ color: #555; margin-bottom: 8px; }} ul {{ margin: 4px 0 8px; }}
.scroll {{ overflow: auto; max-height: 70vh; border: 1px solid #ccd; border-radius: 6px; background: #fafbfd; }}
.lane {{ font-size: 12px; fill: #334; }} .label {{ font: 11px monospace; fill: #102030; pointer-events: none; }}
.sep {{ stroke: #e3e7ee; }} .op rect {{ stroke: #44546a; stroke-width: 0.6; }}
.focus rect {{ stroke: #7a1010; stroke-width: 1.6; }} .op:hover rect {{ opacity: 0.75; }}
.legend span {{ display: inline-block; width: 14px; height: 10px; border-radius: 3px; margin: 0 4px 0 12px; }}
</style></head><body>
<h1>{html.escape(Path(path).name)}: <span class="v-{result.verdict}">{verdict}</span>
(model {html.escape(model)})</h1>
<div class="facts">{html.escape(path)}<br>{len(ops)} operations, {result.partitions} partition(s),
{result.steps} steps, peak {result.peak_memory / 2**20:.1f} MiB{reason}</div>
<div class="legend"><span style="background:{COLOURS['*']}"></span>window
<span style="background:{COLOURS['+']}"></span>linearized, #n = its place in the longest order found
<span style="background:{COLOURS[' ']}"></span>other &nbsp; dashed: outcome unknown;
hover an operation for details</div>
{failing}
<h2>{whole_title}</h2>
<div class="scroll">{_svg(ops, part, result, set(focus), 1100, describe)}</div>
</body></html>
"""

"""The overall verdict as an SVG badge for a README: "free-threading | ready (evidence)".

render_badge(verdict, evidence) takes a verdict of `ftkit check` ("ready", "declared but
untested", "GIL required", "broken"; or "partial", the badge's own word for the second) and the
evidence level it rests on (e.g. "audit + gilcheck + stress"). A report carries them as
Report.verdict reads them (data["verdict"] and the steps that ran); `--badge FILE` on a command
whose report has one writes it.

The look follows the shields.io flat badge (two rounded boxes, Verdana 11px); text widths are
estimated from per-character classes, as there is no font at hand to measure.
"""

from __future__ import annotations

import html

# verdict -> (word on the badge, colour): shields.io's brightgreen, yellow, red, and critical.
STYLE = {
    "ready": ("ready", "#4c1"),
    "partial": ("partial", "#dfb317"),
    "declared but untested": ("partial", "#dfb317"),
    "GIL required": ("GIL required", "#e05d44"),
    "broken": ("broken", "#b60205"),
}
_NARROW, _WIDE = set("ijlt.,:;!'|()[] frI"), set("mwMWGOQDHN%@")


def _width(text: str) -> int:
    """Pixel width of text in Verdana 11px, estimated (narrow 4, wide 9.5, capitals 7.5, else 6.7)."""
    w = sum(4 if c in _NARROW else 9.5 if c in _WIDE else 7.5 if c.isupper() else 6.7 for c in text)
    return int(w + 0.5)


def render_badge(verdict: str, evidence: str = "") -> str:
    if verdict not in STYLE:
        raise ValueError(f"unknown verdict {verdict!r}: expected one of {', '.join(STYLE)}")
    word, colour = STYLE[verdict]
    label = "free-threading"
    message = f"{word} ({evidence})" if evidence else word
    lw, mw = _width(label) + 12, _width(message) + 12
    total = lw + mw
    title = html.escape(f"{label}: {message}")
    lx, mx = lw / 2, lw + mw / 2
    text = "".join(
        f'<text x="{x:.1f}" y="15" fill="#010101" fill-opacity=".3">{html.escape(t)}</text>'
        f'<text x="{x:.1f}" y="14">{html.escape(t)}</text>' for x, t in ((lx, label), (mx, message)))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
            f'aria-label="{title}"><title>{title}</title>'
            '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
            '<stop offset="1" stop-opacity=".1"/></linearGradient>'
            f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
            f'<g clip-path="url(#r)"><rect width="{lw}" height="20" fill="#555"/>'
            f'<rect x="{lw}" width="{mw}" height="20" fill="{colour}"/>'
            f'<rect width="{total}" height="20" fill="url(#s)"/></g>'
            '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
            f'font-size="11">{text}</g></svg>\n')


def badge_of(report) -> str | None:
    """The badge for a report that carries a verdict (Report.verdict), else None."""
    v = report.verdict
    return render_badge(v.verdict, v.level) if v else None

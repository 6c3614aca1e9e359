"""Report -> JSON (schema in docs/report-schema.md); stable key order for diffable output."""

from __future__ import annotations

import json

from .finding import Report


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, sort_keys=False) + "\n"

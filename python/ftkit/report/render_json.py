"""Report -> JSON (schema in docs/report-schema.md); stable key order for diffable output."""

from __future__ import annotations

import json

from .finding import Report


def render_json(report: Report) -> str:
    # allow_nan=False: to_dict has made every value JSON can hold (finding.json_safe).
    return json.dumps(report.to_dict(), indent=2, sort_keys=False, allow_nan=False) + "\n"

"""Report -> SARIF 2.1.0 (OASIS), the format GitHub code scanning and other dashboards read.

One run per report. Each rule used gets a reportingDescriptor with its title, help and a
helpUri into docs/rules.md (rule_docs.py). A location names the file on disk relative to the
working directory (uriBaseId %SRCROOT%, as GitHub's upload-sarif resolves it against the
checkout) and, for a wheel member, says so in its description and gives the module's
dotted name as the logical location; a source line in the evidence becomes the region.
Tests validate the output against the official schema (tests/report_support/).

Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html; GitHub's subset:
docs.github.com "SARIF support for code scanning".
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .finding import Finding, Report, Severity, json_safe
from .rule_docs import rule_doc
from .where import dotted, where

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
# SARIF levels (§3.27.10); review findings are notes a person looks at, info is context only.
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.REVIEW: "note", Severity.INFO: "none"}


def render_sarif(report: Report, cwd: str | None = None) -> str:
    return json.dumps(sarif_log(report, cwd), indent=2, allow_nan=False) + "\n"


def sarif_log(report: Report, cwd: str | None = None) -> dict[str, Any]:
    from .. import __version__

    root = Path(cwd or os.getcwd()).resolve()
    findings = report.sorted_findings()
    rule_ids = list(dict.fromkeys(f.rule for f in findings))
    driver: dict[str, Any] = {"name": "ftkit", "version": __version__, "semanticVersion": __version__,
                              "rules": [_descriptor(r) for r in rule_ids]}
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        # GitHub keeps one set of alerts per category: one per ftkit command.
        "automationDetails": {"id": f"ftkit/{report.command.replace(' ', '-')}/"},
        "originalUriBaseIds": {SRCROOT: {"uri": root.as_uri() + "/"}},
        "invocations": [{"executionSuccessful": not report.interrupted,
                         "properties": {"command": f"ftkit {report.command}", "failed": report.failed,
                                        "checked": report.checked or ""}}],
        "results": [_result(f, rule_ids.index(f.rule), root) for f in findings],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _descriptor(rule_id: str) -> dict[str, Any]:
    doc = rule_doc(rule_id)
    text = doc.help or doc.title
    markdown = text + (f"\n\n**Fix:** {doc.fix}" if doc.fix else "") + f"\n\n[Rule documentation]({doc.uri})"
    out: dict[str, Any] = {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.replace("/", "-").split("-")),
        "shortDescription": {"text": doc.title},
        "fullDescription": {"text": text},
        "help": {"text": text + (f" Fix: {doc.fix}" if doc.fix else ""), "markdown": markdown},
        "helpUri": doc.uri,
        "properties": {"tags": ["free-threading", rule_id.split("/", 1)[0]]},
    }
    from ..rules import RULES

    if rule_id in RULES:
        out["defaultConfiguration"] = {"level": LEVEL[RULES[rule_id].severity]}
    return out


def _uri(path: str, root: Path) -> tuple[str, str | None]:
    """(uri, uriBaseId): relative to the working directory when under it, else a file: URI."""
    p = Path(path)
    absolute = p if p.is_absolute() else root / p
    try:
        rel = absolute.resolve().relative_to(root)
    except (ValueError, OSError):
        return absolute.as_uri(), None
    # Spaces and non-ASCII are percent-encoded (RFC 3986); a name that is not UTF-8 (os.fsdecode's
    # surrogates) as its original bytes.
    return quote(rel.as_posix(), safe="/", errors="surrogateescape"), SRCROOT


def _location(f: Finding, root: Path) -> dict[str, Any] | None:
    w = where(f)
    loc: dict[str, Any] = {}
    if w.file:
        uri, base = _uri(w.file, root)
        artifact: dict[str, Any] = {"uri": uri}
        if base:
            artifact["uriBaseId"] = base
        if w.member:
            artifact["description"] = {"text": f"member {w.member} of {w.file}"}
        physical: dict[str, Any] = {"artifactLocation": artifact}
        if w.line:
            physical["region"] = {"startLine": w.line}
        loc["physicalLocation"] = physical
    logical: dict[str, Any] = {"name": f.subject.name, "kind": _logical_kind(f.subject.kind)}
    if w.member:  # the module's dotted name, from its place in the wheel
        logical["fullyQualifiedName"] = dotted(w.member) if f.subject.kind == "module" else \
            f"{dotted(w.member)}.{f.subject.name}"
    loc["logicalLocations"] = [logical]
    return loc


def _logical_kind(kind: str) -> str:
    # SARIF's well-known logical location kinds (§3.33.7); others are kept as they are.
    return {"symbol": "function", "wheel": "package"}.get(kind, kind)


def _result(f: Finding, index: int, root: Path) -> dict[str, Any]:
    text = f.message + (f" Fix: {f.fix}" if f.fix else "")
    key = f"{f.rule}\0{f.subject.kind}\0{f.subject.name}\0{where(f).member or ''}"
    out: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index,
        "level": LEVEL[f.severity],
        "kind": "informational" if f.severity is Severity.INFO else "fail",
        "message": {"text": text},
        "locations": [_location(f, root)],
        # Stable across runs and versions of the wheel: GitHub matches alerts by it.
        "partialFingerprints": {"ftkitFinding/v1": hashlib.sha256(key.encode("utf-8", "backslashreplace"))
                                .hexdigest()[:32]},
        "properties": {"severity": f.severity.value, "subject": f.subject.to_dict(),
                       "evidence": json_safe(f.evidence)},
    }
    if f.confidence is not None:
        out["properties"]["confidence"] = f.confidence.value
    if f.fix:
        out["properties"]["fix"] = f.fix
    return out

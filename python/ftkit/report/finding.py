"""One record for everything ftkit reports: a Finding, and the Report that carries them.

The model lives in Python, not in the C++ core: every producer ends up in Python anyway
(gilcheck and the pytest plugin are Python, the C++ audit and stress results cross the
nanobind boundary as plain structs), and every renderer needs Python's libraries (json,
xml, rich). C++ components return their own typed results; one adapter per component turns
them into Findings, so the schema is defined once, here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "1.0"  # docs/report-schema.md: bump the minor for additions, the major for changes


class Severity(str, enum.Enum):
    """How much a finding matters; ordered from most to least serious."""

    ERROR = "error"      # the module is broken or lies about free-threading support
    WARNING = "warning"  # likely a problem; fails the run like an error
    REVIEW = "review"    # a known hazard that can be used safely; a person should look
    INFO = "info"        # context, never fails a run

    @property
    def rank(self) -> int:
        return list(Severity).index(self)

    @property
    def fails_run(self) -> bool:
        return self in (Severity.ERROR, Severity.WARNING)


class Confidence(str, enum.Enum):
    """How a verdict was reached: proven from the bytes or a run, inferred, or unknown."""

    PROVEN = "proven"
    INFERRED = "inferred"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Subject:
    """What a finding is about, e.g. Subject("module", "mypkg._core", path="mypkg/_core.so")."""

    kind: str  # wheel | module | symbol | test | interpreter | environment | scenario
    name: str
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "name": self.name}
        if self.path is not None:
            out["path"] = self.path
        return out


@dataclass(frozen=True)
class Finding:
    rule: str  # stable id, "<component>/<slug>", e.g. "audit/gil-undeclared"
    severity: Severity
    subject: Subject
    message: str  # one sentence a user can act on
    evidence: dict[str, Any] = field(default_factory=dict)
    fix: str | None = None
    confidence: Confidence | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity.value,
            "subject": self.subject.to_dict(),
            "message": self.message,
            "evidence": self.evidence,
        }
        if self.fix is not None:
            out["fix"] = self.fix
        if self.confidence is not None:
            out["confidence"] = self.confidence.value
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        """The inverse of to_dict (a report read back from its JSON, e.g. a baseline)."""
        s = d["subject"]
        return cls(d["rule"], Severity(d["severity"]), Subject(s["kind"], s["name"], s.get("path")),
                   d["message"], dict(d.get("evidence") or {}), d.get("fix"),
                   Confidence(d["confidence"]) if d.get("confidence") else None)


@dataclass(frozen=True)
class Table:
    """Facts shown to a person as a table; JSON carries the same facts under `data`."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass
class Report:
    command: str
    findings: list[Finding] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    checked: str | None = None  # what the run covered ("2000 trials judged"): said even when all is ok
    interrupted: bool = False  # stopped part way (Ctrl-C, SIGTERM): never "ok", whatever was judged

    @property
    def failed(self) -> bool:
        return any(f.severity.fails_run for f in self.findings)

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: (f.severity.rank, f.subject.name, f.rule))

    def counts(self) -> dict[str, int]:
        return {s.value: sum(f.severity is s for f in self.findings) for s in Severity}

    @property
    def verdict(self) -> dict[str, str] | None:
        """The overall verdict, when the command gives one (`ftkit check`): {"verdict", "evidence"}."""
        v = self.data.get("verdict")
        return v if isinstance(v, dict) and isinstance(v.get("verdict"), str) else None

    def set_verdict(self, verdict: str, evidence: str, **more: str) -> None:
        """Carry the overall verdict ("ready", "declared but untested", "GIL required", "broken")
        and the evidence level it rests on in data["verdict"]: the HTML page shows it first and
        --badge draws it (render_badge.py). `more` adds fields, e.g. classifier=..."""
        self.data["verdict"] = {"verdict": verdict, "evidence": evidence, **more}

    def to_dict(self) -> dict[str, Any]:
        from .. import __version__

        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "ftkit", "version": __version__},
            "command": self.command,
            "failed": self.failed,
            "counts": self.counts(),
            "findings": [f.to_dict() for f in self.sorted_findings()],
            "data": self.data,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Report:
        """A report read back from its JSON (docs/report-schema.md): findings and data; the text
        tables are not in the JSON (their facts are, under data)."""
        return cls(d["command"], [Finding.from_dict(f) for f in d.get("findings", [])], dict(d.get("data") or {}))

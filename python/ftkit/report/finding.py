"""One record for everything ftkit reports: a Finding, and the Report that carries them.

The model lives in Python, not in the C++ core: every producer ends up in Python anyway
(gilcheck and the pytest plugin are Python, the C++ audit and stress results cross the
nanobind boundary as plain structs), and every renderer needs Python's libraries (json,
xml, rich). C++ components return their own typed results; one adapter per component turns
them into Findings, so the schema is defined once, here.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "1.0"  # docs/report-schema.md: bump the minor for additions, the major for changes


def json_safe(value: Any) -> Any:
    """value with every float that JSON cannot hold (inf, -inf, nan: bench's interval of a single
    run) as None, as JavaScript's JSON.stringify does; Python's json would write `Infinity`, which
    is not JSON (RFC 8259) and which browsers, jq and GitHub's SARIF upload reject."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


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
            "evidence": json_safe(self.evidence),
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


# The steps of `ftkit check` whose data make up the evidence level, from the cheapest proof to the
# strongest: read from the bytes, imported, hammered, the project's own tests.
EVIDENCE_STEPS = ("audit", "gilcheck", "stress", "pytest")


@dataclass(frozen=True)
class Verdict:
    """The overall verdict of a run and what it rests on (Report.verdict)."""

    verdict: str  # ready | declared but untested | GIL required | broken
    level: str  # the kinds of evidence, e.g. "audit + gilcheck + stress"
    lines: tuple[str, ...] = ()
    supported: str | None = None  # the Free Threading classifier the evidence supports
    claimed: str | None = None  # the one the package claims


@dataclass
class Report:
    command: str
    findings: list[Finding] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    checked: str | None = None  # what the run covered ("2000 trials judged"): said even when all is ok
    interrupted: bool = False  # stopped part way (Ctrl-C, SIGTERM): never "ok", whatever was judged
    # What the run judged, with or without findings (a module whose import kept the GIL off): JUnit
    # gives each a test case, so a passing module shows as a passing test. Not in the JSON (data is).
    subjects: list[Subject] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(f.severity.fails_run for f in self.findings)

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: (f.severity.rank, f.subject.name, f.rule))

    def counts(self) -> dict[str, int]:
        return {s.value: sum(f.severity is s for f in self.findings) for s in Severity}

    @property
    def verdict(self) -> Verdict | None:
        """The overall verdict, when the command gives one (`ftkit check`, python/ftkit/check): the
        word in data["verdict"], the lines it rests on in data["evidence"], the classifiers in
        data["classifier"]; the evidence level is data["evidence_level"] or else the steps that ran,
        which are data's keys (audit, gilcheck, stress, pytest)."""
        word = self.data.get("verdict")
        if not isinstance(word, str):
            return None
        level = self.data.get("evidence_level")
        if not isinstance(level, str):
            level = " + ".join(step for step in EVIDENCE_STEPS if self.data.get(step))
        lines = self.data.get("evidence")
        c = self.data.get("classifier") if isinstance(self.data.get("classifier"), dict) else {}
        return Verdict(word, level, tuple(str(x) for x in lines) if isinstance(lines, list) else (),
                       c.get("supported"), c.get("claimed"))

    def to_dict(self) -> dict[str, Any]:
        from .. import __version__

        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "ftkit", "version": __version__},
            "command": self.command,
            "failed": self.failed,
            "counts": self.counts(),
            "findings": [f.to_dict() for f in self.sorted_findings()],
            "data": json_safe(self.data),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Report:
        """A report read back from its JSON (docs/report-schema.md): findings and data; the text
        tables are not in the JSON (their facts are, under data)."""
        return cls(d["command"], [Finding.from_dict(f) for f in d.get("findings", [])], dict(d.get("data") or {}))

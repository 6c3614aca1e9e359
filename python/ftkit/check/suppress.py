"""Findings that stop failing the run: [tool.ftkit] ignores (each with its reason) and the baseline.

A suppressed finding leaves the report's findings (so it neither fails the run nor drowns the
rest) and is listed in report.data["suppressed"] with why; one info finding per kind says how many.
The verdict is judged before this step: suppressing a finding never changes what the evidence says.
"""

from __future__ import annotations

from pathlib import Path

from ..report import Finding, Report, Subject
from ..rules import finding
from .baseline import baselined, fingerprint
from .config import Ignore


def apply(report: Report, ignores: tuple[Ignore, ...], known: set[str] | None, baseline_path: Path | None,
          root: Path) -> None:
    kept: list[Finding] = []
    suppressed: list[dict] = []
    by_ignore: dict[Ignore, int] = {}
    seen: set[str] = set()
    for f in report.findings:
        rule = next((i for i in ignores if i.matches(f)), None)
        if rule is not None:
            by_ignore[rule] = by_ignore.get(rule, 0) + 1
            suppressed.append(_entry(f, "ignore", rule.reason))
            continue
        if known is not None and baselined(f):
            fp = fingerprint(f, root)
            if fp in known:
                seen.add(fp)
                suppressed.append(_entry(f, "baseline", str(baseline_path)))
                continue
        kept.append(f)
    subject = Subject("check", "suppressed")
    for rule, n in by_ignore.items():
        kept.append(finding("check/ignored", subject,
                            f"{n} {rule.rule} finding{'s' if n != 1 else ''} ignored: {rule.reason}",
                            evidence={"rule": rule.rule, "paths": list(rule.paths), "count": n}))
    if known is not None:
        n = sum(e["by"] == "baseline" for e in suppressed)
        gone = len(known - seen)
        message = f"{n} known finding{'s' if n != 1 else ''} in the baseline {baseline_path}"
        if gone:
            message += (f"; {gone} baseline entr{'ies are' if gone != 1 else 'y is'} no longer seen (fixed, or "
                        "their evidence changed): `ftkit check --write-baseline` drops them")
        kept.append(finding("check/baselined", subject, message, evidence={"count": n, "no_longer_seen": gone}))
    report.findings = kept
    report.data["suppressed"] = suppressed


def _entry(f: Finding, by: str, why: str) -> dict:
    return {"by": by, "why": why, **f.to_dict()}

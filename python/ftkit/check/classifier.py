"""The Free Threading classifier a package claims (wheel METADATA, pyproject.toml) against the one
its evidence supports: one finding saying which, and whether the claim holds."""

from __future__ import annotations

import re

from ..audit.wheel import PREFIX, TIERS
from ..report import Confidence, Finding, Report, Subject
from ..rules import finding
from .verdict import READY, classifier

_PYPROJECT = re.compile(re.escape(PREFIX) + r"(\d) - ")


def claimed_tiers(audit: Report, pyproject_classifiers: tuple[str, ...]) -> dict[str, int]:
    """{where: tier} for every claim: each audited wheel's METADATA, and [project] classifiers."""
    out: dict[str, int] = {}
    # The audit keeps each wheel's claimed tiers in the evidence of its classifier findings.
    for f in audit.findings:
        if f.rule == "audit/supported-classifier" and f.evidence.get("claimed_tiers"):
            out[_release(f.subject.name)] = max(f.evidence["claimed_tiers"])
        elif f.rule in ("audit/classifier-not-judged", "audit/classifier-overclaims"):
            out.setdefault(_release(f.subject.name), f.evidence["claimed"])
    tiers = [int(m.group(1)) for c in pyproject_classifiers if (m := _PYPROJECT.match(c))]
    if tiers:
        out["pyproject.toml"] = max(tiers)
    return out


def _release(wheel: str) -> str:
    """bitarray-3.12.3-cp314-cp314t-manylinux...whl -> "bitarray 3.12.3 cp314t" (PEP 427 fields)."""
    parts = wheel[:-4].split("-") if wheel.endswith(".whl") else []
    if len(parts) < 5:
        return wheel
    return f"{parts[0]} {parts[1]} {parts[-2]}"


def judge_claim(verdict: str, supported: int | None, claims: dict[str, int]) -> Finding:
    """check/classifier-overclaims (fails the run) when a claim is above what the evidence supports;
    otherwise check/classifier, naming both."""
    claimed = max(claims.values()) if claims else None
    where = ", ".join(f"{w}: {TIERS.get(t, t)}" for w, t in claims.items()) or "no Free Threading classifier"
    evidence = {"verdict": verdict, "supported_tier": supported, "supported": classifier(supported),
                "claimed_tier": claimed, "claimed": classifier(claimed) if claimed else "none", "claims": claims}
    subject = Subject("check", "classifier")
    said = f"the evidence supports '{classifier(supported)}'" if supported else \
        "the evidence does not decide a Free Threading tier (a GIL declaration is undetermined)"
    if claimed is None or supported is None or claimed == supported:
        return finding("check/classifier", subject, f"{said}; claimed: {where}", evidence=evidence,
                       confidence=Confidence.INFERRED)
    if claimed == 4 and supported == 3 and verdict == READY:
        return finding("check/classifier-not-judged", subject,
                       f"{said}; claimed: {where}. Tier 4 (Resilient) says every misuse raises an exception "
                       "instead of crashing, which sampled runs cannot show", evidence=evidence,
                       confidence=Confidence.INFERRED)
    if claimed > supported:
        return finding("check/classifier-overclaims", subject,
                       f"claimed {where}, above what the evidence supports: '{classifier(supported)}' "
                       f"(verdict: {verdict})", evidence=evidence,
                       fix=f"fix what the verdict names, or claim '{classifier(supported)}'",
                       confidence=Confidence.INFERRED)
    return finding("check/classifier", subject, f"{said}, above the claim ({where}): you may claim it",
                   evidence=evidence, confidence=Confidence.INFERRED)

"""Per-wheel checks: WHEEL tags and METADATA classifiers against what the modules show."""

from __future__ import annotations

import re

from ..report import Confidence, Finding, Severity, Subject

CLASSIFIER = re.compile(
    r"^Classifier:\s*Programming Language :: Python :: Free Threading :: (\d) - (.+?)\s*$", re.M)
TAG = re.compile(r"^Tag:\s*(\S+)\s*$", re.M)
TIERS = {1: "1 - Unstable", 2: "2 - Beta", 3: "3 - Stable", 4: "4 - Resilient"}
PREFIX = "Programming Language :: Python :: Free Threading :: "


def wheel_tags(wheel_text: str) -> list[tuple[str, str, str]]:
    out = []
    for tag in TAG.findall(wheel_text):
        parts = tag.split("-")
        if len(parts) == 3:
            out.append(tuple(parts))
    return out


def supported_tier(modules) -> int | None:
    """The classifier tier the evidence supports: 2 if every module keeps the GIL off, 1 if one
    re-enables it, None if a verdict is unknown. Tiers 3-4 claim testing and support, which no
    static audit can show, so the evidence never supports more than 2 on its own."""
    verdicts = {m.gil for m in modules if not m.error}
    if not verdicts:
        return None
    if verdicts & {"undeclared", "used"}:
        return 1
    if "unknown" in verdicts:
        return None
    return 2


def wheel_findings(f) -> list[Finding]:
    name = f.path.replace("\\", "/").rsplit("/", 1)[-1]
    s = Subject("wheel", name, path=f.path)
    out: list[Finding] = []
    for bad in f.unsafe_names:
        out.append(Finding("audit/unsafe-zip-name", Severity.WARNING, s,
                           f"entry name {bad!r} would escape the installation directory",
                           confidence=Confidence.PROVEN))
    tags = wheel_tags(f.wheel_text)
    abis = {abi for _, abi, _ in tags}
    if not f.wheel_text:
        out.append(Finding("audit/wheel-metadata-missing", Severity.WARNING, s, "has no *.dist-info/WHEEL file"))
    claimed = [int(t) for t, _ in CLASSIFIER.findall(f.metadata_text)]
    tier = supported_tier(f.modules)
    ft_tagged = any(a.endswith("t") and a.startswith("cp") or a == "abi3t" for a in abis)
    if "abi3" in abis and not ft_tagged:
        out.append(Finding("audit/abi3-only", Severity.INFO, s,
                           "is tagged abi3 only: pip does not install it on free-threaded 3.13/3.14 "
                           "(they do not support the limited API); build cp3XXt wheels, or abi3t for 3.15+",
                           evidence={"tags": sorted(abis)}))
    if ft_tagged:
        for m in f.modules:
            if m.ft_abi == "gil" and not m.abi_tag.endswith("t"):  # tagged modules get their own finding
                out.append(Finding("audit/ft-wheel-gil-module", Severity.ERROR, s,
                                   f"is tagged for free-threaded CPython but {m.path.rsplit('!', 1)[-1]} was "
                                   f"built for the GIL ABI ({m.ft_abi_evidence})",
                                   evidence={"module": m.path, "tags": sorted(abis)},
                                   confidence=Confidence.PROVEN))
    if claimed and tier is not None and max(claimed) >= 2 and tier == 1:
        culprits = sorted(m.module_name for m in f.modules if m.gil in ("undeclared", "used"))
        out.append(Finding("audit/classifier-overclaims", Severity.ERROR, s,
                           f"claims '{PREFIX}{TIERS.get(max(claimed), max(claimed))}' (the GIL stays off) but "
                           f"{', '.join(culprits)} re-enable(s) the GIL on import",
                           evidence={"claimed": max(claimed), "modules": culprits},
                           fix=f"declare support in those modules, or claim '{PREFIX}{TIERS[1]}'",
                           confidence=Confidence.PROVEN))
    if f.modules:
        verdict = TIERS.get(tier, "unknown (some GIL declarations could not be determined)")
        out.append(Finding("audit/supported-classifier", Severity.INFO, s,
                           f"the evidence supports '{PREFIX}{verdict}'" if tier
                           else f"supported classifier: {verdict}",
                           evidence={"supported_tier": tier, "claimed_tiers": claimed, "tags": sorted(abis)},
                           confidence=Confidence.INFERRED))
    return out

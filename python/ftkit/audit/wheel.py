"""Per-wheel checks: WHEEL tags and METADATA classifiers against what the modules show."""

from __future__ import annotations

import re

from .. import rules
from ..report import Confidence, Finding, Subject
from ..rules import finding
from .fields import text

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
    verdicts = {text(m.gil) for m in modules if not m.error}
    if not verdicts:
        return None
    if verdicts & {"undeclared", "used"}:
        return 1
    if "unknown" in verdicts:
        return None
    return 2


def release_of(f) -> tuple[str, str]:
    """(normalised project name, version) from a wheel's file name (PEP 427: name-version-...)."""
    name, _, rest = file_name(f).partition("-")
    return re.sub(r"[-_.]+", "_", name).lower(), rest.partition("-")[0]


def file_name(f) -> str:
    return f.path.replace("\\", "/").rsplit("/", 1)[-1]


def loads_free_threaded(f) -> bool:
    """Whether a free-threaded interpreter would install this wheel: a cp3XXt or abi3t tag, or an
    ABI of "none" (pip installs cp313-none-* anywhere). A wheel with no readable WHEEL counts too,
    so nothing is left unjudged for lack of tags."""
    abis = {abi for _, abi, _ in wheel_tags(f.wheel_text)}
    return not abis or "none" in abis or any(rules.target_of(a) == rules.FREE_THREADED for a in abis)


def none_abi_for_free_threaded(tags) -> bool:
    """Whether a tag with ABI "none" makes pip install the wheel on a free-threaded interpreter too:
    packaging.tags.cpython_tags lists cp3XY-none-<platform> for 3.13t/3.14t, and compatible_tags
    py3*-none-*; a cp3XY tag below 3.13 names a version that has no free-threaded build."""
    for py, abi, _ in tags:
        if abi != "none":
            continue
        version = py[2:] if py.startswith("cp3") else ""
        if py.startswith("py") or (version[1:].isdigit() and int(version[1:]) >= 13):
            return True
    return False


def free_threaded_releases(files) -> set[tuple[str, str]]:
    """The releases of which the audited set holds a wheel a free-threaded interpreter loads."""
    return {release_of(f) for f in files if f.kind == "wheel" and not f.error and loads_free_threaded(f)}


def wheel_findings(f, ft_releases: set[tuple[str, str]]) -> list[Finding]:
    """Findings for one wheel; ft_releases (free_threaded_releases of the whole audited set) decides
    whether a GIL-only wheel's Free Threading claim can be judged by another wheel of its release."""
    name = file_name(f)
    s = Subject("wheel", name, path=f.path)
    out: list[Finding] = []
    for bad in f.unsafe_names:
        out.append(finding("audit/unsafe-zip-name", s,
                           f"entry name {bad!r} would escape the installation directory",
                           confidence=Confidence.PROVEN))
    # The core decodes bytes that are not UTF-8 with U+FFFD (old wheels have latin-1 METADATA).
    replaced = [what for what, text in (("WHEEL", f.wheel_text), ("METADATA", f.metadata_text))
                if "\ufffd" in text] + [m.path.rsplit("!", 1)[-1] for m in f.modules if "\ufffd" in m.path]
    if replaced:
        out.append(finding("audit/not-utf8", s, f"{', '.join(replaced)}: not UTF-8; read with the "
                           "undecodable bytes replaced by U+FFFD", evidence={"where": replaced},
                           confidence=Confidence.PROVEN))
    tags = wheel_tags(f.wheel_text)
    abis = {abi for _, abi, _ in tags}
    if not f.wheel_text:
        out.append(finding("audit/wheel-metadata-missing", s, "has no *.dist-info/WHEEL file"))
    claimed = [int(t) for t, _ in CLASSIFIER.findall(f.metadata_text)]
    tier = supported_tier(f.modules)
    ft_tagged = any(rules.target_of(a) == rules.FREE_THREADED for a in abis)
    if "abi3" in abis and not ft_tagged:
        out.append(finding("audit/abi3-only", s,
                           "is tagged abi3 only: pip does not install it on free-threaded 3.13/3.14 "
                           "(they do not support the limited API)",
                           evidence={"tags": sorted(abis)}))
    # cp313-none-win_amd64 installs on 3.13t as well, where a GIL-built module cannot load (its
    # imports name python313.dll, not python313t.dll).
    none_for_ft = not ft_tagged and none_abi_for_free_threaded(tags)
    if ft_tagged or none_for_ft:
        tagged = ("is tagged ABI 'none', which pip installs on free-threaded CPython too," if none_for_ft
                  else "is tagged for free-threaded CPython")
        for m in f.modules:
            if text(m.ft_abi) == "gil" and not m.abi_tag.endswith("t"):  # tagged modules get their own finding
                out.append(finding("audit/ft-wheel-gil-module", s,
                                   f"{tagged} but {m.path.rsplit('!', 1)[-1]} was "
                                   f"built for the GIL ABI ({m.ft_abi_evidence})",
                                   evidence={"module": m.path, "tags": sorted(abis)},
                                   confidence=Confidence.PROVEN))
    if not loads_free_threaded(f):
        # A free-threaded interpreter never loads a GIL-ABI module, so these modules say nothing
        # about the classifier: only the release's free-threaded wheels can (issue 11).
        if claimed and max(claimed) >= 2 and release_of(f) not in ft_releases:
            out.append(finding("audit/classifier-not-judged", s,
                               f"claims '{PREFIX}{TIERS.get(max(claimed), max(claimed))}', which only the "
                               "release's free-threaded wheels (cp3XXt, abi3t) can show, and none were audited",
                               evidence={"claimed": max(claimed), "tags": sorted(abis)}))
        return out
    if claimed and tier is not None and max(claimed) >= 2 and tier == 1:
        culprits = sorted(m.module_name for m in f.modules if text(m.gil) in ("undeclared", "used"))
        out.append(finding("audit/classifier-overclaims", s,
                           f"claims '{PREFIX}{TIERS.get(max(claimed), max(claimed))}' (the GIL stays off) but "
                           f"{', '.join(culprits)} re-enable(s) the GIL on import",
                           evidence={"claimed": max(claimed), "modules": culprits},
                           fix=f"declare support in those modules, or claim '{PREFIX}{TIERS[1]}'",
                           confidence=Confidence.PROVEN))
    if f.modules:
        verdict = TIERS.get(tier, "unknown (some GIL declarations could not be determined)")
        out.append(finding("audit/supported-classifier", s,
                           f"the evidence supports '{PREFIX}{verdict}'" if tier
                           else f"supported classifier: {verdict}",
                           evidence={"supported_tier": tier, "claimed_tiers": claimed, "tags": sorted(abis)},
                           confidence=Confidence.INFERRED))
    return out

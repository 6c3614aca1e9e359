"""The overall verdict of `ftkit check` and the Free Threading classifier its evidence supports.

Verdicts, worst first (the first that applies wins):
  broken                 a module is built wrong, an import crashed or failed, a stress scenario
                         found a crash, hang or race, or the project's tests failed
  GIL required           importing a module a free-threaded interpreter loads turns the GIL on
  declared but untested  the modules declare Py_MOD_GIL_NOT_USED, but the GIL staying off was not
                         measured by importing them, or no scenario or test ran on free-threaded CPython
  ready                  declared, imported with the GIL staying off, and the project's stress
                         scenarios and/or tests passed on free-threaded CPython

The classifier tiers (trove-classifiers, 2025: "Programming Language :: Python :: Free Threading ::
1 - Unstable | 2 - Beta | 3 - Stable | 4 - Resilient"), with the criteria proposed for them
(discuss.python.org/t/free-threading-trove-classifier/62406): 1 turns the GIL back on, for
experimentation only; 2 leaves the GIL off, usage supported; 3 also documents its thread-safety
constraints; 4 turns violations of them into Python exceptions rather than crashes. ftkit's
evidence supports 1 for a package that needs the GIL or is broken, 2 for one that declares and
keeps the GIL off, and 3 once its own scenarios or tests pass on free-threaded CPython. Tier 4 is a
claim about every misuse, which sampled runs cannot show, so a claim of 4 is "not judged".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..audit.wheel import PREFIX, TIERS
from ..report import Finding, Severity

READY, UNTESTED, GIL_REQUIRED, BROKEN = "ready", "declared but untested", "GIL required", "broken"
VERDICTS = (READY, UNTESTED, GIL_REQUIRED, BROKEN)

# Findings that make a package broken / make it need the GIL (rules as data: ftkit.rules ids).
BROKEN_RULES = frozenset({
    "audit/built-with-gil-headers", "audit/built-with-ft-headers", "audit/ft-wheel-gil-module",
    "gilcheck/import-error", "gilcheck/import-crash", "gilcheck/import-hang", "gilcheck/import-exit",
    "stress/crash", "stress/hang", "stress/unexpected-exception", "stress/invariant-broken",
    "stress/not-linearizable", "check/pytest-failed",
})
GIL_RULES = frozenset({
    "audit/gil-undeclared", "audit/gil-used", "gilcheck/gil-enabled", "gilcheck/gil-enabled-by-import",
    "check/pytest-gil-enabled",
})
SUPPORTED_TIER = {BROKEN: 1, GIL_REQUIRED: 1, UNTESTED: 2, READY: 3}


@dataclass
class Facts:
    """What the steps measured, besides their findings (which say what went wrong)."""

    ft_modules: int = 0  # extension modules audited that a free-threaded interpreter loads
    undetermined: int = 0  # of those, GIL declaration not decided from the bytes
    imported_off: int = 0  # modules imported by gilcheck with the GIL staying off (default mode)
    imported: int = 0  # modules gilcheck imported (default mode)
    scenarios_passed: list[str] = field(default_factory=list)
    pytest_passed: str | None = None  # "12 passed, the GIL stayed disabled", when it did
    notes: list[str] = field(default_factory=list)  # steps not run, and why


_MISSING = re.compile(r"ModuleNotFoundError: No module named '([^'.]+)")


def missing_dependency(f: Finding) -> str | None:
    """The top-level module an import failed for, when it is not the package's own (greenlet.tests
    needs psutil): the environment lacks a dependency, which says nothing about the package."""
    m = _MISSING.search(f.message) if f.rule == "gilcheck/import-error" else None
    return m.group(1) if m and m.group(1) != f.subject.name.split(".")[0] else None


def counts_against(f: Finding, rules: frozenset[str]) -> bool:
    # audit's GIL findings on a GIL-ABI module are info: a free-threaded interpreter never loads it.
    return f.rule in rules and f.severity is not Severity.INFO and missing_dependency(f) is None


def judge(findings: list[Finding], facts: Facts) -> tuple[str, list[str]]:
    """(verdict, evidence lines) from every finding of the run, before ignores and baseline."""
    broken = [f for f in findings if counts_against(f, BROKEN_RULES)]
    if broken:
        return BROKEN, _lines(broken)
    missing = sorted({d for f in findings if (d := missing_dependency(f))})
    not_judged = [f"not judged: imports that need {', '.join(missing)}, which this environment lacks"] \
        if missing else []
    gil = [f for f in findings if counts_against(f, GIL_RULES)]
    if gil:
        return GIL_REQUIRED, _lines(gil) + not_judged
    evidence = []
    if facts.ft_modules:
        declared = facts.ft_modules - facts.undetermined
        evidence.append(f"audit: {declared} of {facts.ft_modules} modules for free-threaded CPython declare "
                        "Py_MOD_GIL_NOT_USED" + (f", {facts.undetermined} undetermined from the bytes"
                                                 if facts.undetermined else ""))
    if facts.imported:
        evidence.append(f"gilcheck: {facts.imported_off} of {facts.imported} modules imported with the GIL "
                        "staying off")
    evidence += [f"stress: {s}" for s in facts.scenarios_passed]
    if facts.pytest_passed:
        evidence.append(f"pytest --ftkit-strict-gil: {facts.pytest_passed}")
    measured = facts.imported > 0 and facts.imported_off == facts.imported
    ran = bool(facts.scenarios_passed or facts.pytest_passed)
    if (measured or (facts.ft_modules == 0 and facts.imported == 0)) and ran:
        return READY, evidence + not_judged
    if not measured and facts.ft_modules:
        evidence.append("not measured: no module was imported in a free-threaded interpreter")
    if not ran:
        evidence.append("not tested: no stress scenario or test suite ran on free-threaded CPython "
                        "([tool.ftkit] scenarios, --pytest)")
    return UNTESTED, evidence + not_judged + facts.notes


def _lines(findings: list[Finding], at_most: int = 6) -> list[str]:
    out = [_line(f) for f in findings[:at_most]]
    return out + ([f"and {len(findings) - at_most} more (the findings below)"] if len(findings) > at_most else [])


def _line(f: Finding) -> str:
    """The finding in a few words: its first sentence, cut; the finding itself has the rest."""
    first = f.message.split(". ", 1)[0]
    return f"{f.rule}: {f.subject.name}: {first if len(first) <= 120 else first[:119] + '…'}"


def supported_tier(verdict: str, facts: Facts) -> int | None:
    """None when static evidence left a module undetermined and nothing imported it."""
    if verdict == UNTESTED and facts.undetermined and not facts.imported:
        return None
    return SUPPORTED_TIER[verdict]


def classifier(tier: int | None) -> str:
    return PREFIX + TIERS[tier] if tier in TIERS else "none"

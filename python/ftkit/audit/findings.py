"""One extension module's audit result -> Findings and a table row.

Severities and fix lines come from ftkit.rules (one table for audit, gilcheck and strict mode)."""

from __future__ import annotations

from .. import rules
from ..report import Confidence, Finding, Subject, Table
from ..rules import finding
from .fields import text

# The verdicts that mean "importing it turns the GIL on" -> rule id and message.
_GIL_ON = {
    "undeclared": ("audit/gil-undeclared",
                   "does not declare free-threading support: importing it re-enables the GIL"),
    "used": ("audit/gil-used", "declares Py_MOD_GIL_USED: importing it re-enables the GIL"),
}


def subject(m) -> Subject:
    return Subject("module", m.module_name or m.path.rsplit("/", 1)[-1], path=m.path)


def module_findings(m) -> list[Finding]:
    s = subject(m)
    if m.error:
        return [finding("audit/unreadable-module", s, f"cannot be parsed: {m.error}",
                        confidence=Confidence.PROVEN)]
    out: list[Finding] = []
    gil = text(m.gil)
    conf = Confidence(text(m.gil_confidence))
    # verdict_row: the row of src/audit/gil_verdict_rules.cpp that decided (listed in docs/rules.md).
    ev = {"evidence": m.gil_evidence, "verdict_row": m.gil_rule, "init": text(m.init_style),
          "abi_tag": m.abi_tag or None, "platform": f"{text(m.format)} {m.arch}"}
    target = rules.target_of(m.abi_tag)
    if gil in _GIL_ON:
        rule_id, message = _GIL_ON[gil]
        out.append(finding(rule_id, s, message + (" (built for a GIL interpreter)" if target == rules.GIL else ""),
                           target, evidence=ev, fix=rules.declare_fix(m.generator), confidence=conf))
    elif gil == "unknown":
        out.append(finding("audit/gil-unknown", s,
                           f"GIL declaration could not be determined statically: {m.gil_evidence}",
                           evidence=ev, confidence=conf))
    else:
        out.append(finding("audit/gil-not-used", s, "declares Py_MOD_GIL_NOT_USED", evidence=ev, confidence=conf))
    ft_abi = text(m.ft_abi)
    if ft_abi == "gil" and target == rules.FREE_THREADED:
        out.append(finding("audit/built-with-gil-headers", s,
                           f"named {m.abi_tag} but compiled against GIL headers ({m.ft_abi_evidence}): "
                           "it will crash or corrupt reference counts on a free-threaded interpreter",
                           evidence={"evidence": m.ft_abi_evidence}, confidence=Confidence.PROVEN))
    elif ft_abi == "free-threaded" and target == rules.GIL:
        out.append(finding("audit/built-with-ft-headers", s,
                           f"named {m.abi_tag} but compiled against free-threaded headers ({m.ft_abi_evidence})",
                           evidence={"evidence": m.ft_abi_evidence}, confidence=Confidence.PROVEN))
    out.extend(hazard_findings(m, s))
    return out


def hazard_findings(m, s: Subject) -> list[Finding]:
    """One finding per hazard the user's own code may call; one per module for those the binding
    generator's runtime calls (the user cannot change them; listing each drowned the rest)."""
    out = []
    for h in m.hazards:
        if h.runtime:
            continue
        fix = (f"use {h.replacement} (CPython {h.since}+; pythoncapi-compat backports it)" if h.replacement
               else "hold Py_BEGIN_CRITICAL_SECTION on the object while using it")
        out.append(finding("audit/c-api-hazard", Subject("symbol", h.symbol, path=m.path),
                           f"imports {h.symbol}: {h.why}", evidence={"module": m.module_name, "since": h.since},
                           fix=fix, confidence=Confidence.PROVEN))
    runtime = [h.symbol for h in m.hazards if h.runtime]
    if runtime:
        out.append(finding("audit/generator-runtime-hazard", s,
                           f"imports {', '.join(runtime)}, which {m.generator}'s own runtime code calls "
                           "(your code may call them too)",
                           evidence={"generator": m.generator, "symbols": runtime},
                           confidence=Confidence.INFERRED))
    return out


def modules_table(modules) -> Table:
    rows = []
    for m in modules:
        if m.error:
            rows.append((m.path.rsplit("!", 1)[-1], "?", "?", "?", "unreadable", "", "", ""))
            continue
        gen = m.generator + (f" {m.generator_version}" if m.generator_version else "")
        rows.append((m.path.rsplit("!", 1)[-1], f"{text(m.format)} {m.arch}", m.abi_tag or "-", text(m.init_style),
                     text(m.gil), text(m.gil_confidence), text(m.ft_abi), gen))
    return Table("Extension modules", ("module", "format", "abi", "init", "GIL", "confidence", "FT headers",
                                       "generator"), tuple(rows))

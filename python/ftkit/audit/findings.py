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
    target = rules.target_of(m.abi_tag)  # on a GIL build the hazard never meets free threading
    for h in m.hazards:
        if h.runtime:
            continue
        fix = (f"use {h.replacement} (CPython {h.since}+; pythoncapi-compat backports it)" if h.replacement
               else "hold Py_BEGIN_CRITICAL_SECTION on the object while using it")
        out.append(finding("audit/c-api-hazard", Subject("symbol", h.symbol, path=m.path),
                           f"imports {h.symbol}: {h.why}", target,
                           evidence={"module": m.module_name, "since": h.since}, fix=fix,
                           confidence=Confidence.PROVEN))
    runtime = [h.symbol for h in m.hazards if h.runtime]
    if runtime:
        out.append(finding("audit/generator-runtime-hazard", s,
                           f"imports {', '.join(runtime)}, which {m.generator}'s own runtime code calls "
                           "(your code may call them too)",
                           evidence={"generator": m.generator, "symbols": runtime},
                           confidence=Confidence.INFERRED))
    return out


def modules_tables(files) -> list[Table]:
    """One table per wheel, and one per folder of loose modules, titled with that path once; rows
    name each module (pkg.sub._m) and stay narrow enough for an 80-column terminal (issue 11)."""
    groups: dict[str, list] = {}
    for f in files:
        for m in [] if f.error else f.modules:
            outer, _, member = m.path.partition("!")
            key = outer if member else (outer.replace("\\", "/").rpartition("/")[0] or ".")
            groups.setdefault(key, []).append(m)
    return [_table(title, modules) for title, modules in groups.items()]


def module_label(m) -> str:
    """The module's name as Python imports it: pkg/sub/_m.cpython-314t-...so -> pkg.sub._m."""
    outer, _, member = m.path.partition("!")
    folder, _, file = (member or outer.replace("\\", "/").rpartition("/")[2]).rpartition("/")
    stem = file.split(".")[0] or file
    return f"{folder.replace('/', '.')}.{stem}" if folder else stem


def _table(title: str, modules) -> Table:
    # Four columns, so a dotted module name fits an 80-column line beside them; the init style and
    # the rest are in the JSON (data.files). The ABI cell names the headers only when they disagree
    # with the tag (audit/built-with-*-headers says so too) or there is no tag.
    rows = []
    for m in modules:
        if m.error:
            rows.append((module_label(m), "unreadable", "", ""))
            continue
        gen = m.generator + (f" {m.generator_version}" if m.generator_version else "")
        headers = {"free-threaded": "ft", "gil": "gil"}.get(text(m.ft_abi))
        tagged_ft = rules.target_of(m.abi_tag) == rules.FREE_THREADED
        agrees = headers is None or (m.abi_tag and tagged_ft == (headers == "ft"))
        abi = (m.abi_tag or "-") if agrees else f"{m.abi_tag or '-'} ({headers} headers)"
        rows.append((module_label(m), f"{text(m.gil)} ({text(m.gil_confidence)})", abi, gen))
    platforms = sorted({f"{text(m.format)} {m.arch}" for m in modules if not m.error})
    about = ", ".join([*platforms, f"{len(modules)} module{'s' if len(modules) != 1 else ''}"])
    return Table(f"{title} ({about})", ("module", "GIL", "abi", "generator"), tuple(rows))

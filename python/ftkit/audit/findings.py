"""One extension module's audit result -> Findings and a table row."""

from __future__ import annotations

from ..report import Confidence, Finding, Severity, Subject, Table

CONFIDENCE = {"proven": Confidence.PROVEN, "inferred": Confidence.INFERRED, "unknown": Confidence.UNKNOWN}

FIX_DECLARE = {
    "cython": "add `# cython: freethreading_compatible = True` (Cython 3.1+)",
    "pybind11": "PYBIND11_MODULE(name, m, py::mod_gil_not_used()) (pybind11 2.13+)",
    "nanobind": "nanobind_add_module(... FREE_THREADED ...)",
    "pyo3": "#[pymodule(gil_used = false)] (PyO3 0.23+)",
    "c-api": "add {Py_mod_gil, Py_MOD_GIL_NOT_USED} to the module's slots "
             "(single-phase: PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED))",
}


def is_free_threaded_tag(tag: str) -> bool:
    return tag.startswith("cp") and tag.endswith("t") or tag == "abi3t"


def subject(m) -> Subject:
    return Subject("module", m.module_name or m.path.rsplit("/", 1)[-1], path=m.path)


def module_findings(m) -> list[Finding]:
    s = subject(m)
    if m.error:
        return [Finding("audit/unreadable-module", Severity.ERROR, s, f"cannot be parsed: {m.error}",
                        confidence=Confidence.PROVEN)]
    out: list[Finding] = []
    conf = CONFIDENCE.get(m.gil_confidence)
    ev = {"evidence": m.gil_evidence, "init": m.init_style, "abi_tag": m.abi_tag or None,
          "platform": f"{m.format} {m.arch}"}
    ft_target = is_free_threaded_tag(m.abi_tag)
    gil_build = m.abi_tag.startswith("cp") and not m.abi_tag.endswith("t")
    if m.gil == "undeclared":
        severity = Severity.INFO if gil_build else Severity.ERROR if ft_target else Severity.WARNING
        out.append(Finding("audit/gil-undeclared", severity, s,
                           "does not declare free-threading support: importing it re-enables the GIL"
                           + (" (built for a GIL interpreter)" if gil_build else ""),
                           evidence=ev, fix=FIX_DECLARE.get(m.generator), confidence=conf))
    elif m.gil == "used":
        out.append(Finding("audit/gil-used", Severity.INFO if gil_build else Severity.WARNING, s,
                           "declares Py_MOD_GIL_USED: importing it re-enables the GIL", evidence=ev,
                           confidence=conf))
    elif m.gil == "unknown":
        out.append(Finding("audit/gil-unknown", Severity.REVIEW, s,
                           f"GIL declaration could not be determined statically: {m.gil_evidence}",
                           evidence=ev, fix="confirm by importing it in a free-threaded interpreter "
                           "(`ftkit gilcheck`)", confidence=conf))
    else:
        out.append(Finding("audit/gil-not-used", Severity.INFO, s, "declares Py_MOD_GIL_NOT_USED",
                           evidence=ev, confidence=conf))
    if m.ft_abi == "gil" and ft_target:
        out.append(Finding("audit/built-with-gil-headers", Severity.ERROR, s,
                           f"named {m.abi_tag} but compiled against GIL headers ({m.ft_abi_evidence}): "
                           "it will crash or corrupt reference counts on a free-threaded interpreter",
                           evidence={"evidence": m.ft_abi_evidence}, fix="rebuild with the free-threaded "
                           "interpreter's headers (Py_GIL_DISABLED)", confidence=Confidence.PROVEN))
    elif m.ft_abi == "free-threaded" and gil_build:
        out.append(Finding("audit/built-with-ft-headers", Severity.ERROR, s,
                           f"named {m.abi_tag} but compiled against free-threaded headers ({m.ft_abi_evidence})",
                           evidence={"evidence": m.ft_abi_evidence}, confidence=Confidence.PROVEN))
    for h in m.hazards:
        fix = (f"use {h.replacement} (CPython {h.since}+; pythoncapi-compat backports it)" if h.replacement
               else "hold Py_BEGIN_CRITICAL_SECTION on the object while using it")
        out.append(Finding("audit/c-api-hazard", Severity.REVIEW, Subject("symbol", h.symbol, path=m.path),
                           f"imports {h.symbol}: {h.why}", evidence={"module": m.module_name, "since": h.since},
                           fix=fix, confidence=Confidence.PROVEN))
    return out


def modules_table(modules) -> Table:
    rows = []
    for m in modules:
        if m.error:
            rows.append((m.path.rsplit("!", 1)[-1], "?", "?", "?", "unreadable", "", "", ""))
            continue
        gen = m.generator + (f" {m.generator_version}" if m.generator_version else "")
        rows.append((m.path.rsplit("!", 1)[-1], f"{m.format} {m.arch}", m.abi_tag or "-", m.init_style,
                     m.gil, m.gil_confidence, m.ft_abi, gen))
    return Table("Extension modules", ("module", "format", "abi", "init", "GIL", "confidence", "FT headers",
                                       "generator"), tuple(rows))

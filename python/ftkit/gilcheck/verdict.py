"""Probe outcomes -> findings and the table row of one module (pure; no processes here)."""

from __future__ import annotations

from ..report import Confidence, Finding, Severity, Subject
from .probe import Outcome
from .targets import Module

# How each generator declares support (DESIGN.md, "Declaring support per generator").
DECLARE = ("declare it: multi-phase C {Py_mod_gil, Py_MOD_GIL_NOT_USED}; single-phase "
           "PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED); Cython 3.1+ "
           "`# cython: freethreading_compatible = True`; pybind11 py::mod_gil_not_used(); "
           "nanobind FREE_THREADED; PyO3 #[pymodule(gil_used = false)]")


# The import did not complete: status -> (rule, message).
_FAILURES = {
    "import-error": ("gilcheck/import-error", "import failed ({mode} mode): {detail}"),
    "crashed": ("gilcheck/import-crash", "the interpreter crashed with {detail} while importing ({mode} mode)"),
    "hung": ("gilcheck/import-hang", "import did not finish and was killed ({detail}, {mode} mode)"),
    "exited": ("gilcheck/import-exit", "the interpreter exited during the import with {detail} ({mode} mode)"),
}


def cell(o: Outcome) -> str:
    """A short table cell for one outcome."""
    return _STATUS_CELL[o.status](o) + ("; import error" if o.error else "")


_STATUS_CELL = {
    "gil-off": lambda o: "GIL off",
    "gil-enabled": lambda o: "GIL ON",
    "gil-enabled-by": lambda o: f"GIL ON via {o.detail}",
    "import-error": lambda o: "import error",
    "crashed": lambda o: f"crashed ({o.detail})",
    "hung": lambda o: "hung (killed)",
    "exited": lambda o: f"exited ({o.detail})",
}


def findings(module: Module, outcomes: list[Outcome]) -> list[Finding]:
    subject = Subject("module", module.name, module.path)
    out = []
    for o in outcomes:
        chain = " -> ".join([*o.chain, o.detail]) if o.chain else o.detail
        evidence = {"mode": o.mode, "seconds": round(o.seconds, 3)}
        if o.status == "gil-enabled":
            out.append(Finding(
                "gilcheck/gil-enabled", Severity.ERROR, subject,
                f"importing {module.name} enabled the GIL: it does not declare that it can run "
                "without the GIL", evidence | {"chain": o.chain, "nested": o.nested},
                fix=DECLARE, confidence=Confidence.PROVEN))
        elif o.status == "gil-enabled-by":
            out.append(Finding(
                "gilcheck/gil-enabled-by-import", Severity.WARNING, subject,
                f"importing {module.name} enabled the GIL through {o.detail} (import chain: {chain})",
                evidence | {"chain": o.chain, "culprit": o.detail},
                fix=f"declare support in {o.detail}, or stop importing it", confidence=Confidence.PROVEN))
        if o.error is not None:
            out.append(Finding("gilcheck/import-error", Severity.ERROR, subject,
                               f"import failed ({o.mode} mode): {o.error}", evidence))
        if o.status in _FAILURES:
            rule, template = _FAILURES[o.status]
            out.append(Finding(rule, Severity.ERROR, subject, template.format(detail=o.detail, mode=o.mode),
                               evidence | {"stderr": o.stderr}, confidence=Confidence.PROVEN))
    return out


def not_loadable(module: Module, python: str) -> Finding:
    return Finding(
        "gilcheck/not-loadable", Severity.WARNING, Subject("module", module.name, module.path),
        f"built for another interpreter (file suffix {module.suffix!r}): {python} cannot import it, "
        "so it was not checked", {"suffix": module.suffix},
        fix="pass --python an interpreter of the tag in the file name, e.g. `ftkit bootstrap 3.13t`")

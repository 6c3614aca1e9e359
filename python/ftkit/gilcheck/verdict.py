"""Probe outcomes -> findings and the table row of one module (pure; no processes here)."""

from __future__ import annotations

from ..report import Confidence, Finding, Subject
from ..rules import declare_fix, finding
from .probe import Outcome
from .targets import Module, Target

# The import did not complete: status -> (rule, message).
_FAILURES = {
    "import-error": ("gilcheck/import-error", "import failed ({mode} mode): {detail}"),
    "crashed": ("gilcheck/import-crash", "the interpreter crashed with {detail} while importing ({mode} mode)"),
    "hung": ("gilcheck/import-hang", "import did not finish and was killed ({detail}, {mode} mode)"),
    "exited": ("gilcheck/import-exit", "the interpreter exited during the import with {detail} ({mode} mode)"),
}


def cell(o: Outcome) -> str:
    """A short table cell for one outcome: the module's own verdict first, then what its import saw."""
    return (_STATUS_CELL[o.status](o) + ("; import error" if o.error else "")
            + (f"; its import: ON via {o.via}" if _via(o) else ""))


def _via(o: Outcome) -> str | None:
    """The culprit its import met after the module's own verdict, unless the status names it already."""
    return None if o.status == "gil-enabled-by" and o.via == o.detail else o.via


_STATUS_CELL = {
    "gil-off": lambda o: "GIL off",
    "gil-enabled": lambda o: "GIL ON",
    "gil-enabled-by": lambda o: f"GIL ON via {o.detail}",
    "import-error": lambda o: "import error",
    "crashed": lambda o: f"crashed ({o.detail})",
    "hung": lambda o: "hung (killed)",
    "exited": lambda o: f"exited ({o.detail})",
}


def findings(module: Module, outcomes: list[Outcome], judged: set[str] = frozenset()) -> list[Finding]:
    """The findings of one module's outcomes. judged: the modules of this run, each with findings of
    its own, so a culprit among them is not blamed again on every module its package imports."""
    subject = Subject("module", module.name, module.path)
    out = []
    for o in outcomes:
        chain = " -> ".join([*o.chain, o.detail]) if o.chain else o.detail
        evidence = {"mode": o.mode, "seconds": round(o.seconds, 3)}
        if o.status == "gil-enabled":
            out.append(finding(
                "gilcheck/gil-enabled", subject,
                f"importing {module.name} enabled the GIL: it does not declare that it can run "
                "without the GIL", evidence=evidence | {"chain": o.chain, "nested": o.nested},
                fix=declare_fix(_generator(module)), confidence=Confidence.PROVEN))
        elif o.status == "gil-enabled-by":
            unseen = (f"; its own declaration was not seen: created alone from its file, {o.alone_error}"
                      if o.alone_error else "")
            out.append(finding(
                "gilcheck/gil-enabled-by-import", subject,
                f"importing {module.name} enabled the GIL through {o.detail} (import chain: {chain}){unseen}",
                evidence=evidence | {"chain": o.chain, "culprit": o.detail},
                fix=f"declare support in {o.detail}, or stop importing it", confidence=Confidence.PROVEN))
        if _via(o) and o.via not in judged:
            via_chain = " -> ".join([*o.via_chain, o.via])
            own = "itself needs the GIL too" if o.status == "gil-enabled" else "declares support itself"
            out.append(finding(
                "gilcheck/gil-enabled-by-import", subject,
                f"importing {module.name} enabled the GIL through {o.via} (import chain: {via_chain}); "
                f"created alone from its file, {module.name} {own}",
                evidence=evidence | {"chain": o.via_chain, "culprit": o.via},
                fix=f"declare support in {o.via}, or stop importing it", confidence=Confidence.PROVEN))
        if o.error is not None:
            out.append(finding("gilcheck/import-error", subject, f"import failed ({o.mode} mode): {o.error}",
                               evidence=evidence))
        if o.status in _FAILURES:
            rule, template = _FAILURES[o.status]
            out.append(finding(rule, subject, template.format(detail=o.detail, mode=o.mode),
                               evidence=evidence | {"stderr": o.stderr}, confidence=Confidence.PROVEN))
    return out


def _generator(module: Module) -> str | None:
    """The binding generator the audit reads from the module's file, which picks the fix line."""
    if module.kind != "extension":
        return None
    from ..audit import generator_of

    return generator_of(module.path)


def not_loadable(module: Module, python: str) -> Finding:
    return finding(
        "gilcheck/not-loadable", Subject("module", module.name, module.path),
        f"built for another interpreter (file suffix {module.suffix!r}): {python} cannot import it, "
        "so it was not checked", evidence={"suffix": module.suffix})


def shadowed(target: Target, python: str) -> Finding:
    """Said when a bare name is both a folder here (a checkout's sources) and what python imports."""
    return finding(
        "gilcheck/checked-installed", Subject("module", target.spec, target.shadowed or ""),
        f"./{target.spec} is a folder here (a source checkout?), and {target.spec} is installed for {python}: "
        f"the installed {target.kind} was checked, as an import loads it", evidence={"folder": target.shadowed},
        fix=f"write ./{target.spec} to check the folder instead")

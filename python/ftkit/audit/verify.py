"""`ftkit audit --verify-import`: does loading each module really turn the GIL on?

Also the ground truth of the audit's differential tests.

Each module is created in its own interpreter process (CPython enables the GIL once per process,
so one process can only judge one module). Creating the module object (module_from_spec) is
where CPython reads Py_mod_gil (multi-phase) or the single-phase init's PyUnstable_Module_SetGIL;
the module's exec step is not run, so missing third-party dependencies rarely matter.
A module that cannot be created alone is imported with its package instead.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..children import run_all, run_child
from ..wheels import WheelError, extract_wheel

# Per module: creating one is quick; a module that hangs must not stop the audit. The default of
# `ftkit audit --timeout`, passed down through audit(verify_timeout=...).
TIMEOUT = 120.0


def load_in_child(python: str, path: Path, name: str, sys_path: list[Path] = (),
                  timeout: float | None = None) -> dict:
    """{"gil_enabled": bool or None, "error": str or None} after loading the module in a child.

    Creating the module alone crashes some modules whose create step expects their package
    (gemmi's nanobind module segfaults); those are judged by a full import with gilcheck's probe."""
    timeout = TIMEOUT if timeout is None else timeout
    result = _child(python, path, name, sys_path, "create", timeout)
    if result["gil_enabled"] is None and sys_path:
        result = _import_with_gilcheck(python, name, path_root(path, name), sys_path, timeout)
    return result


def path_root(path: Path, name: str) -> Path:
    """The directory a dotted module name is importable from: pkg/sub/m.so, 'pkg.sub.m' -> ."""
    root = path.parent
    for _ in range(name.count(".")):
        root = root.parent
    return root


def _import_with_gilcheck(python: str, name: str, root: Path, sys_path, timeout: float) -> dict:
    """A full import through gilcheck's probe, which also says which module flipped the GIL."""
    from ..gilcheck.probe import clean_environment, run_probe

    env = clean_environment(dict(os.environ)) | {"PYTHONPATH": os.pathsep.join(str(p) for p in sys_path)}
    outcome = run_probe(python, name, "default", env, str(root), timeout)
    gil = {"gil-enabled": True, "gil-off": False}.get(outcome.status)
    return {"gil_enabled": gil, "error": None if gil is not None else f"{outcome.status}: {outcome.detail}"}


def child_environment(sys_path=()) -> dict:
    """This process's environment for a loading child: no PYTHON_GIL (it would decide the answer),
    and PYTHONPATH only the given folders (an unpacked wheel's root)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON_GIL", "PYTHONPATH")}
    if sys_path:
        env["PYTHONPATH"] = os.pathsep.join(str(p) for p in sys_path)
    return env


def _child(python: str, path: Path, name: str, sys_path, mode: str, timeout: float) -> dict:
    child = run_child(python, "load_module", [name, str(path), mode], child_environment(sys_path), timeout)
    if not child.ok or not isinstance(child.result, dict):
        return {"gil_enabled": None, "error": child.describe()}
    return child.result


def load_many(python: str, items: list[tuple[Path, str]], sys_path: list[Path] = (), jobs: int = 4,
              timeout: float | None = None) -> list[dict]:
    results, interrupted = run_all(lambda it: load_in_child(python, it[0], it[1], sys_path, timeout), items, jobs)
    if interrupted is not None:  # every child is already ended: the caller's temporary folder can go
        raise interrupted
    return results


def agrees(static_verdict, gil_enabled: bool | None) -> bool | None:
    """True/False when the static verdict (a _core.GilVerdict) makes a claim the import can check;
    None otherwise."""
    from .. import _core

    if gil_enabled is None or static_verdict is _core.GilVerdict.unknown:
        return None
    return gil_enabled == (static_verdict in (_core.GilVerdict.undeclared, _core.GilVerdict.used))


def verify(report, files, python: str, timeout: float | None = None) -> None:
    """Load every module the interpreter can load (same ABI tag and platform) in its own child
    process; add a finding per module saying whether the import confirmed the static verdict."""
    timeout = TIMEOUT if timeout is None else timeout
    from ..interpreters.discover import probe
    from ..interpreters.resolve import InterpreterError, problem
    from ..report import Confidence, Subject
    from ..rules import finding
    from .fields import text

    about = probe(python, "--python", child_environment())
    # Only a free-threaded interpreter with the GIL off at start can say whether loading turns it on:
    # under a GIL build every load "turns the GIL on", a false [proven] disagreement (issue 12).
    why = problem(about, "audit --verify-import")
    if why is not None:
        raise InterpreterError(why)
    suffix = about.ext_suffix or "\0"
    with tempfile.TemporaryDirectory(prefix="ftkit-verify-") as tmp:
        items, mods, roots, failed = [], [], [], []
        for n, f in enumerate(files):
            if f.error:
                continue
            root = None
            if f.kind == "wheel":
                try:
                    root = extract_wheel(f.path, Path(tmp) / str(n))
                except WheelError as e:  # e.g. a member escaping the tree: the audit has a finding for it
                    why = {"gil_enabled": None, "error": f"not unpacked: {e}"}
                    failed.extend((m, m.module_name or m.path, why) for m in f.modules if not m.error)
                    continue
                roots.append(root)
            for m in f.modules:
                inner = m.path.rsplit("!", 1)[-1]
                if m.error or not inner.endswith(suffix):
                    continue
                path = root / inner if root else Path(m.path)
                name = inner[: -len(suffix)].replace("/", ".") if root else path.name[: -len(suffix)]
                items.append((path, name))
                mods.append(m)
        results = load_many(python, items, sys_path=roots, jobs=2, timeout=timeout)
    for m, name, real in [*((m, name, real) for m, (_, name), real in zip(mods, items, results)), *failed]:
        verdict = agrees(m.gil, real["gil_enabled"])
        static = text(m.gil)
        subject = Subject("module", name, path=m.path)
        ev = {"static": static, "gil_enabled_after_load": real["gil_enabled"], "error": real["error"],
              "python": python}
        if real["gil_enabled"] is None:
            report.findings.append(finding("audit/verify-import-failed", subject,
                                           f"could not be loaded to verify: {real['error']}", evidence=ev))
        elif verdict is False:
            report.findings.append(finding("audit/verify-import-disagrees", subject,
                                           f"static verdict {static} but loading it "
                                           f"{'turned the GIL on' if real['gil_enabled'] else 'kept the GIL off'}",
                                           evidence=ev, confidence=Confidence.PROVEN))
        else:
            state = "turned the GIL on" if real["gil_enabled"] else "kept the GIL off"
            report.findings.append(finding("audit/verify-import", subject,
                                           f"loading it in {Path(python).name} {state}"
                                           + ("" if verdict else f" (static verdict was {static})"),
                                           evidence=ev, confidence=Confidence.PROVEN))

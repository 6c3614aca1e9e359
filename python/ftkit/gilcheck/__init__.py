"""gilcheck: import every extension module of a target in fresh free-threaded processes; report the GIL.

Entry: check(targets, interpreter, ...) -> Report. Each module is imported twice (default mode and
PYTHON_GIL=0), each package's public import once per mode too, all in parallel. An extension module
whose import turned the GIL on through another module first (its package's __init__ imported a
sibling, say) is then created alone from its file, so it is judged on its own declaration.
"""

from __future__ import annotations

import os
import tempfile
from typing import Callable

from ..children import run_all
from ..interpreters.discover import Interpreter
from ..interpreters.resolve import InterpreterError
from ..report import Report, Subject, Table
from . import verdict
from .probe import MODES, Outcome, alone, clean_environment, run_probe
from .targets import Module, Target, TargetError, resolve

__all__ = ["check", "clean_environment", "InterpreterError", "TargetError"]


Progress = Callable[[int, int], None]


def check(specs: list[str], interpreter: Interpreter, timeout: float, jobs: int, environ: dict,
          progress: Progress | None = None) -> Report:
    """The gilcheck report for the given targets, imported by interpreter (interpreters.resolve's
    choice, probed in clean_environment(environ)); raises TargetError (exit 2)."""
    env = clean_environment(environ)
    python = interpreter.path
    targets = [resolve(spec, python, env) for spec in specs]
    try:
        return _check_targets(targets, python, interpreter, timeout, jobs, env, progress)
    finally:
        for t in targets:
            if t.cleanup is not None:
                t.cleanup.cleanup()


def _check_targets(targets: list[Target], python: str, about: Interpreter, timeout: float, jobs: int,
                   env: dict, progress: Progress | None) -> Report:
    report = Report("gilcheck")
    for t in targets:
        if t.shadowed is not None:
            report.findings.append(verdict.shadowed(t, python))
    loadable: list[tuple[Target, Module]] = []
    seen: set[tuple[str | None, str]] = set()  # `ftkit gilcheck rpds-py rpds` names one module twice
    for t in targets:
        if not t.modules:
            raise TargetError(f"{t.spec}: no extension modules or packages found in this {t.kind}")
        for m in t.modules:
            if (t.root, m.name) in seen:
                continue
            seen.add((t.root, m.name))
            if m.kind == "extension" and m.suffix not in about.extension_suffixes:
                report.findings.append(verdict.not_loadable(m, python))
            else:
                loadable.append((t, m))

    work = tempfile.TemporaryDirectory(prefix="ftkit-gilcheck-cwd-")
    tasks = [(t, m, mode) for t, m in loadable for mode in MODES]

    def one(task: tuple[Target, Module, str], create_alone: bool = False) -> Outcome:
        t, m, mode = task
        child_env = dict(env)
        if t.root is not None:
            child_env["PYTHONPATH"] = os.pathsep.join(filter(None, [t.root, env.get("PYTHONPATH")]))
        return run_probe(python, m.name, mode, child_env, t.root or work.name, timeout,
                         m.path if create_alone else None)

    with work:
        results, stopped_by = run_all(one, tasks, jobs, progress)
        outcomes = {(t.root, m.name, mode): o for (t, m, mode), o in zip(tasks, results) if o is not None}
        hidden = [(t, m, mode) for (t, m, mode), o in zip(tasks, results)
                  if o is not None and o.hidden and m.kind == "extension"]
        if hidden and stopped_by is None:  # issue 11 item 13: judge each such module on its own
            created, stopped_by = run_all(lambda task: one(task, create_alone=True), hidden, jobs)
            for (t, m, mode), c in zip(hidden, created):
                if c is not None:
                    outcomes[t.root, m.name, mode] = alone(outcomes[t.root, m.name, mode], c)
    interrupted = stopped_by is not None

    rows, data = [], []
    judged = 0
    judged_names = {m.name for _, m in loadable}
    for t, m in loadable:
        per_mode = [outcomes.get((t.root, m.name, mode)) for mode in MODES]
        if None in per_mode:  # an interrupted run: only modules imported in every mode are judged
            continue
        judged += 1
        report.subjects.append(Subject("module", m.name, m.path))  # a passing test case in JUnit
        report.findings.extend(verdict.findings(m, per_mode, judged_names))
        rows.append((m.name, m.kind, *(verdict.cell(o) for o in per_mode), m.path))
        data.append({"module": m.name, "kind": m.kind, "path": m.path, "target": t.spec,
                     "outcomes": [o.to_dict() for o in per_mode]})
    report.tables.append(Table(f"Imports in fresh {python} processes (CPython {about.version})",
                               ("module", "kind", *MODES, "path"), tuple(rows)))
    report.data = {"python": python, "version": about.version, "timeout": timeout, "jobs": jobs,
                   "targets": [{"spec": t.spec, "kind": t.kind} for t in targets], "modules": data,
                   "interrupted": interrupted}
    report.checked = f"{judged} of {len(loadable)} modules judged" + ("; interrupted" if interrupted else "")
    report.interrupted = interrupted
    return report

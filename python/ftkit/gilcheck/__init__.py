"""gilcheck: import every extension module of a target in fresh free-threaded processes; report the GIL.

Entry: check(targets, python, ...) -> Report. Each module is imported twice (default mode and
PYTHON_GIL=0), each package's public import once per mode too, all in parallel.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from ..report import Report, Table
from . import verdict
from .probe import MODES, Outcome, child_source, clean_environment, run_probe
from .targets import Module, Target, TargetError, resolve

__all__ = ["check", "check_interpreter", "InterpreterError", "TargetError"]


class InterpreterError(Exception):
    """The interpreter cannot run a GIL check (missing, GIL build, GIL on at start-up): exit 2."""


_ABOUT = ("import json, sys, sysconfig, importlib.machinery as m; print(json.dumps({"
          "'version': sys.version.split()[0], 'ft': bool(sysconfig.get_config_var('Py_GIL_DISABLED')),"
          "'gil': sys._is_gil_enabled() if hasattr(sys, '_is_gil_enabled') else True,"
          "'suffixes': m.EXTENSION_SUFFIXES}))")


def check_interpreter(python: str, env: dict) -> dict:
    """Facts about python, or InterpreterError saying why it cannot be used."""
    try:
        proc = subprocess.run([python, "-c", _ABOUT], capture_output=True, text=True, env=env,
                              timeout=60, stdin=subprocess.DEVNULL)
    except OSError as e:
        raise InterpreterError(f"{python}: cannot run it ({e.strerror or e})") from None
    except subprocess.TimeoutExpired:
        raise InterpreterError(f"{python}: did not answer within 60s") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise InterpreterError(f"{python}: exits with {proc.returncode}: {last}")
    about = json.loads(proc.stdout.strip().splitlines()[-1])
    if not about["ft"]:
        raise InterpreterError(
            f"{python} is CPython {about['version']} with the GIL: gilcheck needs a free-threaded build "
            "(3.13t or later); pass --python one, e.g. the path `ftkit bootstrap --print-path 3.14t` prints")
    if about["gil"]:
        raise InterpreterError(
            f"{python}: the GIL is already enabled at start-up (something in its site-packages, a .pth "
            "file or sitecustomize, loads a module that needs it), so no import can be judged")
    return about


Progress = Callable[[int, int], None]


def check(specs: list[str], python: str, timeout: float, jobs: int, environ: dict,
          progress: Progress | None = None) -> Report:
    """The gilcheck report for the given targets; raises TargetError/InterpreterError (exit 2)."""
    env = clean_environment(environ)
    about = check_interpreter(python, env)
    targets = [resolve(spec, python, env) for spec in specs]
    try:
        return _check_targets(targets, python, about, timeout, jobs, env, progress)
    finally:
        for t in targets:
            if t.cleanup is not None:
                t.cleanup.cleanup()


def _check_targets(targets: list[Target], python: str, about: dict, timeout: float, jobs: int,
                   env: dict, progress: Progress | None) -> Report:
    report = Report("gilcheck")
    loadable: list[tuple[Target, Module]] = []
    seen: set[tuple[str | None, str]] = set()  # `ftkit gilcheck rpds-py rpds` names one module twice
    for t in targets:
        if not t.modules:
            raise TargetError(f"{t.spec}: no extension modules or packages found in this {t.kind}")
        for m in t.modules:
            if (t.root, m.name) in seen:
                continue
            seen.add((t.root, m.name))
            if m.kind == "extension" and m.suffix not in about["suffixes"]:
                report.findings.append(verdict.not_loadable(m, python))
            else:
                loadable.append((t, m))

    source = child_source()
    work = tempfile.TemporaryDirectory(prefix="ftkit-gilcheck-cwd-")
    tasks = [(t, m, mode) for t, m in loadable for mode in MODES]

    def one(task: tuple[Target, Module, str]) -> Outcome:
        t, m, mode = task
        child_env = dict(env)
        if t.root is not None:
            child_env["PYTHONPATH"] = os.pathsep.join(filter(None, [t.root, env.get("PYTHONPATH")]))
        return run_probe(python, m.name, mode, child_env, t.root or work.name, timeout, source)

    outcomes: dict[tuple[str | None, str, str], Outcome] = {}
    if progress is not None:
        progress(0, len(tasks))
    with work, ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for done, (task, outcome) in enumerate(zip(tasks, pool.map(one, tasks)), 1):
            outcomes[(task[0].root, task[1].name, task[2])] = outcome
            if progress is not None:
                progress(done, len(tasks))

    rows, data = [], []
    for t, m in loadable:
        per_mode = [outcomes[(t.root, m.name, mode)] for mode in MODES]
        report.findings.extend(verdict.findings(m, per_mode))
        rows.append((m.name, m.kind, *(verdict.cell(o) for o in per_mode), m.path))
        data.append({"module": m.name, "kind": m.kind, "path": m.path, "target": t.spec,
                     "outcomes": [o.to_dict() for o in per_mode]})
    report.tables.append(Table(f"Imports in fresh {python} processes (CPython {about['version']})",
                               ("module", "kind", *MODES, "path"), tuple(rows)))
    report.data = {"python": python, "version": about["version"], "timeout": timeout, "jobs": jobs,
                   "targets": [{"spec": t.spec, "kind": t.kind} for t in targets], "modules": data}
    return report

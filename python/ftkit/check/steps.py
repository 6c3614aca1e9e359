"""The steps of `ftkit check`, each through the command that owns it: audit, gilcheck, stress, pytest.

Each step returns that command's own Report; __init__.merge joins them. Nothing here judges: the
verdict is verdict.py's, from the findings and the Facts these steps measured.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import replace
from pathlib import Path

from ..audit import audit
from ..audit.inputs import excluded
from ..gilcheck import TargetError
from ..gilcheck import check as gilcheck
from ..gilcheck.targets import resolve
from ..interpreters.discover import Interpreter
from ..report import Report
from ..rules import target_of
from ..tags import split_extension_name
from .config import Scenario
from .verdict import Facts


def run_audit(paths: list[str], exclude: tuple[str, ...], jobs: int, progress=None) -> Report:
    return audit(paths, jobs=jobs, exclude=exclude, progress=progress)


def audit_facts(report: Report, facts: Facts) -> None:
    for f in report.data.get("files", []):
        for m in f.get("modules", []) if not f.get("error") else []:
            if m.get("error") or target_of(m.get("abi_tag") or "") == "gil":
                continue  # a GIL-ABI module never loads in a free-threaded interpreter
            facts.ft_modules += 1
            facts.undetermined += m.get("gil", {}).get("verdict") == "unknown"


def gilcheck_targets(audited: Report, paths: list[str], python: Interpreter, env: dict,
                     facts: Facts) -> list[str]:
    """What to import when [tool.ftkit] gilcheck does not say: each audited wheel this interpreter
    loads, by its distribution name when that is installed here (the package as users get it), else
    the wheel itself (unpacked, not installed); and each folder given."""
    out: list[str] = []
    for f in audited.data.get("files", []):
        if f.get("kind") != "wheel" or f.get("error"):
            continue
        suffixes = {s for s in (_suffix(m["path"]) for m in f.get("modules", [])) if s}
        name = Path(f["path"]).name
        if not suffixes:
            continue  # pure Python: no extension module to judge by importing
        if not suffixes <= set(python.extension_suffixes):
            facts.notes.append(f"{name}: not imported: built for another interpreter than {python.variant}")
            continue
        dist = re.sub(r"[-_.]+", "-", name.split("-")[0]).lower()
        out.append(dist if _installed(dist, python.path, env) else f["path"])
    out += [p for p in paths if Path(p).is_dir() and not any(Path(p).glob("*.whl"))]
    return list(dict.fromkeys(out))


def _suffix(member_path: str) -> str | None:
    split = split_extension_name(member_path.replace("\\", "/").rsplit("/", 1)[-1])
    return split[1] if split else None


def _installed(dist: str, python: str, env: dict) -> bool:
    try:
        target = resolve(dist, python, env)
    except TargetError:
        return False
    return target.kind == "distribution" and bool(target.modules)


def run_gilcheck(specs: list[str], python: Interpreter, timeout: float, jobs: int, facts: Facts,
                 exclude: tuple[str, ...] = (), progress=None) -> Report:
    report = gilcheck(specs, python, timeout, jobs, dict(os.environ), progress=progress)
    if exclude:
        _drop_excluded(report, [Path(s).resolve() for s in specs if Path(s).is_dir()], exclude)
    for m in report.data.get("modules", []):
        default = m["outcomes"][0]
        facts.imported += 1
        facts.imported_off += default["status"] == "gil-off"
    return report


def _drop_excluded(report: Report, folders: list[Path], exclude: tuple[str, ...]) -> None:
    """What the audit's --exclude leaves out of a folder is not judged by its imports either."""
    def out(path: str) -> bool:
        p = Path(path).resolve()
        return any(p.is_relative_to(d) and excluded(p.relative_to(d).as_posix(), exclude) for d in folders)

    gone = {m["path"] for m in report.data.get("modules", []) if out(m["path"])}
    report.data["modules"] = [m for m in report.data.get("modules", []) if m["path"] not in gone]
    report.findings = [f for f in report.findings if f.subject.path not in gone]
    report.tables = [replace(t, rows=tuple(r for r in t.rows if r[-1] not in gone)) for t in report.tables]


@contextlib.contextmanager
def _environment(extra: tuple[tuple[str, str], ...]):
    """The scenario's env for its worker: StressRun's workers inherit this process's environment."""
    saved = {k: os.environ.get(k) for k, _ in extra}
    os.environ.update(dict(extra))
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_scenario(s: Scenario, root: Path, python: str, repro_dir: Path, facts: Facts, progress=None) -> Report:
    from ..stress.data import StressOptions
    from ..stress.driver import StressRun
    from ..stress.report import to_report

    path, attribute = s.path, None
    if not (root / path).is_file() and ":" in path:
        path, _, attribute = path.rpartition(":")
    options = StressOptions(threads=s.threads, ops=s.ops, trials=s.trials, duration=s.duration, seed=s.seed,
                            output_dir=repro_dir, python=python, attribute=attribute, minimise_seconds=20.0,
                            replays=100)
    with _environment(s.env):
        result = StressRun(str(root / path), options, progress).run()
    report = to_report(result)
    if not report.findings and result.counts.judged:
        facts.scenarios_passed.append(f"{s.path}: {result.counts.judged} trials of {s.threads} threads "
                                      "passed (no race found: not a proof)")
    return report

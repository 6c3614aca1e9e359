"""`ftkit audit` as a library: audit wheels and extension binaries, get a Report back.

    from ftkit.audit import audit
    report = audit(["dist/mypkg-1.0-cp314-cp314t-manylinux_2_28_x86_64.whl"], jobs=4)

The bytes are read by the C++ core (ftkit._core.audit_paths, parallel over --jobs threads);
this package turns its results into Findings (findings.py) and judges wheels' metadata (wheel.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from ..report import Report
from ..tags import BINARY_ENDINGS
from .fields import to_json
from .findings import module_findings, modules_table
from .wheel import wheel_findings


class InputError(Exception):
    """A path that does not exist or holds nothing to audit."""


def collect(paths: list[str]) -> list[str]:
    """Expand directories (recursively) into the wheels and extension binaries they hold."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            # A subdirectory that cannot be listed is passed on as an input, so the core reports
            # it unreadable (exit 2) instead of the audit passing without it (issue 12).
            found, unlisted = [], []
            for root, _, names in os.walk(path, onerror=unlisted.append):
                found += [str(Path(root, n)) for n in names
                          if n.endswith((".whl", *BINARY_ENDINGS)) and Path(root, n).is_file()]
            found = sorted(found + [e.filename for e in unlisted])
            if not found:
                raise InputError(f"{p}: no wheels or extension modules in this directory")
            out.extend(found)
        elif path.is_file():
            out.append(str(path))
        else:
            raise InputError(f"{p}: no such file or directory")
    return out


def audit(paths: list[str], jobs: int = 1, verify_with: str | None = None,
          progress: Callable[[int, int], None] | None = None) -> Report:
    """Audit files and directories; the Report's data["unreadable"] lists inputs that failed.

    verify_with: a free-threaded interpreter to confirm each loadable module's verdict by
    loading it (each in its own process; wheels are then extracted to a temporary directory).
    progress(done, total) is called as inputs finish (the core is then called in batches)."""
    from .. import _core

    # A name that is not UTF-8 (os.fsdecode's surrogates) cannot cross to the core as text: it is
    # reported unreadable, its bytes shown as \udcXX escapes, instead of a TypeError (issue 12).
    inputs, undecodable = [], []
    for p in collect(paths):
        (undecodable if _surrogates(p) else inputs).append(p)
    jobs = max(1, jobs)
    if progress is None:
        files = _core.audit_paths(inputs, jobs)
    else:
        files = []
        for start in range(0, len(inputs), 2 * jobs):
            files.extend(_core.audit_paths(inputs[start:start + 2 * jobs], jobs))
            progress(len(files), len(inputs))
    report = build_report(files)
    report.data["unreadable"] += [{"path": p, "error": "its name is not UTF-8 (shown with \\udcXX escapes for "
                                   "the bytes that are not), which the reader needs"} for p in undecodable]
    if verify_with:
        from .verify import verify

        verify(report, files, verify_with)
    return report


def _surrogates(path: str) -> bool:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def audit_bytes(data: bytes, name: str) -> Report:
    """Audit one wheel or binary held in memory (name: its file name, which carries the ABI tag)."""
    from .. import _core

    return build_report([_core.audit_bytes(data, name)])


def generator_of(path: str) -> str | None:
    """The binding generator of one extension module file (cython, pybind11, nanobind, pyo3, c-api);
    None when it cannot be read."""
    from .. import _core

    (f,) = _core.audit_paths([path], 1)
    modules = [m for m in f.modules if not m.error]
    return modules[0].generator if modules and not f.error else None


def build_report(files) -> Report:
    report = Report("audit")
    all_modules = []
    unreadable = []
    for f in files:
        if f.error:
            unreadable.append({"path": f.path, "error": f.error})
            continue
        all_modules.extend(f.modules)
        for m in f.modules:
            report.findings.extend(module_findings(m))
        if f.kind == "wheel":
            report.findings.extend(wheel_findings(f))
    report.tables.append(modules_table(all_modules))
    report.data = {"files": to_json(list(files)), "unreadable": unreadable}
    return report


def default_jobs() -> int:
    return min(8, os.cpu_count() or 1)

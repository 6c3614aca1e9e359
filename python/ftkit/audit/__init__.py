"""`ftkit audit` as a library: audit wheels and extension binaries, get a Report back.

    from ftkit.audit import audit
    report = audit(["dist/mypkg-1.0-cp314-cp314t-manylinux_2_28_x86_64.whl"], jobs=4)

The bytes are read by the C++ core (ftkit._core.audit_paths, parallel over --jobs threads);
this package turns its results into Findings (findings.py) and judges wheels' metadata (wheel.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ..report import Report, Subject
from ..rules import finding
from .fields import to_json
from .findings import module_findings, modules_tables
from .inputs import InputError as InputError  # InputError: the API's error
from .inputs import Inputs, collect
from .wheel import free_threaded_releases, wheel_findings


def audit(paths: list[str], jobs: int = 1, verify_with: str | None = None,
          progress: Callable[[int, int], None] | None = None, exclude: tuple[str, ...] = (),
          verify_timeout: float | None = None) -> Report:
    """Audit files and directories; the Report's data["unreadable"] lists inputs and modules that
    could not be read (the command then exits 2). Sdists, build-tool folders and paths matching an
    `exclude` glob are skipped, each kind noted in one info finding (inputs.py).

    verify_with: a free-threaded interpreter to confirm each loadable module's verdict by
    loading it (each in its own process; wheels are then extracted to a temporary directory),
    each load limited to verify_timeout seconds (default verify.TIMEOUT).
    progress(done, total) is called as inputs finish (the core is then called in batches)."""
    from .. import _core

    found = collect(paths, exclude)
    # A name that is not UTF-8 (os.fsdecode's surrogates) cannot cross to the core as text: it is
    # reported unreadable, its bytes shown as \udcXX escapes, instead of a TypeError (issue 12).
    inputs, undecodable = [], []
    for p in found.files:
        (undecodable if _surrogates(p) else inputs).append(p)
    jobs = max(1, jobs)
    if progress is None:
        files = _core.audit_paths(inputs, jobs)
    else:
        files = []
        for start in range(0, len(inputs), 2 * jobs):
            files.extend(_core.audit_paths(inputs[start:start + 2 * jobs], jobs))
            progress(len(files), len(inputs))
    report = build_report(files, found, undecodable)
    if verify_with:
        from .verify import verify

        verify(report, files, verify_with, verify_timeout)
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


def build_report(files, found: Inputs | None = None, undecodable: list[str] = ()) -> Report:
    report = Report("audit")
    unreadable = []
    ft_releases = free_threaded_releases(files)
    for f in files:
        if f.error:
            unreadable.append({"path": f.path, "error": f.error})
            report.findings.append(finding("audit/unreadable-input", Subject("file", f.path, path=f.path),
                                           f"cannot be read: {f.error}"))
            continue
        for m in f.modules:
            if m.error:
                unreadable.append({"path": m.path, "error": m.error})
            report.findings.extend(module_findings(m))
        if f.kind == "wheel":
            report.findings.extend(wheel_findings(f, ft_releases))
    report.tables.extend(modules_tables(files))
    for p in undecodable:
        error = ("its name is not UTF-8 (shown with \\udcXX escapes for the bytes that are not), "
                 "which the reader needs")
        unreadable.append({"path": p, "error": error})
        report.findings.append(finding("audit/unreadable-input", Subject("file", p, path=p),
                                       f"cannot be read: {error}"))
    skipped = found.skipped if found else []
    report.findings.extend(skip_findings(skipped))
    report.data = {"files": to_json(list(files)), "unreadable": unreadable,
                   "skipped": [{"path": p, "reason": r} for p, r in skipped]}
    report.checked = checked_text(sum(not f.error for f in files), len(unreadable), len(skipped))
    return report


def skip_findings(skipped: list[tuple[str, str]]) -> list:
    """One info finding per kind of skipped input, naming the first few paths."""
    out = []
    for reason in dict.fromkeys(r for _, r in skipped):
        paths = [p for p, r in skipped if r == reason]
        if len(paths) == 1:
            subject, message = Subject("file", paths[0]), f"skipped: {reason}"
        else:
            shown = ", ".join(paths[:4]) + (f" and {len(paths) - 4} more" if len(paths) > 4 else "")
            subject, message = Subject("file", f"{len(paths)} paths"), f"skipped {shown}: {reason}"
        out.append(finding("audit/skipped-input", subject, message, evidence={"paths": paths, "reason": reason},
                           fix=None))  # the reason says what to do
    return out


def checked_text(read: int, unreadable: int, skipped: int) -> str:
    """The summary's account of the inputs: it says so when the exit code is 2 (unreadable)."""
    out = f"{read} file{'s' if read != 1 else ''} read"
    if skipped:
        out += f", {skipped} path{'s' if skipped != 1 else ''} skipped"
    if unreadable:
        out += f"; {unreadable} could not be read: exit 2"
    return out


def default_jobs() -> int:
    return min(8, os.cpu_count() or 1)

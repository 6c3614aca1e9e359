"""`ftkit audit --verify-import`: does loading each module really turn the GIL on?

Also the ground truth of the audit's differential tests.

Each module is created in its own interpreter process (CPython enables the GIL once per process,
so one process can only judge one module). Creating the module object (module_from_spec) is
where CPython reads Py_mod_gil (multi-phase) or the single-phase init's PyUnstable_Module_SetGIL;
the module's exec step is not run, so missing third-party dependencies rarely matter.
A module that cannot be created alone is imported with its package instead.
"""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

_SCRIPT = r"""
import importlib.util, json, sys, warnings
warnings.simplefilter("ignore")
name, path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
error = None
try:
    if mode == "create":
        spec = importlib.util.spec_from_file_location(name, path)
        importlib.util.module_from_spec(spec)
    else:
        importlib.import_module(name)
except BaseException as e:
    error = f"{type(e).__name__}: {e}"[:200]
print(json.dumps({"gil_enabled": sys._is_gil_enabled(), "error": error}))
"""


def load_in_child(python: str, path: Path, name: str, sys_path: list[Path] = ()) -> dict:
    """{"gil_enabled": bool or None, "error": str or None} after loading the module in a child.

    Creating the module alone crashes some modules whose create step expects their package
    (gemmi's nanobind module segfaults); those are judged by a full import with gilcheck's probe."""
    result = _child(python, path, name, sys_path, "create")
    if result["gil_enabled"] is None and sys_path:
        result = _import_with_gilcheck(python, name, path_root(path, name), sys_path)
    return result


def path_root(path: Path, name: str) -> Path:
    """The directory a dotted module name is importable from: pkg/sub/m.so, 'pkg.sub.m' -> ."""
    root = path.parent
    for _ in range(name.count(".")):
        root = root.parent
    return root


def _import_with_gilcheck(python: str, name: str, root: Path, sys_path) -> dict:
    """A full import through gilcheck's probe, which also says which module flipped the GIL."""
    from ..gilcheck.probe import clean_environment, run_probe

    env = clean_environment(dict(os.environ)) | {"PYTHONPATH": os.pathsep.join(str(p) for p in sys_path)}
    outcome = run_probe(python, name, "default", env, str(root), 120)
    gil = {"gil-enabled": True, "gil-off": False}.get(outcome.status)
    return {"gil_enabled": gil, "error": None if gil is not None else f"{outcome.status}: {outcome.detail}"}


def _child(python: str, path: Path, name: str, sys_path, mode: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON_GIL", "PYTHONPATH")}
    if sys_path:
        env["PYTHONPATH"] = os.pathsep.join(str(p) for p in sys_path)
    proc = subprocess.run([python, "-c", _SCRIPT, name, str(path), mode], capture_output=True, text=True,
                          env=env, timeout=120)
    if proc.returncode != 0 or not proc.stdout.strip():
        return {"gil_enabled": None, "error": f"exit {proc.returncode}: {proc.stderr[-300:]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def load_many(python: str, items: list[tuple[Path, str]], sys_path: list[Path] = (), jobs: int = 4) -> list[dict]:
    with ThreadPoolExecutor(jobs) as pool:
        return list(pool.map(lambda it: load_in_child(python, it[0], it[1], sys_path), items))


def agrees(static_verdict, gil_enabled: bool | None) -> bool | None:
    """True/False when the static verdict (a _core.GilVerdict) makes a claim the import can check;
    None otherwise."""
    from .. import _core

    if gil_enabled is None or static_verdict is _core.GilVerdict.unknown:
        return None
    return gil_enabled == (static_verdict in (_core.GilVerdict.undeclared, _core.GilVerdict.used))


def verify(report, files, python: str) -> None:
    """Load every module the interpreter can load (same ABI tag and platform) in its own child
    process; add a finding per module saying whether the import confirmed the static verdict."""
    import tempfile
    import zipfile

    from ..report import Confidence, Finding, Severity, Subject
    from .fields import text

    probe = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))"],
                           capture_output=True, text=True, check=True)
    suffix = probe.stdout.strip()
    with tempfile.TemporaryDirectory(prefix="ftkit-verify-") as tmp:
        items, mods, roots = [], [], []
        for n, f in enumerate(files):
            if f.error:
                continue
            root = None
            if f.kind == "wheel":
                root = Path(tmp) / str(n)
                with zipfile.ZipFile(f.path) as z:
                    # Only the members needed to import; names were checked for ".." by the audit.
                    z.extractall(root, [i for i in z.namelist() if ".." not in i and not i.startswith("/")])
                roots.append(root)
            for m in f.modules:
                inner = m.path.rsplit("!", 1)[-1]
                if m.error or not inner.endswith(suffix):
                    continue
                path = root / inner if root else Path(m.path)
                name = inner[: -len(suffix)].replace("/", ".") if root else path.name[: -len(suffix)]
                items.append((path, name))
                mods.append(m)
        results = load_many(python, items, sys_path=roots, jobs=2)
    for m, (_, name), real in zip(mods, items, results):
        verdict = agrees(m.gil, real["gil_enabled"])
        static = text(m.gil)
        subject = Subject("module", name, path=m.path)
        ev = {"static": static, "gil_enabled_after_load": real["gil_enabled"], "error": real["error"],
              "python": python}
        if real["gil_enabled"] is None:
            report.findings.append(Finding("audit/verify-import-failed", Severity.REVIEW, subject,
                                           f"could not be loaded to verify: {real['error']}", evidence=ev))
        elif verdict is False:
            report.findings.append(Finding("audit/verify-import-disagrees", Severity.ERROR, subject,
                                           f"static verdict {static} but loading it "
                                           f"{'turned the GIL on' if real['gil_enabled'] else 'kept the GIL off'}",
                                           evidence=ev, confidence=Confidence.PROVEN))
        else:
            state = "turned the GIL on" if real["gil_enabled"] else "kept the GIL off"
            report.findings.append(Finding("audit/verify-import", Severity.INFO, subject,
                                           f"loading it in {Path(python).name} {state}"
                                           + ("" if verdict else f" (static verdict was {static})"),
                                           evidence=ev, confidence=Confidence.PROVEN))

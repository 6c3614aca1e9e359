"""The measured truth the real-project suite holds ftkit to: CPython's own word, read by importing.

`python -v` makes a free-threaded CPython print `# loading module 'X', which requires the GIL` for
every extension module whose declaration needs the GIL, whether or not an earlier module already
turned it on (_PyImport_CheckGILForModule, Python/import.c, 3.13+; only when PYTHON_GIL is unset).
That is independent of how ftkit judges (creating each module alone under its import hook), so
comparing the two tests ftkit, and nothing here is typed in by hand.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

VERBOSE_LINE = "# loading module '{}', which requires the GIL"


def environment(pythonpath: Path | None = None) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHON_GIL", "PYTHONPATH", "PYTHONWARNINGS", "FTKIT_STRICT_GIL")}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return env


def requires_gil(python: Path | str, module: str, cwd: Path, pythonpath: Path | None = None,
                 path: str | None = None) -> tuple[bool, bool]:
    """(whether CPython says `module` requires the GIL, whether importing it worked).

    Imported for real, with its package. Where that import fails (greenlet's test modules need
    psutil), CPython is asked by creating the module from its file instead, which runs no package."""
    proc = subprocess.run([str(python), "-v", "-c", f"import {module}"], capture_output=True, text=True,
                          env=environment(pythonpath), cwd=cwd, timeout=120)
    if proc.returncode == 0 or path is None:
        assert proc.returncode == 0, f"import {module} failed under {python}:\n{proc.stderr[-2000:]}"
        return VERBOSE_LINE.format(module) in proc.stderr, True
    code = ("import importlib.util as u; "
            f"u.module_from_spec(u.spec_from_file_location({module!r}, {path!r}))")
    alone = subprocess.run([str(python), "-v", "-c", code], capture_output=True, text=True,
                           env=environment(pythonpath), cwd=cwd, timeout=120)
    assert alone.returncode == 0, f"creating {module} failed under {python}:\n{alone.stderr[-2000:]}"
    return VERBOSE_LINE.format(module) in alone.stderr, False


def gil_after_import(python: Path | str, module: str, cwd: Path, pythonpath: Path | None = None) -> bool:
    """sys._is_gil_enabled() after `import module` in a fresh process: what a user of the package sees."""
    code = f"import sys, {module}; print(sys._is_gil_enabled())"
    proc = subprocess.run([str(python), "-W", "ignore", "-c", code], capture_output=True, text=True,
                          env=environment(pythonpath), cwd=cwd, timeout=120)
    assert proc.returncode == 0, f"import {module} failed under {python}:\n{proc.stderr[-2000:]}"
    return proc.stdout.split()[-1] == "True"


# gilcheck's default-mode status for a module -> whether it says the module requires the GIL.
MODULE_SAYS = {"gil-off": False, "gil-enabled": True}
# ... and for a package's public import -> whether the GIL is on afterwards.
PACKAGE_SAYS = {"gil-off": False, "gil-enabled": True, "gil-enabled-by": True}


def compare(report: dict, python: Path | str, cwd: Path, pythonpath: Path | None = None) -> list[tuple]:
    """(module, kind, ftkit's cell, measured truth, agrees) for every module a gilcheck JSON report judged.

    A module whose import fails must be reported with that import error too."""
    rows = []
    for m in report["data"]["modules"]:
        default = m["outcomes"][0]  # MODES' first: default
        status, failed = default["status"], default["status"] == "import-error" or default["error"] is not None
        if m["kind"] == "extension":
            truth, imports = requires_gil(python, m["module"], cwd, pythonpath, m["path"])
            agrees = MODULE_SAYS.get(status) == truth and failed == (not imports)
            truth_text = "requires the GIL" if truth else "declares support"
            truth_text += "" if imports else "; import fails"
        else:
            truth = gil_after_import(python, m["module"], cwd, pythonpath)
            agrees = PACKAGE_SAYS.get(status) == truth
            truth_text = "GIL on after import" if truth else "GIL off after import"
        cell = status + (f" (its import: via {default['via']})" if default.get("via") else "") + (
            "; import error" if failed and status != "import-error" else "")
        rows.append((m["module"], m["kind"], cell, truth_text, agrees))
    return rows

"""Find the CPython interpreters on this machine and ask each what it is (in a subprocess)."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from . import cache

PROBE_TIMEOUT = 20.0

# Run inside the probed interpreter: must work on 3.6+ and must not import anything heavy.
_PROBE = (
    "import json, os, sys, sysconfig;"
    "print(json.dumps({'version': '.'.join(map(str, sys.version_info[:3])) + "
    "(sys.version_info[3][0] + str(sys.version_info[4]) if sys.version_info[3] != 'final' else ''),"
    "'implementation': sys.implementation.name,"
    "'free_threaded': bool(sysconfig.get_config_var('Py_GIL_DISABLED')),"
    "'gil_enabled': sys._is_gil_enabled() if hasattr(sys, '_is_gil_enabled') else True,"
    "'executable': sys.executable}))"
)


@dataclass(frozen=True)
class Interpreter:
    path: str
    source: str  # "ftkit cache" | "pyenv" | "PATH" | "running", comma-joined when several
    version: str | None = None
    implementation: str | None = None
    free_threaded: bool | None = None
    gil_enabled: bool | None = None  # at start-up, in the current environment (PYTHON_GIL counts)
    error: str | None = None  # why probing failed, if it did

    @property
    def minor(self) -> str | None:
        return ".".join(self.version.split(".")[:2]) if self.version else None

    @property
    def variant(self) -> str | None:
        if self.minor is None:
            return None
        return self.minor + ("t" if self.free_threaded else "")

    def to_dict(self) -> dict:
        return asdict(self) | {"variant": self.variant}


def _candidates() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for prefix in sorted((cache.cache_root() / "cpython").glob("*")):
        try:
            variant = cache.Variant.parse(prefix.name)
        except ValueError:
            continue  # not one of ours
        if cache.is_built(variant):
            found.append((str(cache.interpreter_path(variant)), "ftkit cache"))
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    for exe in sorted(glob.glob(os.path.join(pyenv_root, "versions", "*", "bin", "python3"))):
        found.append((exe, "pyenv"))
    for name in ["python3"] + [f"python3.{m}{t}" for m in range(9, 16) for t in ("", "t")]:
        exe = shutil.which(name)
        if exe and "/.pyenv/shims/" not in exe:  # shims re-dispatch; pyenv's versions are listed above
            found.append((exe, "PATH"))
    found.append((sys.executable, "running"))
    return found


def _dedupe(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One entry per real file, named by the first path found, with every source that led to it
    (a venv's python is a symlink to the interpreter it was made from: "ftkit cache, running")."""
    by_real: dict[str, tuple[str, list[str]]] = {}
    for exe, source in found:
        path, sources = by_real.setdefault(os.path.realpath(exe), (exe, []))
        if source not in sources:
            sources.append(source)
    return [(path, ", ".join(sources)) for path, sources in by_real.values()]


def probe(path: str, source: str = "given", env: dict | None = None) -> Interpreter:
    try:
        proc = subprocess.run([path, "-c", _PROBE], capture_output=True, text=True,
                              timeout=PROBE_TIMEOUT, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return Interpreter(path, source, error=f"did not answer within {PROBE_TIMEOUT:.0f}s")
    except OSError as e:
        return Interpreter(path, source, error=e.strerror or str(e))
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return Interpreter(path, source, error=f"exit {proc.returncode}: {last}")
    info = json.loads(proc.stdout)
    return Interpreter(path, source, info["version"], info["implementation"],
                       info["free_threaded"], info["gil_enabled"])


def discover() -> list[Interpreter]:
    """Every interpreter found, probed in parallel: ftkit's cache first, then pyenv, PATH, running."""
    found = _dedupe(_candidates())
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda c: probe(*c), found))

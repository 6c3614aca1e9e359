"""Find the CPython interpreters on this machine and ask each what it is (in a subprocess)."""

from __future__ import annotations

import glob
import os
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from ..children import run_child
from . import cache

PROBE_TIMEOUT = 20.0


@dataclass(frozen=True)
class Interpreter:
    path: str
    source: str  # "ftkit cache" | "pyenv" | "PATH" | "running", comma-joined when several
    version: str | None = None
    implementation: str | None = None
    free_threaded: bool | None = None
    gil_enabled: bool | None = None  # at start-up, in the current environment (PYTHON_GIL counts)
    error: str | None = None  # why probing failed, if it did
    ext_suffix: str | None = None  # e.g. ".cpython-314t-x86_64-linux-gnu.so"
    extension_suffixes: tuple[str, ...] = ()  # every suffix its importer loads
    ftkit: str | None = None  # the folder `import ftkit` would load there, None if it cannot

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


def uv_root() -> Path:
    """uv's managed interpreters (`uv python install 3.14t`): $UV_PYTHON_INSTALL_DIR, else the XDG
    data folder (docs.astral.sh/uv/reference/environment: UV_PYTHON_INSTALL_DIR)."""
    if os.environ.get("UV_PYTHON_INSTALL_DIR"):
        return Path(os.environ["UV_PYTHON_INSTALL_DIR"])
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "uv" / "python"


# A sanitizer build (3.14t-tsan) is listed (doctor) but never chosen on its own: it runs several times
# slower, and only `ftkit stress --tsan` wants it, through --python (resolve.pick).
SANITIZED_SOURCE = "ftkit cache (tsan)"


def cached() -> list[tuple[str, str]]:
    """The interpreters ftkit built into its cache, by variant name."""
    found = []
    for prefix in sorted((cache.cache_root() / "cpython").glob("*")):
        try:
            variant = cache.Variant.parse(prefix.name)
        except ValueError:
            continue  # not one of ours
        if cache.is_built(variant):
            source = SANITIZED_SOURCE if variant.sanitizer else "ftkit cache"
            found.append((str(cache.interpreter_path(variant)), source))
    return found


def installed() -> list[tuple[str, str]]:
    """Interpreters someone installed: pyenv's versions, uv's managed ones, and PATH."""
    found: list[tuple[str, str]] = []
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    for exe in sorted(glob.glob(os.path.join(pyenv_root, "versions", "*", "bin", "python3"))):
        found.append((exe, "pyenv"))
    # uv names them cpython-3.14.0+freethreaded-linux-x86_64-gnu/bin/python3.14t.
    for exe in sorted(glob.glob(os.path.join(uv_root(), "cpython-3.*", "bin", "python3.*"))):
        if not exe.endswith("-config"):
            found.append((exe, "uv"))
    for name in ["python3"] + [f"python3.{m}{t}" for m in range(9, 16) for t in ("", "t")]:
        exe = shutil.which(name)
        if exe and "/.pyenv/shims/" not in exe:  # shims re-dispatch; pyenv's versions are listed above
            found.append((exe, "PATH"))
    return found


def _candidates() -> list[tuple[str, str]]:
    return [*cached(), *installed(), (sys.executable, "running")]


def _environment(exe: str) -> tuple[str, str | None]:
    """What makes two interpreter paths the same: the real file, and the virtual environment (its
    pyvenv.cfg, PEP 405) whose site-packages the path runs with, if any."""
    env = os.path.dirname(os.path.dirname(os.path.abspath(exe)))
    return os.path.realpath(exe), env if os.path.isfile(os.path.join(env, "pyvenv.cfg")) else None


def dedupe(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One entry per interpreter, named by the first path found, with every source that led to it
    (python3.14t on PATH linking into the cache: "ftkit cache, PATH"). A venv's python links to the
    interpreter it was made from but has its own packages (ftkit, say), so it stays an entry of its own."""
    by_env: dict[tuple[str, str | None], tuple[str, list[str]]] = {}
    for exe, source in found:
        path, sources = by_env.setdefault(_environment(exe), (exe, []))
        if source not in sources:
            sources.append(source)
    return [(path, ", ".join(sources)) for path, sources in by_env.values()]


def probe(path: str, source: str = "given", env: dict | None = None,
          timeout: float = PROBE_TIMEOUT) -> Interpreter:
    """Ask the interpreter at path what it is (children/interpreter.py); `error` says why it could not
    answer. env: the environment it will run targets in (PYTHON_GIL there changes gil_enabled)."""
    child = run_child(path, "interpreter", env=env, timeout=timeout)
    info = child.result
    if not child.ok or not isinstance(info, dict):
        return Interpreter(path, source, error=_why(child))
    return Interpreter(path, source, info.get("version"), info.get("implementation"),
                       info.get("free_threaded"), info.get("gil_enabled"), None, info.get("ext_suffix"),
                       tuple(info.get("extension_suffixes") or ()), (info.get("ftkit") or [None])[0])


def _why(child) -> str:
    if child.timed_out:
        return f"did not answer within {child.timeout:g}s"
    if child.returncode == 0:
        return f"not a Python interpreter (exit 0, {child.result_error or 'an unexpected answer'})"
    return child.describe()


def discover() -> list[Interpreter]:
    """Every interpreter found, probed in parallel: ftkit's cache first, then pyenv, PATH, running."""
    found = dedupe(_candidates())
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda c: probe(*c), found))

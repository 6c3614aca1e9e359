"""What `ftkit gilcheck TARGET` imports: a wheel, a directory, an installed distribution or an import name.

A wheel is unpacked into a temporary directory (never installed); a directory is scanned as a
sys.path entry; names are resolved by the *target* interpreter (in a subprocess), because that is
where the distribution is installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

# Binary module files CPython can load: name.<tag>.so, name.so, name.<tag>.pyd, name.pyd.
_EXT_ENDINGS = (".so", ".pyd")


class TargetError(Exception):
    """A target that cannot be read: nothing about it was judged (exit code 2)."""


@dataclass
class Module:
    name: str  # dotted import name
    path: str
    suffix: str  # e.g. ".cpython-314t-x86_64-linux-gnu.so"
    kind: str = "extension"  # "extension" | "package" (the public `import pkg`)


@dataclass
class Target:
    spec: str  # as the user wrote it
    kind: str  # wheel | directory | distribution | module
    root: str | None  # a sys.path entry to add (wheel, directory), None if installed
    modules: list[Module] = field(default_factory=list)
    cleanup: tempfile.TemporaryDirectory | None = None


def scan_directory(root: Path) -> list[Module]:
    """Every extension module under root, named as if root were on sys.path."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        # Only importable package paths: skips foo.libs/, foo-1.0.dist-info/, __pycache__/.
        dirnames[:] = sorted(d for d in dirnames if d.isidentifier() and d != "__pycache__")
        for filename in sorted(filenames):
            if not filename.endswith(_EXT_ENDINGS):
                continue
            stem, _, _ = filename.partition(".")
            if not stem.isidentifier():
                continue
            name = ".".join([*rel.parts, stem])
            found.append(Module(name, str(Path(dirpath) / filename), filename[len(stem):]))
    return found


def public_imports(modules: list[Module], root: Path) -> list[Module]:
    """`import pkg` for each top-level package that holds extension modules."""
    tops = sorted({m.name.split(".")[0] for m in modules if "." in m.name})
    return [Module(t, str(root / t), "", kind="package") for t in tops if (root / t).is_dir()]


def _unpack_wheel(path: Path) -> tempfile.TemporaryDirectory:
    tmp = tempfile.TemporaryDirectory(prefix="ftkit-gilcheck-")
    try:
        with zipfile.ZipFile(path) as wheel:
            dest = Path(tmp.name).resolve()
            for info in wheel.infolist():
                target = (dest / info.filename).resolve()
                if not target.is_relative_to(dest):
                    raise TargetError(f"{path}: member {info.filename!r} points outside the wheel")
            wheel.extractall(dest)
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        tmp.cleanup()
        raise TargetError(f"{path}: not a readable wheel ({e})") from None
    except TargetError:
        tmp.cleanup()
        raise
    return tmp


# Runs in the target interpreter: a distribution's files, else an import name's location.
_RESOLVE = r"""
import importlib.metadata as md, importlib.util, json, os, sys
name = sys.argv[1]
out = {}
try:
    dist = md.distribution(name)
    out["root"] = str(dist.locate_file(""))
    out["files"] = [str(f) for f in (dist.files or [])]
    out["kind"] = "distribution"
except md.PackageNotFoundError:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError) as e:
        spec = None
        out["error"] = f"{type(e).__name__}: {e}"
    if spec is not None:
        out["kind"] = "module"
        out["origin"] = spec.origin
        out["locations"] = list(spec.submodule_search_locations or [])
print(json.dumps(out))
"""


def _resolve_name(spec: str, python: str, env: dict) -> Target:
    try:
        proc = subprocess.run([python, "-c", _RESOLVE, spec], capture_output=True, text=True,
                              env=env, timeout=60, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise TargetError(f"{spec}: looking it up in {python} did not finish within 60s") from None
    if proc.returncode != 0:
        raise TargetError(f"{spec}: looking it up in {python} failed: "
                          f"{(proc.stderr.strip().splitlines() or ['no output'])[-1]}")
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    kind = info.get("kind")
    if kind == "distribution":
        root = Path(info["root"])
        modules = []
        for rel in info["files"]:
            mod = _module_from_relpath(Path(rel), root)
            if mod is not None:
                modules.append(mod)
        tops = sorted({Path(rel).parts[0] for rel in info["files"]
                       if Path(rel).name == "__init__.py" and len(Path(rel).parts) == 2})
        packages = [Module(t, str(root / t), "", kind="package") for t in tops]
        return Target(spec, kind, None, modules + packages)
    if kind == "module":
        if info["locations"]:  # a package: scan it, named from its parent
            pkg_dir = Path(info["locations"][0])
            modules = [m for m in scan_directory(pkg_dir.parent) if m.name.split(".")[0] == pkg_dir.name]
            return Target(spec, kind, None, modules + [Module(spec, str(pkg_dir), "", kind="package")])
        origin = info.get("origin") or ""
        if origin.endswith(_EXT_ENDINGS):
            stem = Path(origin).name.partition(".")[0]
            return Target(spec, kind, None, [Module(spec, origin, Path(origin).name[len(stem):])])
        return Target(spec, kind, None, [Module(spec, origin, "", kind="package")])
    detail = f" ({info['error']})" if "error" in info else ""
    raise TargetError(f"{spec}: no such file, directory, installed distribution or importable "
                      f"module for {python}{detail}")


def _module_from_relpath(rel: Path, root: Path) -> Module | None:
    if not rel.name.endswith(_EXT_ENDINGS) or any(not p.isidentifier() for p in rel.parts[:-1]):
        return None
    stem = rel.name.partition(".")[0]
    if not stem.isidentifier():
        return None
    return Module(".".join([*rel.parts[:-1], stem]), str(root / rel), rel.name[len(stem):])


def resolve(spec: str, python: str, env: dict) -> Target:
    """The Target for one command-line argument; TargetError if it cannot be read."""
    path = Path(spec)
    if path.suffix == ".whl" or (path.is_file() and zipfile.is_zipfile(path)):
        if not path.is_file():
            raise TargetError(f"{spec}: no such wheel")
        tmp = _unpack_wheel(path)
        root = Path(tmp.name).resolve()
        modules = scan_directory(root)
        return Target(spec, "wheel", str(root), modules + public_imports(modules, root), tmp)
    if path.is_dir():
        root = path.resolve()
        modules = scan_directory(root)
        return Target(spec, "directory", str(root), modules + public_imports(modules, root))
    if path.exists():
        raise TargetError(f"{spec}: not a wheel or a directory")
    if os.sep in spec or spec.endswith((".whl", ".so", ".pyd")):
        raise TargetError(f"{spec}: no such file or directory")
    return _resolve_name(spec, python, env)

"""What `ftkit gilcheck TARGET` imports: a wheel, a directory, an installed distribution or an import name.

A wheel is unpacked into a temporary directory (never installed); a directory is scanned as a
sys.path entry; names are resolved by the *target* interpreter (in a subprocess), because that is
where the distribution is installed.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..children import run_child
from ..tags import EXTENSION_ENDINGS, split_extension_name
from ..wheels import WheelError, unpacked_wheel

LOCATE_TIMEOUT = 60.0


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
    shadowed: str | None = None  # a folder of the same name in the working directory, not what was checked


def scan_directory(root: Path) -> list[Module]:
    """Every extension module under root, named as if root were on sys.path."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        # Only importable package paths: skips foo.libs/, foo-1.0.dist-info/, __pycache__/.
        dirnames[:] = sorted(d for d in dirnames if d.isidentifier() and d != "__pycache__")
        for filename in sorted(filenames):
            split = split_extension_name(filename)
            if split is not None:
                found.append(Module(".".join([*rel.parts, split[0]]), str(Path(dirpath) / filename), split[1]))
    return found


def public_imports(modules: list[Module], root: Path) -> list[Module]:
    """`import pkg` for each top-level package that holds extension modules."""
    tops = sorted({m.name.split(".")[0] for m in modules if "." in m.name})
    return [Module(t, str(root / t), "", kind="package") for t in tops if (root / t).is_dir()]


def _resolve_name(spec: str, python: str, env: dict) -> Target:
    child = run_child(python, "locate", [spec], env, LOCATE_TIMEOUT)
    if child.timed_out:
        raise TargetError(f"{spec}: looking it up in {python} did not finish within {LOCATE_TIMEOUT:g}s")
    info = child.result
    if not child.ok or not isinstance(info, dict):
        raise TargetError(f"{spec}: looking it up in {python} failed: {child.describe()}")
    kind = info.get("kind")
    if kind == "distribution":
        root = Path(info["root"])
        modules = []
        for rel in info["files"]:
            mod = _module_from_relpath(Path(rel), root)
            if mod is not None:
                modules.append(mod)
        tops = {Path(rel).parts[0]: str(root / Path(rel).parts[0]) for rel in info["files"]
                if Path(rel).name == "__init__.py" and len(Path(rel).parts) == 2}
        # An editable install's modules live in its source and build trees: locate walked them.
        named = {m.name for m in modules}
        for name, origin, is_package in info.get("found", []):
            split = split_extension_name(Path(origin).name)
            if split is not None and name not in named:
                modules.append(Module(name, origin, split[1]))
                named.add(name)
            elif is_package and "." not in name:
                tops.setdefault(name, str(Path(origin).parent) if origin else name)
        packages = [Module(t, tops[t], "", kind="package") for t in sorted(tops)]
        return Target(spec, kind, None, modules + packages)
    if kind == "module":
        if info["locations"]:  # a package: scan it, named from its parent
            pkg_dir = Path(info["locations"][0])
            modules = [m for m in scan_directory(pkg_dir.parent) if m.name.split(".")[0] == pkg_dir.name]
            return Target(spec, kind, None, modules + [Module(spec, str(pkg_dir), "", kind="package")])
        origin = info.get("origin") or ""
        split = split_extension_name(Path(origin).name)
        if split is not None:
            return Target(spec, kind, None, [Module(spec, origin, split[1])])
        return Target(spec, kind, None, [Module(spec, origin, "", kind="package")])
    detail = f" ({info['error']})" if "error" in info else ""
    raise TargetError(f"{spec}: no such file, directory, installed distribution or importable "
                      f"module for {python}{detail}")


def _module_from_relpath(rel: Path, root: Path) -> Module | None:
    split = split_extension_name(rel.name)
    if split is None or any(not p.isidentifier() for p in rel.parts[:-1]):
        return None
    return Module(".".join([*rel.parts[:-1], split[0]]), str(root / rel), split[1])


def resolve(spec: str, python: str, env: dict) -> Target:
    """The Target for one command-line argument; TargetError if it cannot be read."""
    path = Path(spec)
    if path.suffix == ".whl" or (path.is_file() and zipfile.is_zipfile(path)):
        if not path.is_file():
            raise TargetError(f"{spec}: no such wheel")
        try:
            tmp = unpacked_wheel(path, prefix="ftkit-gilcheck-")
        except WheelError as e:
            raise TargetError(str(e)) from None
        root = Path(tmp.name).resolve()
        modules = scan_directory(root)
        return Target(spec, "wheel", str(root), modules + public_imports(modules, root), tmp)
    bare = spec not in (".", "..") and not any(sep and sep in spec for sep in (os.sep, os.altsep))
    if path.is_dir() and bare:
        # `ftkit gilcheck msgpack` inside msgpack's checkout: ./msgpack holds its sources, the user means
        # the msgpack the interpreter imports (issue 11 item 5). `./msgpack` still names the folder.
        try:
            target = _resolve_name(spec, python, env)
        except TargetError:
            target = None
        if target is not None:
            target.shadowed = str(path.resolve())
            return target
    if path.is_dir():
        root = path.resolve()
        modules = scan_directory(root)
        target = Target(spec, "directory", str(root), modules + public_imports(modules, root))
        if bare and not target.modules:
            raise TargetError(f"{spec}: the folder ./{spec} holds no built extension modules, and {python} has "
                              f"no installed distribution or module named {spec}: install it (`pip install -e .` "
                              "in a checkout) or build it in place")
        return target
    if path.exists():
        raise TargetError(f"{spec}: not a wheel or a directory")
    if os.sep in spec or spec.endswith((".whl", *EXTENSION_ENDINGS)):
        raise TargetError(f"{spec}: no such file or directory")
    return _resolve_name(spec, python, env)

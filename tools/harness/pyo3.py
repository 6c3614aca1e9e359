"""PyO3 extension modules built with cargo (crates.io), one per harness.manifest.PYO3 entry.

Each (PyO3 version, gil_used) pair is one crate, compiled by `make prepare` into the cache; the
cargo target directory is shared per PyO3 version so the pyo3 crates compile once for every
variant. Tests call module(), which never runs cargo.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from ftkit.interpreters.cache import cache_root

from .compile_ext import interpreter_build_info
from .interpreters import interpreter
from .manifest import PYO3, PYO3_PYTHON
from .prepared import NotPrepared


def module_name(version: str, gil_used: bool | None) -> str:
    """e.g. po0293_ft for ("0.29.3", False)."""
    return f"po{version.replace('.', '')}_{ {False: 'ft', None: 'default', True: 'gil'}[gil_used] }"


def source(name: str, gil_used: bool | None) -> str:
    attr = "#[pymodule]" if gil_used is None else f"#[pymodule(gil_used = {str(gil_used).lower()})]"
    return f"""use pyo3::prelude::*;
{attr}
fn {name}(m: &Bound<'_, PyModule>) -> PyResult<()> {{
    m.add("answer", 42)?;
    Ok(())
}}
"""


def _target(version: str, gil_used: bool | None) -> tuple[Path, str, dict]:
    """(the module's cached path, cache key, the interpreter's build facts)."""
    info = interpreter_build_info(interpreter(PYO3_PYTHON))
    name = module_name(version, gil_used)
    key = hashlib.sha256(repr((name, version, gil_used, info)).encode()).hexdigest()[:16]
    return cache_root() / "fixtures" / f"pyo3-{key}" / (name + info["ext_suffix"]), key, info


def module(version: str, gil_used: bool | None) -> Path:
    """The prepared module for (version, gil_used), built for PYO3_PYTHON; NotPrepared if missing."""
    if (version, gil_used) not in PYO3:
        raise NotPrepared(f"PyO3 {version} module with gil_used={gil_used}", listed=False)
    target, _, _ = _target(version, gil_used)
    if not target.is_file():
        raise NotPrepared(f"PyO3 {version} module {target.name} ({target})")
    return target


def missing() -> list[tuple[str, bool | None]]:
    try:
        return [entry for entry in PYO3 if not _target(*entry)[0].is_file()]
    except NotPrepared:  # no interpreter to build for yet: all of them (prepare makes it first)
        return list(PYO3)


def build(version: str, gil_used: bool | None) -> Path:
    """Compile the module with cargo unless the cache has it."""
    target, key, _ = _target(version, gil_used)
    if target.is_file():
        return target
    name = module_name(version, gil_used)
    crate = cache_root() / "pyo3-crates" / key
    (crate / "src").mkdir(parents=True, exist_ok=True)
    (crate / "Cargo.toml").write_text(f"""[package]
name = "{name}"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib"]

[dependencies]
pyo3 = {{ version = "={version}", features = ["extension-module"] }}
""")
    (crate / "src" / "lib.rs").write_text(source(name, gil_used))
    env = {**os.environ, "PYO3_PYTHON": interpreter(PYO3_PYTHON),
           "CARGO_TARGET_DIR": str(cache_root() / "pyo3-target" / version)}
    proc = subprocess.run(["cargo", "build", "--release", "-q"], cwd=crate, env=env, capture_output=True,
                          text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"cargo build of {name} (pyo3 {version}) failed:\n{proc.stderr[-3000:]}")
    built = Path(env["CARGO_TARGET_DIR"]) / "release" / f"lib{name}.so"
    out_dir = target.parent
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    shutil.copy(built, tmp / target.name)
    os.replace(tmp, out_dir) if not out_dir.exists() else shutil.rmtree(tmp)
    return target

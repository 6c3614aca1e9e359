"""Build small PyO3 extension modules with cargo (crates.io) for the audit's fixture tests.

Each (PyO3 version, gil_used) pair is one crate, compiled once into the cache; the cargo target
directory is shared per PyO3 version so the pyo3 crates compile once for both variants.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from ftkit.interpreters.cache import cache_root
from harness.compile_ext import interpreter_build_info


def source(name: str, gil_used: bool | None) -> str:
    attr = "#[pymodule]" if gil_used is None else f"#[pymodule(gil_used = {str(gil_used).lower()})]"
    return f"""use pyo3::prelude::*;
{attr}
fn {name}(m: &Bound<'_, PyModule>) -> PyResult<()> {{
    m.add("answer", 42)?;
    Ok(())
}}
"""


def build_pyo3(name: str, version: str, gil_used: bool | None, python: str) -> Path:
    info = interpreter_build_info(python)
    key = hashlib.sha256(repr((name, version, gil_used, info)).encode()).hexdigest()[:16]
    out_dir = cache_root() / "fixtures" / f"pyo3-{key}"
    target = out_dir / (name + info["ext_suffix"])
    if target.is_file():
        return target
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
    env = {**os.environ, "PYO3_PYTHON": python,
           "CARGO_TARGET_DIR": str(cache_root() / "pyo3-target" / version)}
    proc = subprocess.run(["cargo", "build", "--release", "-q"], cwd=crate, env=env, capture_output=True,
                          text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"cargo build of {name} (pyo3 {version}) failed:\n{proc.stderr[-3000:]}")
    built = Path(env["CARGO_TARGET_DIR"]) / "release" / f"lib{name}.so"
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    shutil.copy(built, tmp / target.name)
    os.replace(tmp, out_dir) if not out_dir.exists() else shutil.rmtree(tmp)
    return target

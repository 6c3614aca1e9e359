"""`ftkit audit` on modules compiled by the tests, one per way of (not) declaring GIL support.

Every static verdict is also checked against what really happens when 3.14t loads the module.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from audit_support.sources import cython_module, pybind11_module, with_hazards
from conftest import interpreter
from ftkit import _core
from ftkit.audit.fields import text
from ftkit.audit.verify import agrees, load_in_child
from harness import manifest, pyo3
from harness.compile_ext import cythonize
from harness.sources import multi_phase, single_phase

REPO = Path(__file__).resolve().parent.parent


def audit_one(path: Path):
    files = _core.audit_paths([str(path)], 1)
    assert not files[0].error, files[0].error
    (module,) = files[0].modules
    return module


@pytest.fixture(scope="module")
def cython_c(tmp_path_factory):
    """Cython's C output for the module with and without freethreading_compatible."""
    out = {}
    for ft in (True, False):
        name = "cy_ft" if ft else "cy_gil"
        d = tmp_path_factory.mktemp(name)
        (d / f"{name}.pyx").write_text(cython_module(ft))
        out[name] = cythonize(d / f"{name}.pyx", sys.executable)
    return out


def pybind11_include() -> str:
    import pybind11

    return pybind11.get_include()


# name -> (how to build, expected verdict, expected init style, expected generator)
CASES = {
    "mp_not_used": (lambda: multi_phase("mp_not_used", "not_used"), "not-used", "multi-phase", "c-api"),
    "mp_used": (lambda: multi_phase("mp_used", "used"), "used", "multi-phase", "c-api"),
    "mp_no_slot": (lambda: multi_phase("mp_no_slot", None), "undeclared", "multi-phase", "c-api"),
    "sp_set_not_used": (lambda: single_phase("sp_set_not_used", "not_used"), "not-used", "single-phase", "c-api"),
    "sp_set_used": (lambda: single_phase("sp_set_used", "used"), "used", "single-phase", "c-api"),
    "sp_no_set": (lambda: single_phase("sp_no_set", None), "undeclared", "single-phase", "c-api"),
    "pb_ft": (lambda: pybind11_module("pb_ft", True), "not-used", "multi-phase", "pybind11"),
    "pb_gil": (lambda: pybind11_module("pb_gil", False), "undeclared", "multi-phase", "pybind11"),
}


@pytest.fixture(scope="module")
def built(compile_extension, ft_python, cython_c):
    paths = {}
    for name, (source, *_rest) in CASES.items():
        if name.startswith("pb_"):
            paths[name] = compile_extension(source(), name, ft_python, lang="c++",
                                            extra_args=("-I", pybind11_include()))
        else:
            paths[name] = compile_extension(source(), name, ft_python)
    for name, source in cython_c.items():
        paths[name] = compile_extension(source, name, ft_python, extra_args=("-Wno-unused-function",))
    return paths


@pytest.mark.parametrize("name", list(CASES))
def test_verdict_matches_declaration_and_real_import(built, ft_python, name):
    _, verdict, init, generator = CASES[name]
    m = audit_one(built[name])
    assert (text(m.gil), text(m.init_style), m.generator) == (verdict, init, generator), m.gil_evidence
    assert text(m.gil_confidence) in ("proven", "inferred") and m.gil_evidence
    assert m.abi_tag == "cp314t" and text(m.ft_abi) in ("free-threaded", "unknown")
    real = load_in_child(ft_python, built[name], name)
    assert agrees(m.gil, real["gil_enabled"]) is True, (text(m.gil), m.gil_evidence, real)


@pytest.mark.parametrize("name,verdict", [("cy_ft", "not-used"), ("cy_gil", "used")])
def test_cython_freethreading_compatible_directive(built, ft_python, name, verdict):
    m = audit_one(built[name])
    # Cython 3.1+ always emits {Py_mod_gil, __Pyx_FREETHREADING_COMPATIBLE} (ModuleNode.py).
    assert (text(m.gil), text(m.gil_confidence), m.generator) == (verdict, "proven", "cython")
    assert m.generator_version.startswith("3.")
    assert agrees(m.gil, load_in_child(ft_python, built[name], name)["gil_enabled"]) is True


def test_nanobind_free_threaded_module_is_ftkits_own_core():
    # ftkit._core is built with nanobind_add_module(... FREE_THREADED ...): a real nanobind module.
    m = audit_one(Path(_core.__file__))
    assert m.generator == "nanobind" and "_ft" in m.generator_abi_tag
    assert text(m.gil) == "not-used" and text(m.ft_abi) == "free-threaded"


def test_gil_headers_named_cp314t_is_an_error(compile_extension, tmp_path):
    gil_built = compile_extension(with_hazards("gil_hdr"), "gil_hdr", interpreter("3.14"))
    renamed = tmp_path / "gil_hdr.cpython-314t-x86_64-linux-gnu.so"
    shutil.copy(gil_built, renamed)
    from ftkit.audit import audit

    report = audit([str(renamed)])
    rules = {f.rule: f for f in report.findings}
    assert "audit/built-with-gil-headers" in rules
    assert rules["audit/built-with-gil-headers"].severity.value == "error"
    assert "_Py_Dealloc" in rules["audit/built-with-gil-headers"].message
    assert report.failed


def test_free_threaded_headers_and_hazards(compile_extension, ft_python):
    m = audit_one(compile_extension(with_hazards("ft_hz"), "ft_hz", ft_python))
    assert text(m.ft_abi) == "free-threaded"
    assert "_Py_DecRefShared" in m.ft_abi_evidence or "_Py_MergeZeroLocalRefcount" in m.ft_abi_evidence
    hazards = {h.symbol: h for h in m.hazards}
    assert set(hazards) == {"PyDict_GetItem", "PyWeakref_GetObject", "PyDict_Next"}
    get_item = hazards["PyDict_GetItem"]
    assert (get_item.replacement, get_item.since) == ("PyDict_GetItemRef", "3.13")
    assert hazards["PyDict_Next"].replacement == ""


@pytest.mark.parametrize("gil,verdict", [("not_used", "not-used"), (None, "undeclared")])
def test_module_built_for_315_uses_renumbered_slots(compile_extension, gil, verdict):
    # Include/slots_generated.h (3.15): outside the limited API Py_mod_gil is 87, Py_mod_exec 85.
    py315 = interpreter("3.15t")
    path = compile_extension(multi_phase("mp315", gil), "mp315", py315)
    m = audit_one(path)
    assert (m.abi_tag, text(m.gil), text(m.gil_confidence)) == ("cp315t", verdict, "proven")
    ids = {e.id for a in m.slot_arrays for e in a.entries}
    assert 85 in ids and (87 in ids) == (gil is not None)
    assert agrees(m.gil, load_in_child(py315, path, "mp315")["gil_enabled"]) is True


# PyO3 0.26 (single-phase; SetGIL gets a flag read from memory, but PyInit passes it to
# ModuleDef::make_module as a literal, which the audit decodes) and the newest PyO3 pinned here,
# 0.29.3 (static slot array); built by `make prepare` (tools/harness/manifest.py).
@pytest.mark.parametrize("version,gil_used", manifest.PYO3)
def test_pyo3_modules(ft_python, version, gil_used):
    mod = pyo3.module_name(version, gil_used)
    path = pyo3.module(version, gil_used)
    m = audit_one(path)
    assert (m.generator, m.generator_version) == ("pyo3", version)
    real = load_in_child(ft_python, path, mod)
    if version.startswith("0.26"):
        assert (text(m.init_style), text(m.gil_confidence)) == ("single-phase", "inferred")
        assert text(m.gil) == ("used" if gil_used is None else "not-used"), m.gil_evidence
        assert "ModuleDef::make_module" in m.gil_evidence
        assert agrees(m.gil, real["gil_enabled"]) is True, (text(m.gil), real)
    else:
        # PyO3 0.28+ defaults to gil_used = false; the slot array is static data.
        assert (text(m.init_style), text(m.gil_confidence)) == ("multi-phase", "proven")
        assert text(m.gil) == ("used" if gil_used else "not-used")
        assert agrees(m.gil, real["gil_enabled"]) is True, (text(m.gil), real)


@pytest.mark.parametrize("name", ["cy_gil", "pb_gil"])
def test_generator_runtime_hazards_are_one_finding(built, name):
    # Modules with no C-API call of their own: every hazard they import is the generator's runtime's
    # (issue 11: these drowned the user's own calls), so they collapse into one finding per module.
    from ftkit.audit.findings import module_findings

    m = audit_one(built[name])
    assert m.hazards and all(h.runtime for h in m.hazards), [h.symbol for h in m.hazards]
    rules = [f.rule for f in module_findings(m)]
    assert "audit/c-api-hazard" not in rules
    assert rules.count("audit/generator-runtime-hazard") == 1

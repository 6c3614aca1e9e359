"""The GIL-declaration decoders (src/audit/call_args.cpp, slots.cpp, gil_verdict_rules.cpp) on real wheels.

Issue 11 items 14-15, one real wheel each (tools/harness/manifest.py DECODERS, fetched by `make
prepare`): the call decoders for x86-64 Mach-O and arm64 PE, PyO3 0.23-0.27's make_module flag, cffi
modules, pybind11 3's run-time slot array in MSVC's zero padding, and a GIL .pyd in a wheel pip
installs on free-threaded CPython. Host-loadable verdicts are checked by importing on 3.13t/3.14t;
foreign platforms against the same version's Linux module.
"""

from __future__ import annotations

import zipfile

import pytest

from conftest import interpreter
from ftkit import _core
from ftkit.audit import audit
from ftkit.audit.fields import text
from ftkit.audit.verify import agrees, load_in_child
from harness import corpus, manifest


def modules(w, platform) -> dict:
    (f,) = _core.audit_paths([str(corpus.path(w, platform))], 2)
    assert not f.error, f.error
    return {m.path.rsplit("!", 1)[-1].split(".", 1)[0]: m for m in f.modules}


def verdict(m) -> tuple[str, str, str]:
    return text(m.gil), text(m.gil_confidence), m.gil_rule


def extracted(w, tmp_path):
    root = tmp_path / w.project
    with zipfile.ZipFile(corpus.path(w, "linux")) as z:
        z.extractall(root)  # the test extracts to import; the audit itself never does
    return root


def test_set_gil_arguments_on_x86_64_macos_and_arm64_windows():
    # numpy 2.5.5's single-phase modules call PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED):
    # through __stubs on x86-64 Mach-O (%esi), and adrp/ldr/blr through the IAT on arm64 PE (w1).
    linux = modules(manifest.CORPUS[0], "linux")
    for platform, arch, fmt in (("macos-x86_64", "x86_64", "Mach-O"), ("windows-arm64", "arm64", "PE")):
        mods = modules(manifest.NUMPY_OTHER_ARCH, platform)
        assert {(text(m.format), m.arch) for m in mods.values()} == {(fmt, arch)}
        assert verdict(mods["numpy/_core/_simd"]) == ("not-used", "inferred", "set-gil-not-used"), \
            mods["numpy/_core/_simd"].gil_evidence
        for key, m in mods.items():  # every module decided, the same as its Linux twin
            assert text(m.gil) == text(linux[key].gil) == "not-used", (platform, key, m.gil_evidence)


@pytest.mark.parametrize("platform", ["linux", "macos", "windows"])
def test_pyo3_023_make_module_flag(platform):
    # rpds-py 0.22.3 (PyO3 0.23.3): PyInit passes gil_used = false to ModuleDef::make_module, which
    # passes a flag read from memory to SetGIL; System V %edx, Windows %r8d, arm64 w1.
    (m,) = modules(manifest.RPDS_PYO3_023, platform).values()
    assert (m.generator, m.generator_version, text(m.init_style)) == ("pyo3", "0.23.3", "single-phase")
    assert verdict(m) == ("not-used", "inferred", "pyo3-make-module-not-used"), m.gil_evidence


def test_pyo3_023_verdict_agrees_with_importing_on_313t(tmp_path):
    (m,) = modules(manifest.RPDS_PYO3_023, "linux").values()
    so = next(extracted(manifest.RPDS_PYO3_023, tmp_path).glob("rpds/rpds*.so"))
    real = load_in_child(interpreter("3.13t"), so, "rpds.rpds")
    assert agrees(m.gil, real["gil_enabled"]) is True, (text(m.gil), real)


def test_cffi_module_agrees_with_importing_beside_cffi_2(ft_python, tmp_path):
    # argon2-cffi-bindings' _ffi imports neither init function: cffi 2.1.1's _cffi_backend creates
    # the module and declares Py_MOD_GIL_NOT_USED (corpus wheel cffi 2.1.1 on the path).
    (m,) = modules(manifest.ARGON2_CFFI, "linux").values()
    assert m.generator == "cffi" and text(m.init_style) == "unknown"
    assert verdict(m) == ("not-used", "inferred", "cffi-backend-creates-module"), m.gil_evidence
    root = extracted(manifest.ARGON2_CFFI, tmp_path)
    cffi = next(w for w in manifest.CORPUS if w.project == "cffi" and w.abi == "cp314t")
    with zipfile.ZipFile(corpus.path(cffi, "linux")) as z:
        z.extractall(root)
    so = next(root.glob("_argon2_cffi_bindings/_ffi*.so"))
    real = load_in_child(ft_python, so, "_argon2_cffi_bindings._ffi", sys_path=[root])
    assert agrees(m.gil, real["gil_enabled"]) is True, real
    # cffi's own backend is plain C-API code, not a cffi-generated module.
    (backend,) = modules(cffi, "linux").values()
    assert backend.generator == "c-api"


def test_pybind11_3_runtime_array_in_msvc_zero_padding(ft_python, tmp_path):
    # highspy 1.16.0 win_amd64: m_slots points at zero bytes at the end of .data's raw data, where
    # PYBIND11_MODULE's function-local array is filled at run time. It was "undeclared (proven)";
    # now MSVC's stack-built entries (movaps %xmm to the array) are decoded. The truth: the Linux
    # twin (same version, no module def in data: unknown statically) keeps the GIL off on 3.14t.
    win = modules(manifest.HIGHSPY, "windows")["highspy/_core"]
    assert win.generator == "pybind11" and win.slot_arrays and not win.slot_arrays[0].entries
    assert verdict(win) == ("not-used", "inferred", "runtime-slots-store-not-used"), win.gil_evidence
    so = next(extracted(manifest.HIGHSPY, tmp_path).glob("highspy/_core*.so"))
    real = load_in_child(ft_python, so, "highspy._core")
    assert agrees(win.gil, real["gil_enabled"]) is True, real


@pytest.mark.parametrize("platform,arch", [("macos-x86_64", "x86_64"), ("macos", "arm64")])
def test_pybind11_3_runtime_array_stores_on_macos(platform, arch):
    # contourpy 1.4.0: PyInit fills the function-local slot array: RIP-relative stores on x86-64
    # (as on Linux), `str` through an adrp/add base register on arm64. The Linux twin agrees.
    contourpy = next(w for w in manifest.CORPUS if w.project == "contourpy")
    (mac,) = modules(manifest.CONTOURPY_X86_MAC if arch == "x86_64" else contourpy, platform).values()
    linux = modules(contourpy, "linux")["contourpy/_contourpy"]
    assert (text(mac.format), mac.arch, mac.generator) == ("Mach-O", arch, "pybind11")
    assert verdict(mac) == ("not-used", "inferred", "runtime-slots-store-not-used"), mac.gil_evidence
    assert text(linux.gil) == "not-used"


def _repacked(tmp_path, tag: str, pyd: str):
    """msgpack 1.2.4's GIL-built cp313 .pyd in a wheel tagged `tag`, named `pyd` inside."""
    src = corpus.path(manifest.MSGPACK_GIL_WIN, "windows")
    out = tmp_path / f"msgpack-1.2.4-{tag}.whl"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            name = item.filename
            if name.endswith("/WHEEL"):
                data = b"\n".join(b"Tag: " + tag.encode() if line.startswith(b"Tag:") else line
                                  for line in data.splitlines())
            elif name.endswith(".pyd"):
                name = name.rsplit("/", 1)[0] + "/" + pyd
            zout.writestr(name, data)
    return str(out)


def test_gil_pyd_in_a_none_abi_wheel_for_313_is_an_error(tmp_path):
    # pip on 3.13t installs cp313-none-win_amd64 (packaging.tags.cpython_tags lists the "none" ABI),
    # but this _cmsgpack.pyd imports python313.dll: it cannot load there. It was "ok".
    report = audit([_repacked(tmp_path, "cp313-none-win_amd64", "_cmsgpack.pyd")])
    (bad,) = [f for f in report.findings if f.rule == "audit/ft-wheel-gil-module"]
    assert "python313.dll" in bad.message and "'none'" in bad.message
    assert report.failed
    # cp312-none has no free-threaded interpreter to be installed on: no such finding.
    report = audit([_repacked(tmp_path, "cp312-none-win_amd64", "_cmsgpack.pyd")])
    assert not [f for f in report.findings if f.rule == "audit/ft-wheel-gil-module"]

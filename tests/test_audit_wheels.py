"""`ftkit audit` on real wheels from PyPI (tools/harness/manifest.py), against reality.

Differential: every module of every Linux cp314t wheel is loaded in the bootstrapped 3.14t, each
in its own process, and the static GIL verdict must agree with whether the GIL came on.
macOS and Windows modules must agree with the same version's Linux module.
"""

from __future__ import annotations

import zipfile
from collections import defaultdict

import pytest

from ftkit import _core
from ftkit.audit import audit
from ftkit.audit.fields import text
from ftkit.audit.verify import agrees, load_many
from harness import corpus

CONTRADICTS = {("not-used", "undeclared"), ("not-used", "used"), ("undeclared", "not-used"), ("used", "not-used")}


@pytest.fixture(scope="session")
def wheels():
    return corpus.all_wheels()


@pytest.fixture(scope="session")
def audited(wheels):
    files = _core.audit_paths([str(p) for _, _, p in wheels], 4)
    return {(w.project, w.version, w.abi, plat): f for (w, plat, _), f in zip(wheels, files)}


def module_key(path: str) -> str:
    """numpy/_core/_simd.cpython-314t-darwin.so -> numpy/_core/_simd (platform-neutral)."""
    inner = path.rsplit("!", 1)[-1]
    return inner.split(".", 1)[0]


def dotted(path: str) -> str:
    return module_key(path).replace("/", ".")


@pytest.mark.slow
def test_every_wheel_reads_and_has_modules(audited):
    for key, f in audited.items():
        assert not f.error, (key, f.error)
        assert f.modules, key
        assert all(not m.error for m in f.modules), [(m.path, m.error) for m in f.modules if m.error]
        assert "Wheel-Version" in f.wheel_text and "Metadata-Version" in f.metadata_text


@pytest.mark.slow
def test_linux_verdicts_agree_with_real_imports(audited, ft_python, tmp_path, record_property):
    linux = {k: f for k, f in audited.items() if k[3] == "linux" and k[2].endswith("t")}
    roots, items, statics = [], [], []
    for (project, version, _, _), f in linux.items():
        root = tmp_path / f"{project}-{version}"
        with zipfile.ZipFile(f.path) as z:
            z.extractall(root)  # the test extracts to import; the audit itself never does
        roots.append(root)
        for m in f.modules:
            items.append((root / m.path.rsplit("!", 1)[-1], dotted(m.path)))
            statics.append((project, m))
    results = load_many(ft_python, items, sys_path=roots, jobs=2)
    table, disagreements = [], []
    for (project, m), real in zip(statics, results):
        verdict = agrees(m.gil, real["gil_enabled"])
        table.append((project, dotted(m.path), text(m.gil), text(m.gil_confidence), real["gil_enabled"],
                      verdict))
        if verdict is False:
            disagreements.append(table[-1])
    record_property("agreement_table", table)
    print("\nproject  module  static  confidence  gil_enabled_on_load  agrees")
    for row in table:
        print("  ".join(str(c) for c in row))
    assert not disagreements, disagreements
    checked = [r for r in table if r[5] is True]
    assert len(checked) >= len(table) - 2, f"too few modules could be checked: {table}"
    # The corpus holds both answers: modules that keep the GIL off and ones that re-enable it.
    assert {r[2] for r in checked} >= {"not-used", "undeclared"}


def test_macos_and_windows_agree_with_linux(audited):
    by_module = defaultdict(dict)
    for (project, version, abi, plat), f in audited.items():
        for m in f.modules:
            by_module[(project, version, abi, module_key(m.path))][plat] = m
    contradictions, compared = [], 0
    for key, plats in by_module.items():
        if "linux" not in plats:
            continue
        for plat in ("macos", "windows"):
            if plat in plats:
                compared += 1
                pair = (text(plats["linux"].gil), text(plats[plat].gil))
                if pair in CONTRADICTS:
                    contradictions.append((key, plat, pair, plats[plat].gil_evidence))
    assert compared >= 40
    assert not contradictions, contradictions


def test_platform_formats_and_abi(audited):
    seen = set()
    for (_, _, abi, plat), f in audited.items():
        for m in f.modules:
            seen.add((plat, text(m.format), m.arch))
            assert m.abi_tag == abi, (m.path, m.abi_tag)
            if abi.endswith("t"):
                assert text(m.ft_abi) != "gil", (m.path, m.ft_abi_evidence)
    assert {("linux", "ELF", "x86_64"), ("macos", "Mach-O", "arm64"), ("windows", "PE", "x86_64")} <= seen


def test_numpy_on_three_platforms(audited):
    for plat in ("linux", "macos", "windows"):
        f = audited[("numpy", "2.5.5", "cp314t", plat)]
        mods = {module_key(m.path): m for m in f.modules}
        core = mods["numpy/_core/_multiarray_umath"]
        assert (text(core.gil), text(core.gil_confidence), text(core.init_style)) == \
            ("not-used", "proven", "multi-phase")
        assert text(core.ft_abi) == "free-threaded"
        assert mods["numpy/random/_generator"].generator == "cython"
    win = audited[("numpy", "2.5.5", "cp314t", "windows")].modules
    assert all(any(lib.lower() == "python314t.dll" for lib in m.libraries) for m in win)
    # Single-phase: the value passed to PyUnstable_Module_SetGIL is decoded in x86-64 ELF and PE
    # code (%esi / %edx) and arm64 Mach-O code (w1, calls through __stubs).
    for plat in ("linux", "windows", "macos"):
        simd = next(m for m in audited[("numpy", "2.5.5", "cp314t", plat)].modules
                    if module_key(m.path) == "numpy/_core/_simd")
        assert (text(simd.init_style), text(simd.gil), text(simd.gil_confidence)) == \
            ("single-phase", "not-used", "inferred"), \
            simd.gil_evidence
    # Every numpy module on every platform gets a verdict.
    assert all(text(m.gil) == "not-used" for plat in ("linux", "windows", "macos")
               for m in audited[("numpy", "2.5.5", "cp314t", plat)].modules)


def test_generators_and_versions(audited):
    def gen(project, plat="linux"):
        f = next(f for k, f in audited.items() if k[0] == project and k[3] == plat and k[2].endswith("t"))
        return {(m.generator, m.generator_version) for m in f.modules}

    assert ("pyo3", "0.29.3") in gen("rpds-py")
    assert any(g == "pybind11" and v.startswith("internals v") for g, v in gen("contourpy"))
    assert {g for g, _ in gen("gemmi")} == {"nanobind"}
    assert any(g == "cython" and v.startswith("3.") for g, v in gen("msgpack"))
    assert {g for g, _ in gen("cffi")} == {"c-api"}


def test_cffi_before_and_after_declaring_support(audited):
    before = audited[("cffi", "1.17.1", "cp313", "linux")].modules[0]
    after = audited[("cffi", "2.1.1", "cp314t", "linux")].modules[0]
    assert text(before.gil) == "undeclared" and text(before.ft_abi) == "gil"
    assert text(after.gil) == "not-used" and text(after.ft_abi) == "free-threaded"


def test_wheel_report_classifier_verdicts(wheels):
    paths = [str(p) for w, plat, p in wheels if plat == "linux" and w.project in ("gemmi", "numpy")]
    report = audit(paths, jobs=2)
    supported = {f.subject.name.split("-")[0]: f.evidence["supported_tier"]
                 for f in report.findings if f.rule == "audit/supported-classifier"}
    assert supported == {"numpy": 2, "gemmi": 1}
    assert any(f.rule == "audit/gil-undeclared" and f.severity.value == "error" for f in report.findings)


def test_runtime_hazards_collapse_and_own_calls_stay(wheels):
    # The user's own calls (plain C API: numpy's C modules) stay one finding per symbol, "review";
    # the generators' runtime calls (msgpack and pyyaml are Cython) become one "info" per module.
    paths = [str(p) for w, plat, p in wheels if plat == "linux" and w.project in ("numpy", "msgpack", "pyyaml")]
    findings = audit(paths, jobs=2).findings
    runtime = [f for f in findings if f.rule == "audit/generator-runtime-hazard"]
    own = [f for f in findings if f.rule == "audit/c-api-hazard"]
    assert runtime and own
    assert {f.severity.value for f in runtime} == {"info"} and {f.severity.value for f in own} == {"review"}
    assert len({f.subject.path for f in runtime}) == len(runtime)  # one per module
    assert not any("msgpack" in f.subject.path or "yaml" in f.subject.path for f in own)

"""Fuzzing the audit: a short libFuzzer run of every target under ASan+UBSan (`make fuzz` runs
longer), and a property-based test (Hypothesis) of the Python layer over any bytes and names."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit_support import crafted
from ftkit.audit import audit_bytes
from ftkit.report import Report
from ftkit.report.render_json import render_json
from ftkit.report.render_text import render_text_string
from harness import corpus

REPO = Path(__file__).resolve().parent.parent
TARGETS = ("binary_fuzz", "module_audit_fuzz", "zip_fuzz", "audit_files_fuzz")


@pytest.mark.slow
def test_fuzz_targets_survive_a_short_run(compile_extension, ft_python, tmp_path):
    # Seeds include fixture modules; make sure at least these exist on a cold cache.
    from harness.sources import multi_phase, single_phase

    compile_extension(multi_phase("fz_multi", "not_used"), "fz_multi", ft_python)
    compile_extension(single_phase("fz_single", "not_used"), "fz_single", ft_python)
    build = subprocess.run(["make", "-s", "fuzz-build"], cwd=REPO, capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    proc = subprocess.run([sys.executable, str(REPO / "tests" / "audit_support" / "fuzz.py"), "--seconds", "15",
                           "--work", str(tmp_path)], capture_output=True, text=True, timeout=600)
    print(proc.stdout)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-4000:]
    for target in TARGETS:
        assert f"fuzz {target}: ok after" in proc.stdout
    assert not re.search(r"\b0 executions", proc.stdout)  # each target ran


# --- The Python layer over arbitrary input: one Report, renderable, never an exception. ---

SUFFIXES = [".cpython-314t-x86_64-linux-gnu.so", ".cpython-313-darwin.so", ".abi3.so", ".abi3t.so",
            ".cp314t-win_amd64.pyd", ".so", ".pyd", ".dylib", ".whl", ""]
names = st.one_of(
    st.text(max_size=200),
    st.builds(lambda stem, suffix: stem + suffix, st.text(max_size=80), st.sampled_from(SUFFIXES)),
    st.builds(lambda tag: "m.cpython-" + tag + ".so", st.text(alphabet="0123456789td-_abcx.", max_size=60)),
)


@pytest.fixture(scope="module")
def real_module() -> bytes:
    """msgpack's Linux extension module from the prepared wheel corpus."""
    with zipfile.ZipFile(corpus.path(corpus.Wheel("msgpack", "1.2.4"), "linux")) as z:
        return z.read(next(n for n in z.namelist() if n.endswith(".so")))


def mutated(data: bytes, patches: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for at, value in patches:
        out[at % len(out)] = value
    return bytes(out)


patches = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=24)
entry_names = st.text(min_size=1, max_size=120).filter(lambda n: "\0" not in n)


def check(report: Report) -> None:
    assert isinstance(report, Report)
    json.loads(render_json(report))  # every string crossing the binding is valid text
    render_text_string(report)


HYPOTHESIS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@HYPOTHESIS
@given(data=st.binary(max_size=4096), name=names)
def test_any_bytes_under_any_name(data, name):
    check(audit_bytes(data, name))


@HYPOTHESIS
@given(patches=patches, name=names)
def test_corrupted_real_module(real_module, patches, name):
    check(audit_bytes(mutated(real_module, patches), name))


@HYPOTHESIS
@given(files=st.dictionaries(entry_names, st.binary(max_size=64), max_size=6), module_name=entry_names,
       patches=patches, metadata=st.binary(max_size=200))
def test_wheels_with_any_entry_names_and_metadata(real_module, files, module_name, patches, metadata):
    members = {**files, "x-1.0.dist-info/METADATA": metadata,
               "x/" + module_name + ".cpython-314t-x86_64-linux-gnu.so": mutated(real_module, patches)}
    try:
        data = crafted.wheel(members)
    except (ValueError, zipfile.LargeZipFile):  # zipfile refuses some names itself
        return
    check(audit_bytes(data, "x-1.0-cp314-cp314t-linux_x86_64.whl"))

"""Hostile and broken input: every case is a clear error or finding, never a crash or a hang."""

from __future__ import annotations

import io
import random
import struct
import subprocess
import sys
import zipfile

import pytest

from ftkit import _core
from ftkit.audit.fields import text
from harness import corpus


def wheel_bytes(files: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


META = {"x-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nTag: cp314-cp314t-linux_x86_64\n",
        "x-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: x\n"}


PEAK_RSS = ("import resource, sys; from ftkit import _core; [_core.audit_paths([p], 1) for p in sys.argv[1:]];"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")  # KiB on Linux


def test_zip_bomb_by_ratio_is_an_error_for_that_entry(tmp_path):
    # 200 MB of zeros deflates to ~200 KB: a ratio no real extension module has.
    bomb = wheel_bytes({**META, "x/bomb.so": b"\0" * 200_000_000})
    f = _core.audit_bytes(bomb, "bomb.whl")
    (m,) = f.modules
    assert "zip bomb" in m.error
    # Refused before inflating: a process auditing it peaks far below the 200 MB inflating takes
    # (was "within 5 s", which a busy machine breaks and a fast one passes while inflating).
    (tmp_path / "bomb.whl").write_bytes(bomb)
    peak = [int(subprocess.run([sys.executable, "-c", PEAK_RSS, *paths], capture_output=True, text=True,
                               check=True).stdout) for paths in ([], [str(tmp_path / "bomb.whl")])]
    assert peak[1] - peak[0] < 50_000, peak


def test_overlapping_entries_are_rejected():
    # Two central-directory records pointing at the same local file: the overlap bomb.
    data = bytearray(wheel_bytes({**META, "x/a.so": b"A" * 1000, "x/b.so": b"B" * 1000}, zipfile.ZIP_STORED))
    z = zipfile.ZipFile(io.BytesIO(bytes(data)))
    a, b = z.getinfo("x/a.so"), z.getinfo("x/b.so")
    # Patch b's central record (46 bytes before its name): its local-header offset becomes a's.
    pos = data.find(b"x/b.so", data.index(b"PK\x01\x02")) - 46
    assert data[pos:pos + 4] == b"PK\x01\x02"
    data[pos + 42:pos + 46] = struct.pack("<I", a.header_offset)
    assert b.header_offset != a.header_offset
    f = _core.audit_bytes(bytes(data), "overlap.whl")
    assert "overlap" in f.error


def test_entry_count_larger_than_directory_is_rejected():
    data = bytearray(wheel_bytes(META))
    eocd = data.rindex(b"PK\x05\x06")
    data[eocd + 8:eocd + 12] = struct.pack("<HH", 0xFFFE, 0xFFFE)  # claim 65534 entries
    f = _core.audit_bytes(bytes(data), "count.whl")
    assert "entry count" in f.error


def test_dotdot_and_absolute_names_are_findings():
    from ftkit.audit import audit_bytes

    report = audit_bytes(wheel_bytes({**META, "../evil.py": b"", "/etc/x": b""}), "names.whl")
    names = [f.message for f in report.findings if f.rule == "audit/unsafe-zip-name"]
    assert len(names) == 2 and any("'../evil.py'" in n for n in names)


def test_crc_mismatch_and_corrupt_deflate_are_errors():
    data = bytearray(wheel_bytes({**META, "x/m.so": b"\x7fELF" + bytes(range(256)) * 40}))
    local = data.index(b"x/m.so") + len("x/m.so")
    data[local + 10] ^= 0xFF  # inside the deflate stream
    f = _core.audit_bytes(bytes(data), "crc.whl")
    assert f.modules and f.modules[0].error and ("CRC" in f.modules[0].error or "deflate" in f.modules[0].error)


def test_not_a_zip_and_not_a_binary():
    assert "end of central directory" in _core.audit_bytes(b"hello" * 100, "text.whl").error
    (m,) = _core.audit_bytes(b"hello" * 100, "text.cpython-314t-x86_64-linux-gnu.so").modules
    assert "not an ELF, Mach-O or PE" in m.error


@pytest.fixture(scope="module")
def corpus_modules():
    """One real module per format, from the cached corpus."""
    out = {}
    for plat in ("linux", "macos", "windows"):
        path = corpus.path(corpus.Wheel("msgpack", "1.2.4"), plat)
        with zipfile.ZipFile(path) as z:
            name = next(n for n in z.namelist() if n.endswith((".so", ".pyd")))
            out[plat] = (name, z.read(name))
    return out


@pytest.mark.parametrize("plat", ["linux", "macos", "windows"])
def test_truncated_and_corrupted_modules_never_crash(corpus_modules, plat):
    name, data = corpus_modules[plat]
    rng = random.Random(1234)
    cuts = sorted({0, 1, 4, 63, 64, 200, len(data) // 3, len(data) // 2, len(data) - 1}
                  | {rng.randrange(len(data)) for _ in range(20)})
    outcomes = set()
    for cut in cuts:
        for m in _core.audit_bytes(data[:cut], name).modules:
            outcomes.add("error" if m.error else text(m.gil))
    for _ in range(150):
        mutated = bytearray(data)
        for _ in range(rng.randrange(1, 16)):
            mutated[rng.randrange(min(len(mutated), 8192))] = rng.randrange(256)  # headers live up front
        for m in _core.audit_bytes(bytes(mutated), name).modules:
            outcomes.add("error" if m.error else text(m.gil))
    assert "error" in outcomes  # corruption is reported, and nothing above crashed the process


def test_truncated_wheel_is_an_error(corpus_modules):
    path = corpus.path(corpus.Wheel("msgpack", "1.2.4"), "linux")
    data = path.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 30):
        assert _core.audit_bytes(data[:cut], "cut.whl").error


def test_deflated_size_lie_is_an_error():
    payload = b"\x7fELF" + b"x" * 5000
    data = bytearray(wheel_bytes({**META, "x/m.so": payload}))
    cd = data.index(b"PK\x01\x02", data.index(b"x/m.so") + 1)
    while data[cd + 46:cd + 46 + 6] != b"x/m.so":
        cd = data.index(b"PK\x01\x02", cd + 1)
    data[cd + 24:cd + 28] = struct.pack("<I", 100)  # claims 100 bytes uncompressed
    (m,) = _core.audit_bytes(bytes(data), "lie.whl").modules
    assert "size mismatch" in m.error  # inflate output is capped at the declared size


def test_free_threaded_wheel_with_a_gil_built_module_is_an_error(compile_extension):
    from audit.sources import with_hazards
    from conftest import interpreter
    from ftkit.audit import audit_bytes

    gil_mod = compile_extension(with_hazards("gilwm", None), "gilwm", interpreter("3.14")).read_bytes()
    meta = {"x-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nTag: cp314-cp314t-linux_x86_64\n",
            "x-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: x\nClassifier: Programming Language :: "
                                        b"Python :: Free Threading :: 3 - Stable\n"}
    report = audit_bytes(wheel_bytes({**meta, "x/gilwm.so": gil_mod}), "x-1.0-cp314-cp314t-linux_x86_64.whl")
    rules = {f.rule for f in report.findings}
    assert {"audit/ft-wheel-gil-module", "audit/classifier-overclaims"} <= rules
    assert report.failed


def test_non_utf8_names_and_metadata_decode_with_replacement():
    # Old wheels really have latin-1 METADATA; zip entry names may be any bytes (flag bit 11 unset).
    data = wheel_bytes({**META, "x-1.0.dist-info/METADATA": "Author: Jos\xe9\n".encode("latin-1"),
                        "x/m\xe9.so": b"\x7fELF"})
    data = data.replace("m\xe9.so".encode(), b"m\xe9\xe9.so")  # same length, not UTF-8
    f = _core.audit_bytes(data, "x-1.0-cp314-cp314t-linux_x86_64.whl")
    assert "Jos\ufffd" in f.metadata_text
    assert [m.path.endswith("x/m\ufffd\ufffd.so") for m in f.modules] == [True]
    from ftkit.audit import audit_bytes

    report = audit_bytes(data, "x-1.0-cp314-cp314t-linux_x86_64.whl")
    assert report.to_dict()
    (said,) = [f for f in report.findings if f.rule == "audit/not-utf8"]
    assert said.evidence["where"] == ["METADATA", "x/m\ufffd\ufffd.so"]

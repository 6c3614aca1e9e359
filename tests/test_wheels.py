"""The one wheel extractor: it unpacks real wheels and refuses escaping names, links and bombs before
writing anything."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

import zip_crafting
from ftkit.wheels import WheelError, extract_wheel, unpacked_wheel


def wheel(tmp_path, members: dict, name="demo-1.0-cp314-cp314t-linux_x86_64.whl", link: str | None = None):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in members.items():
            z.writestr(member, data)
        if link is not None:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, "/etc/passwd")
    return path


def test_a_wheel_is_unpacked(tmp_path):
    path = wheel(tmp_path, {"demo/__init__.py": "x = 1\n", "demo-1.0.dist-info/WHEEL": "Tag: cp314-cp314t\n"})
    dest = extract_wheel(path, tmp_path / "out")
    assert (dest / "demo" / "__init__.py").read_text() == "x = 1\n"
    tmp = unpacked_wheel(path)
    assert (Path(tmp.name) / "demo-1.0.dist-info" / "WHEEL").is_file()
    tmp.cleanup()
    assert not Path(tmp.name).exists()


@pytest.mark.parametrize("members, link, message", [
    ({"../../escaped.so": b""}, None, "points outside the wheel"),
    ({"/abs/escaped.so": b""}, None, "points outside the wheel"),
    ({"demo/__init__.py": ""}, "demo/link", "is a symbolic link"),
], ids=["dot-dot", "absolute", "symlink"])
def test_unsafe_members_are_refused_before_anything_is_written(tmp_path, members, link, message):
    path = wheel(tmp_path, members, link=link)
    out = tmp_path / "out"
    with pytest.raises(WheelError, match=message):
        extract_wheel(path, out)
    assert not out.exists() and not (tmp_path.parent / "escaped.so").exists()


def test_member_count_and_uncompressed_size_are_capped(tmp_path):
    many = wheel(tmp_path, {f"m{i}.py": "" for i in range(11)}, name="many.whl")
    with pytest.raises(WheelError, match="too large to unpack: 11 members"):
        extract_wheel(many, tmp_path / "a", max_members=10)
    bomb = wheel(tmp_path, {"zeros.bin": b"\0" * (8 << 20)}, name="bomb.whl")
    assert bomb.stat().st_size < 64 << 10  # deflate squeezes 8 MB of zeros to a few KB
    with pytest.raises(WheelError, match=f"too large to unpack: {8 << 20} bytes uncompressed"):
        extract_wheel(bomb, tmp_path / "b", max_bytes=1 << 20)
    assert not (tmp_path / "b").exists()


def test_a_file_that_is_not_a_zip_is_one_clear_error(tmp_path):
    bad = tmp_path / "broken-1.0-py3-none-any.whl"
    bad.write_bytes(b"PK\x03\x04 this is not a zip archive")
    with pytest.raises(WheelError, match="not a readable wheel"):
        extract_wheel(bad, tmp_path / "out")


@pytest.mark.parametrize("spoil, message", [
    (lambda p: zip_crafting.set_method(p, "demo/b.py", 99), "NotImplementedError"),
    (lambda p: zip_crafting.corrupt_deflate(p, "demo/b.py"), "corrupt deflate data"),
    (lambda p: zip_crafting.rename_raw(p, "demo/b.py", b"demo/\xff.py", utf8_flag=True),
     "member name b'demo/\\\\xff.py' is marked UTF-8"),
], ids=["unknown-compression", "corrupt-deflate", "utf8-flag-on-latin-1"])
def test_unreadable_members_are_one_wheel_error(tmp_path, spoil, message):
    path = zip_crafting.write(tmp_path / "demo-1.0-py3-none-any.whl",
                              {"demo/__init__.py": b"x = 1\n" * 50, "demo/b.py": b"y = 2\n" * 50})
    spoil(path)
    with pytest.raises(WheelError, match=f"not a readable wheel \\({message}"):
        extract_wheel(path, tmp_path / "out")


def test_cp437_member_names_are_unpacked_as_zip_decodes_them(tmp_path):
    # Flag bit 11 unset: the name's bytes are cp437 (APPNOTE.TXT appendix D), 0x82 is "é".
    path = zip_crafting.write(tmp_path / "demo-1.0-py3-none-any.whl", {"caf_/__init__.py": b"x = 1\n"})
    zip_crafting.rename_raw(path, "caf_", b"caf\x82")
    dest = extract_wheel(path, tmp_path / "out")
    assert (dest / "café" / "__init__.py").read_text() == "x = 1\n"

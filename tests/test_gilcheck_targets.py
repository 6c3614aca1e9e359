"""How gilcheck finds extension modules in a directory or wheel, and refuses what it cannot read."""

from __future__ import annotations

import os
import sys
import zipfile

import pytest

from ftkit.gilcheck.targets import TargetError, resolve, scan_directory


def touch(root, *paths):
    for p in paths:
        (root / p).parent.mkdir(parents=True, exist_ok=True)
        (root / p).write_bytes(b"")


def test_scan_names_modules_as_if_the_directory_were_on_sys_path(tmp_path):
    touch(tmp_path, "top.cpython-314t-x86_64-linux-gnu.so", "pkg/__init__.py", "pkg/sub/_core.abi3.so",
          "pkg/plain.so", "pkg/win.cp314t-win_amd64.pyd",
          # not importable: auditwheel's vendored libraries, metadata, caches, versioned sonames
          "pkg.libs/libffi-1a2b.so.8", "pkg-1.0.dist-info/x.so", "pkg/__pycache__/y.so",
          "pkg/libfoo.so.1", "pkg/not-an-identifier.so")
    found = {m.name: m.suffix for m in scan_directory(tmp_path)}
    assert found == {
        "top": ".cpython-314t-x86_64-linux-gnu.so",
        "pkg.sub._core": ".abi3.so",
        "pkg.plain": ".so",
        "pkg.win": ".cp314t-win_amd64.pyd",
    }


def test_wheel_is_unpacked_with_public_imports(tmp_path):
    wheel = tmp_path / "demo-1.0-cp314-cp314t-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("demo/__init__.py", "")
        z.writestr("demo/_speedups.cpython-314t-x86_64-linux-gnu.so", b"")
        z.writestr("demo-1.0.dist-info/METADATA", "Name: demo\n")
    target = resolve(str(wheel), "unused", {})
    try:
        assert target.kind == "wheel"
        assert [(m.name, m.kind) for m in target.modules] == [("demo._speedups", "extension"),
                                                               ("demo", "package")]
    finally:
        target.cleanup.cleanup()


def test_wheel_member_escaping_the_tree_is_refused(tmp_path):
    wheel = tmp_path / "evil-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("../../escaped.so", b"")
    with pytest.raises(TargetError, match="points outside the wheel"):
        resolve(str(wheel), "unused", {})
    assert not (tmp_path.parent / "escaped.so").exists()


@pytest.mark.parametrize("name", ["missing.whl", "some/dir/that/is/missing"])
def test_missing_paths_are_errors_without_asking_the_interpreter(tmp_path, name):
    with pytest.raises(TargetError, match="no such"):
        resolve(str(tmp_path / name), "/nonexistent/python", {})


def test_a_bare_name_that_is_also_a_folder_here_means_the_installed_package(tmp_path, monkeypatch):
    # Issue 11 item 5: in a checkout, ./json (sources) used to be scanned instead of what imports.
    (tmp_path / "json").mkdir()
    monkeypatch.chdir(tmp_path)
    target = resolve("json", sys.executable, dict(os.environ))
    assert target.kind == "module" and target.shadowed == str(tmp_path / "json")
    assert [m.name for m in target.modules if m.kind == "package"] == ["json"]
    assert resolve("./json", sys.executable, {}).kind == "directory"


def test_a_bare_name_with_an_empty_folder_and_nothing_installed_says_what_to_do(tmp_path, monkeypatch):
    (tmp_path / "ftkit_not_installed_anywhere").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TargetError, match="holds no built extension modules.*pip install -e"):
        resolve("ftkit_not_installed_anywhere", sys.executable, dict(os.environ))

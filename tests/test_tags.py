"""The one list of extension-module endings and the one free-threaded ABI-tag test."""

from __future__ import annotations

import pytest

from ftkit.tags import BINARY_ENDINGS, EXTENSION_ENDINGS, is_free_threaded_tag, split_extension_name


@pytest.mark.parametrize("filename, expected", [
    ("_core.cpython-314t-x86_64-linux-gnu.so", ("_core", ".cpython-314t-x86_64-linux-gnu.so")),
    ("_core.abi3.so", ("_core", ".abi3.so")),
    ("plain.so", ("plain", ".so")),
    ("win.cp314t-win_amd64.pyd", ("win", ".cp314t-win_amd64.pyd")),
    ("libfoo.so.1", None),  # a versioned soname: not importable
    ("not-an-identifier.so", None),
    ("module.py", None),
    ("libssl.dylib", None),  # read by the audit, never imported
])
def test_split_extension_name(filename, expected):
    assert split_extension_name(filename) == expected


def test_the_audit_reads_every_extension_ending_and_dylibs():
    assert set(EXTENSION_ENDINGS) < set(BINARY_ENDINGS) and ".dylib" in BINARY_ENDINGS


@pytest.mark.parametrize("tag, ft", [("cp313t", True), ("cp314t", True), ("abi3t", True), ("cp314", False),
                                     ("abi3", False), ("none", False), ("pypy310_pp73", False)])
def test_free_threaded_tags(tag, ft):
    assert is_free_threaded_tag(tag) is ft

"""What a file name or tag says a binary is built for: extension-module endings, free-threaded ABI tags.

One copy for every command (audit, gilcheck, verify); the C++ audit keeps its own in
src/audit/audit_files.cpp, which must list the same endings.
"""

from __future__ import annotations

# Extension modules CPython's importer loads: name.<tag>.so, name.so (Linux, macOS), name.<tag>.pyd,
# name.pyd (Windows); see importlib.machinery.EXTENSION_SUFFIXES on each platform.
EXTENSION_ENDINGS = (".so", ".pyd")
# What the audit reads besides: macOS libraries a wheel vendors (delocate's .dylibs folders).
BINARY_ENDINGS = (*EXTENSION_ENDINGS, ".dylib")


def split_extension_name(filename: str) -> tuple[str, str] | None:
    """("_core", ".cpython-314t-x86_64-linux-gnu.so") for an importable extension module's file
    name; None when it is not one (libfoo.so.1, not-an-identifier.so, a .py file)."""
    if not filename.endswith(EXTENSION_ENDINGS):
        return None
    stem = filename.partition(".")[0]
    return (stem, filename[len(stem):]) if stem.isidentifier() else None


def is_free_threaded_tag(tag: str) -> bool:
    """True for an ABI tag of the free-threaded build: cp313t, cp314t, ... and abi3t (PEP 803, 3.15+)."""
    return tag.startswith("cp") and tag.endswith("t") or tag == "abi3t"

"""Pinned CPython source tarballs the bootstrap may build, newest candidate first per minor version."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

# Debian's pool keeps upstream tarballs as "python3.X_<version>.orig.tar.xz" under
# pool/main/p/python3.X/. It has no directory index and drops old versions, so each minor
# version lists several candidates; a 404 moves on to the next one. Checksums were taken on
# first download (DESIGN.md, 2026-11-25) and are verified before anything is unpacked.
DEFAULT_MIRROR = "http://deb.debian.org/debian/pool/main/p/"


@dataclass(frozen=True)
class Tarball:
    filename: str
    sha256: str

    @property
    def version(self) -> str:
        # "python3.15_3.15.0~rc2.orig.tar.xz" -> "3.15.0rc2"
        return self.filename.split("_", 1)[1].split(".orig")[0].replace("~", "")

    @property
    def package(self) -> str:
        return self.filename.split("_", 1)[0]


CANDIDATES: dict[str, list[Tarball]] = {
    # GIL-only minors for the lock helpers' compatibility matrix; sha256 from the Checksums-Sha256
    # field of Debian's .dsc (checked 2026-11-25): python3.9_3.9.2-1.dsc (bullseye) and
    # python3.11_3.11.2-6+deb12u6.dsc (bookworm). 3.10 and 3.12 were never in a Debian release
    # and no orig tarball of theirs is pinned here (pyenv provides them where present).
    "3.9": [
        Tarball("python3.9_3.9.2.orig.tar.xz",
                "3c2034c54f811448f516668dce09d24008a0716c3a794dd8639b5388cbde247d"),
    ],
    "3.11": [
        Tarball("python3.11_3.11.2.orig.tar.gz",
                "2411c74bda5bbcfcddaf4531f66d1adc73f247f529aee981b029513aefdbf849"),
    ],
    "3.13": [
        Tarball("python3.13_3.13.15.orig.tar.xz",
                "1e66a7945a48390ee4c2a4268a0e4185884059a13c4aab6d148aa208deea4a76"),
        Tarball("python3.13_3.13.5.orig.tar.xz",
                "93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640"),
    ],
    "3.14": [
        Tarball("python3.14_3.14.7.orig.tar.xz",
                "3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81"),
    ],
    "3.15": [
        Tarball("python3.15_3.15.0~rc2.orig.tar.xz",
                "8d93af5eaaaea5adfd41bd786a7ba3f03f2ad1ab57c6a65e0b963deab91d5ad7"),
        Tarball("python3.15_3.15.0~rc1.orig.tar.xz",
                "f84dad680ab2147417d2739355c2678f0f9acffe4ae8ef77895de1454b384b07"),
    ],
}


def mirror() -> str:
    """Base URL of the pool; FTKIT_CPYTHON_MIRROR points elsewhere (a local mirror, a test fake)."""
    base = os.environ.get("FTKIT_CPYTHON_MIRROR", DEFAULT_MIRROR)
    return base if base.endswith("/") else base + "/"


def candidates(minor: str) -> list[Tarball]:
    """Candidates for one minor version; FTKIT_CPYTHON_SOURCES (a JSON file) replaces the table."""
    table = CANDIDATES
    override = os.environ.get("FTKIT_CPYTHON_SOURCES")
    if override:
        with open(override, encoding="utf-8") as f:
            raw = json.load(f)
        table = {k: [Tarball(t["filename"], t["sha256"]) for t in v] for k, v in raw.items()}
    return table.get(minor, [])


def known_minors() -> list[str]:
    return sorted(CANDIDATES, key=lambda m: tuple(int(p) for p in m.split(".")))

"""Where ftkit keeps what it builds and downloads: ${FTKIT_CACHE:-~/.cache/ftkit}, never the repo."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

MARKER = "ftkit-build.json"  # written last, inside the prefix, before the atomic rename


def cache_root() -> Path:
    return Path(os.environ.get("FTKIT_CACHE") or Path.home() / ".cache" / "ftkit")


@dataclass(frozen=True)
class Variant:
    """An interpreter flavour: "3.14t" is free-threaded 3.14, "3.14" the GIL build."""

    minor: str
    free_threaded: bool

    @classmethod
    def parse(cls, text: str) -> Variant:
        m = re.fullmatch(r"3\.(\d+)(t?)", text.strip())
        if not m:
            raise ValueError(f"not an interpreter version: {text!r} (expected e.g. 3.14t or 3.14)")
        return cls(f"3.{m.group(1)}", bool(m.group(2)))

    @property
    def minor_number(self) -> int:
        return int(self.minor.split(".")[1])

    @property
    def name(self) -> str:
        return self.minor + ("t" if self.free_threaded else "")

    def __str__(self) -> str:
        return self.name


def prefix_dir(variant: Variant) -> Path:
    return cache_root() / "cpython" / variant.name


def interpreter_path(variant: Variant) -> Path:
    return prefix_dir(variant) / "bin" / f"python{variant.name}"


def variant_of(path: str | os.PathLike) -> Variant | None:
    """The variant whose cached interpreter path is path, or None if it is not one of the cache's."""
    for variant_dir in (cache_root() / "cpython").glob("*"):
        try:
            variant = Variant.parse(variant_dir.name)
        except ValueError:
            continue
        if os.path.abspath(path) == os.path.abspath(interpreter_path(variant)):
            return variant
    return None


def is_built(variant: Variant) -> bool:
    prefix = prefix_dir(variant)
    return (prefix / MARKER).is_file() and interpreter_path(variant).is_file()


def downloads_dir() -> Path:
    return cache_root() / "downloads"


def logs_dir() -> Path:
    return cache_root() / "logs"

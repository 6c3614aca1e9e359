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
    """An interpreter flavour: "3.14t" is free-threaded 3.14, "3.14" the GIL build, and
    "3.14t-tsan" free-threaded 3.14 built with ThreadSanitizer (docs/tsan.md)."""

    minor: str
    free_threaded: bool
    sanitizer: str = ""  # "" or "tsan": configure --with-thread-sanitizer, its own prefix

    @classmethod
    def parse(cls, text: str) -> Variant:
        m = re.fullmatch(r"3\.(\d+)(t?)(-tsan)?", text.strip())
        if not m or (m.group(3) and not m.group(2)):
            raise ValueError(
                f"not an interpreter version: {text!r} (expected e.g. 3.14t, 3.14 or 3.14t-tsan)"
            )
        return cls(f"3.{m.group(1)}", bool(m.group(2)), "tsan" if m.group(3) else "")

    @property
    def minor_number(self) -> int:
        return int(self.minor.split(".")[1])

    @property
    def name(self) -> str:
        return self.binary_suffix + (f"-{self.sanitizer}" if self.sanitizer else "")

    @property
    def binary_suffix(self) -> str:
        """What follows "python" in the installed binary's name: a sanitizer build keeps the plain
        name (python3.14t) inside its own prefix."""
        return self.minor + ("t" if self.free_threaded else "")

    def __str__(self) -> str:
        return self.name


def prefix_dir(variant: Variant) -> Path:
    return cache_root() / "cpython" / variant.name


def interpreter_path(variant: Variant) -> Path:
    return prefix_dir(variant) / "bin" / f"python{variant.binary_suffix}"


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

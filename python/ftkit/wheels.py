"""Unpack a wheel to disk for importing its modules (gilcheck, audit --verify-import), within limits.

A wheel is untrusted input: every member must stay inside the destination, no member may be a
symbolic link (pip installs none either), and the member count and the total uncompressed size are
capped before anything is written. zipfile stops reading a member at its declared size, so the
declared sizes bound what is written (a zip bomb is refused by the sum, not discovered on disk).
"""

from __future__ import annotations

import stat
import tempfile
import zipfile
import zlib
from pathlib import Path

MAX_MEMBERS = 100_000
MAX_TOTAL_BYTES = 4 << 30  # the largest wheels on PyPI (CUDA builds of torch) unpack to ~3 GB


class WheelError(ValueError):
    """A wheel that is not unpacked: unreadable, unsafe or too large. The message is one line."""


def extract_wheel(path: str | Path, dest: str | Path, max_members: int = MAX_MEMBERS,
                  max_bytes: int = MAX_TOTAL_BYTES) -> Path:
    """Unpack the wheel at path into dest (created if missing); returns dest, resolved."""
    dest = Path(dest).resolve()
    try:
        with zipfile.ZipFile(path) as wheel:
            members = wheel.infolist()
            _check(path, members, dest, max_members, max_bytes)
            dest.mkdir(parents=True, exist_ok=True)
            wheel.extractall(dest)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError, zlib.error,
            UnicodeDecodeError) as e:
        # NotImplementedError: an unknown compression method; zlib.error: a corrupt deflate stream;
        # UnicodeDecodeError: a name flagged UTF-8 (flag bit 11) that is not (zipfile decodes it eagerly).
        if isinstance(e, UnicodeDecodeError):
            why = f"member name {bytes(e.object)!r} is marked UTF-8 (zip flag bit 11) but is not"
        elif isinstance(e, zlib.error):
            why = f"corrupt deflate data: {e}"
        else:
            why = f"{type(e).__name__}: {e}"
        raise WheelError(f"{path}: not a readable wheel ({why})") from None
    return dest


def _check(path, members: list[zipfile.ZipInfo], dest: Path, max_members: int, max_bytes: int) -> None:
    if len(members) > max_members:
        raise WheelError(f"{path}: too large to unpack: {len(members)} members (the limit is {max_members})")
    total = sum(m.file_size for m in members)
    if total > max_bytes:
        raise WheelError(f"{path}: too large to unpack: {total} bytes uncompressed (the limit is {max_bytes})")
    for m in members:
        if stat.S_ISLNK(m.external_attr >> 16):
            raise WheelError(f"{path}: member {m.filename!r} is a symbolic link")
        target = (dest / m.filename).resolve()
        if not target.is_relative_to(dest):
            raise WheelError(f"{path}: member {m.filename!r} points outside the wheel")


def unpacked_wheel(path: str | Path, prefix: str = "ftkit-wheel-") -> tempfile.TemporaryDirectory:
    """The wheel unpacked into a new temporary directory (the caller cleans it up); WheelError if not."""
    tmp = tempfile.TemporaryDirectory(prefix=prefix)
    try:
        extract_wheel(path, tmp.name)
    except BaseException:
        tmp.cleanup()
        raise
    return tmp

"""Hostile zip archives built in the test: unknown compression, corrupt deflate, non-UTF-8 names."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

LOCAL, CENTRAL = b"PK\x03\x04", b"PK\x01\x02"


def write(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _headers(data: bytes, magic: bytes):
    at = data.find(magic)
    while at >= 0:
        yield at
        at = data.find(magic, at + 4)


def set_method(path: Path, member: str, method: int) -> None:
    """Give member a compression method number in its local and central headers (99: none known)."""
    data = bytearray(path.read_bytes())
    encoded = member.encode()
    # Local header: method at +8, name length at +26, name at +30 (APPNOTE.TXT 4.3.7);
    # central header: method at +10, name length at +28, name at +46 (4.3.12).
    for magic, method_at, name_at in ((LOCAL, 8, 30), (CENTRAL, 10, 46)):
        for at in _headers(bytes(data), magic):
            (length,) = struct.unpack_from("<H", data, at + name_at - 4 if magic == LOCAL else at + 28)
            if bytes(data[at + name_at:at + name_at + length]) == encoded:
                struct.pack_into("<H", data, at + method_at, method)
    path.write_bytes(bytes(data))


def corrupt_deflate(path: Path, member: str) -> None:
    """Overwrite member's deflate stream with bytes zlib rejects (block type 3 is reserved, RFC 1951 3.2.3)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    at = info.header_offset
    name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
    start = at + 30 + name_len + extra_len
    data[start:start + info.compress_size] = b"\xff" * info.compress_size
    try:
        zlib.decompressobj(-15).decompress(b"\xff" * info.compress_size)
    except zlib.error:
        pass
    else:
        raise AssertionError("the corrupt stream must be rejected by zlib")
    path.write_bytes(bytes(data))


def rename_raw(path: Path, placeholder: str, raw: bytes, utf8_flag: bool = False) -> None:
    """Replace a member name's bytes (same length) with raw, e.g. cp437 bytes >= 0x80 with flag bit 11
    unset (zipfile then decodes them as cp437), or with the flag set on bytes that are not UTF-8."""
    assert len(placeholder.encode()) == len(raw)
    data = bytearray(path.read_bytes())
    for magic, flags_at in ((LOCAL, 6), (CENTRAL, 8)):
        for at in _headers(bytes(data), magic):
            if utf8_flag:
                (flags,) = struct.unpack_from("<H", data, at + flags_at)
                struct.pack_into("<H", data, at + flags_at, flags | 0x800)
    path.write_bytes(bytes(data).replace(placeholder.encode(), raw))

"""Hostile executables and wheels built byte by byte: one generator per CPU or memory bomb of issue 12.

Each returns (file name, bytes). They are small files that cost the readers before issue 12 hours
or gigabytes; tests/test_audit_hostile.py audits them under time and memory bounds, and
tests/audit_support/fuzz.py adds them to the fuzz corpora. Layouts: the System V gABI (ELF), Microsoft's
PE Format, <mach-o/loader.h> and <mach-o/fixup-chains.h>, PKWARE's APPNOTE (zip).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

SO = ".cpython-314t-x86_64-linux-gnu.so"
SHT_PROGBITS, SHT_STRTAB, SHT_DYNSYM, SHT_REL = 1, 3, 11, 9
SHF_WRITE_ALLOC = 3


@dataclass
class Sec:
    name: str
    type: int
    flags: int = 0
    addr: int = 0
    data: bytes = b""
    link: int = 0
    entsize: int = 0
    same_bytes_as: int | None = None  # index of a section whose file bytes this one reuses


def elf64(sections: list[Sec]) -> bytes:
    """An x86-64 ELF shared object with these sections (index 0, the null section, is added)."""
    shstr = b"\0"
    name_at = {}
    for s in [*sections, Sec(".shstrtab", SHT_STRTAB)]:
        if s.name not in name_at:
            name_at[s.name] = len(shstr)
            shstr += s.name.encode() + b"\0"
    sections = [*sections, Sec(".shstrtab", SHT_STRTAB, data=shstr)]
    out = bytearray(64)
    placed = []
    for s in sections:
        if s.same_bytes_as is not None:
            placed.append(placed[s.same_bytes_as])
            continue
        out += b"\0" * (-len(out) % 16)
        placed.append((len(out), len(s.data)))
        out += s.data
    out += b"\0" * (-len(out) % 8)
    shoff = len(out)
    out += b"\0" * 64
    for s, (off, size) in zip(sections, placed):
        out += struct.pack("<IIQQQQIIQQ", name_at[s.name], s.type, s.flags, s.addr, off, size,
                           s.link, 0, 8, s.entsize)
    struct.pack_into("<4sBBBB8xHHIQQQIHHHHHH", out, 0, b"\x7fELF", 2, 1, 1, 0, 3, 62, 1, 0, 0,
                     shoff, 0, 64, 0, 0, 64, len(sections) + 1, len(sections))
    return bytes(out)


def dynamic_symbols(names: list[tuple[str, bool]]) -> tuple[bytes, bytes]:
    """(.dynstr, .dynsym) for (name, defined) pairs; defined ones are global functions."""
    strtab, syms = b"\0", bytearray(24)
    for name, defined in names:
        syms += struct.pack("<IBBHQQ", len(strtab), 0x12, 0, 7 if defined else 0,
                            0x10000 if defined else 0, 0)
        strtab += name.encode() + b"\0"
    return strtab, bytes(syms)


def module_sections(extra_symbols: list[tuple[str, bool]] = ()) -> list[Sec]:
    """.dynstr (1), .dynsym (2) of an extension module exporting PyInit_x, and 16 KB .data (3)."""
    strtab, syms = dynamic_symbols([("PyInit_x", True), ("PyModuleDef_Init", False), *extra_symbols])
    return [Sec(".dynstr", SHT_STRTAB, 2, 0x400, strtab),
            Sec(".dynsym", SHT_DYNSYM, 2, 0x800, syms, link=1, entsize=24),
            Sec(".data", SHT_PROGBITS, SHF_WRITE_ALLOC, 0x10000, b"\0" * 16384)]


def elf_stacked_sections(n: int = 60_000) -> tuple[str, bytes]:
    """n sections at distinct addresses over the same 16 KB of file: each address lookup scanned
    every section (quadratic in n), and the slot scan visits every section's bytes."""
    secs = module_sections()
    secs += [Sec(".d", SHT_PROGBITS, SHF_WRITE_ALLOC, 0x100000 + 0x4000 * i, same_bytes_as=2)
             for i in range(n)]
    return "stacked" + SO, elf64(secs)


def elf_shared_rel_tables(n: int = 60_000, relocs: int = 2_000) -> tuple[str, bytes]:
    """n loaded SHT_REL sections over one table of relative relocations at an address no section
    holds: every table was read again, and each REL addend lookup scanned all n sections."""
    table = b"".join(struct.pack("<QQ", 0x900000 + 8 * i, 8) for i in range(relocs))
    secs = module_sections()
    secs.append(Sec(".rel.dyn", SHT_REL, 2, 0x20000, table, link=2, entsize=16))
    secs += [Sec(".rel.dyn", SHT_REL, 2, 0x20000, link=2, entsize=16, same_bytes_as=3)
             for _ in range(n)]
    return "rels" + SO, elf64(secs)


def elf_dynsym_copies(n: int = 300, symbols: int = 1_000, name_len: int = 1_000) -> tuple[str, bytes]:
    """n SHT_DYNSYM sections over one table of long names: every copy was read again."""
    names = [(f"s{i}_" + "x" * name_len, False) for i in range(symbols)]
    secs = module_sections(names)
    secs += [Sec(".dynsym", SHT_DYNSYM, 2, 0x800, link=1, entsize=24, same_bytes_as=1)
             for _ in range(n)]
    return "dynsyms" + SO, elf64(secs)


def pe_shared_thunks(descriptors: int = 1_000, thunks: int = 2_000, name_len: int = 1_000) -> tuple[str, bytes]:
    """A PE32+ whose import descriptors all share one thunk table naming one long symbol: each
    descriptor repeated every name (issue 12: 141 KB, 2.1 GB)."""
    rva = 0x1000
    section = bytearray()
    name_rva = rva + len(section)
    section += b"\0\0" + b"F" * name_len + b"\0"          # hint/name entry
    dll_rva = rva + len(section)
    section += b"kernel32.dll\0"
    section += b"\0" * (-len(section) % 8)
    ilt_rva = rva + len(section)
    section += struct.pack("<Q", name_rva) * thunks + b"\0" * 8
    dir_rva = rva + len(section)
    for _ in range(descriptors):
        section += struct.pack("<IIIII", ilt_rva, 0, 0, dll_rva, ilt_rva)
    section += b"\0" * 20
    section += b"\0" * (-len(section) % 512)
    headers = bytearray(0x400)
    struct.pack_into("<2s58xI", headers, 0, b"MZ", 0x80)
    opt = 0x80 + 24
    struct.pack_into("<4sHHIIIHH", headers, 0x80, b"PE\0\0", 0x8664, 1, 0, 0, 0, 240, 0x2022)
    struct.pack_into("<HBBIIIIIQIIHHHHHHIIIIHHQQQQII", headers, opt, 0x20B, 14, 0, len(section), 0, 0,
                     0x1000, 0x1000, 0x180000000, 0x1000, 0x200, 6, 0, 0, 0, 6, 0, 0,
                     0x1000 + len(section), 0x400, 0, 3, 0x160, 0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    struct.pack_into("<II", headers, opt + 112 + 8, dir_rva, 20 * (descriptors + 1))  # import directory
    struct.pack_into("<8sIIIIIIHHI", headers, opt + 240, b".rdata", len(section), rva, len(section),
                     0x400, 0, 0, 0, 0, 0x40000040)
    return "thunks.cp314t-win_amd64.pyd", bytes(headers + section)


def _macho(commands: list[bytes], body: bytes, body_offset: int) -> bytes:
    """A 64-bit arm64 Mach-O dylib: header, the load commands, then body at body_offset."""
    cmds = b"".join(commands)
    head = struct.pack("<IiiIIIII", 0xFEEDFACF, 0x0100000C, 0, 6, len(commands), len(cmds), 0, 0)
    out = bytearray(head + cmds)
    assert len(out) <= body_offset
    out += b"\0" * (body_offset - len(out))
    return bytes(out + body)


def _segment(name: bytes, vmaddr: int, fileoff: int, filesize: int, sections: list[bytes] = ()) -> bytes:
    return struct.pack("<II16sQQQQiiII", 0x19, 72 + 80 * len(sections), name, vmaddr, filesize, fileoff,
                       filesize, 3, 3, len(sections), 0) + b"".join(sections)


def _section(name: bytes, seg: bytes, addr: int, size: int, offset: int) -> bytes:
    return struct.pack("<16s16sQQIIIIIIII", name, seg, addr, size, offset, 3, 0, 0, 0, 0, 0, 0)


def _symtab(symoff: int, stroff: int) -> tuple[bytes, bytes, bytes]:
    """LC_SYMTAB exporting _PyInit_x, and its nlist and string table."""
    strs = b"\0_PyInit_x\0"
    nlist = struct.pack("<IBBHQ", 1, 0x0F, 1, 0, 0x4000)
    return struct.pack("<IIIIII", 0x2, 24, symoff, 1, stroff, len(strs)), nlist, strs


def macho_chained_fixups(page_size: int = 8, pages: int = 65_535) -> tuple[str, bytes]:
    """Chained fixups with 65,535 page starts in one segment whose chains run into each other
    (page_size 8, every page's chain continues to the segment's end: quadratic), or page_size 0
    (every page starts the same chain)."""
    data_off, data_size = 0x4000, 8 * pages + 8
    # One chain over the whole segment: DYLD_CHAINED_PTR_64_OFFSET rebases, next = 2 (8 bytes).
    chain = bytearray()
    for i in range(data_size // 8):
        last = i == data_size // 8 - 1
        chain += struct.pack("<Q", 0x1000 | ((0 if last else 2) << 51))
    fixups_off = data_off + data_size
    starts_in_image = struct.pack("<III", 2, 0, 12)  # seg_count 2; segment 1's info 12 bytes on
    seg = struct.pack("<IHHQIH", 22 + 2 * pages, page_size, 6, 0, 0, pages) + b"\0\0" * pages
    header = struct.pack("<IIIIIII", 0, 28, 0, 0, 0, 1, 0)
    fixups = header + starts_in_image + seg
    sym_off = fixups_off + len(fixups)
    symtab, nlist, strs = _symtab(sym_off, sym_off + 16)
    commands = [
        _segment(b"__TEXT", 0, 0, data_off),
        _segment(b"__DATA", 0x4000, data_off, data_size),
        struct.pack("<IIII", 0x80000034, 16, fixups_off, len(fixups)),
        symtab,
    ]
    body = bytes(chain) + fixups + nlist + strs
    return f"chained{page_size}.cpython-314t-darwin.so", _macho(commands, body, data_off)


def macho_rebase_sections(sections: int = 30_000, opcode_bytes: int = 100_000) -> tuple[str, bytes]:
    """Rebase opcodes over tens of thousands of sections: each rebased address was looked up by
    scanning every section (and misses, so the whole list)."""
    data_off = 72 + 80 * sections + 200
    data_off += -data_off % 0x1000
    secs = [_section(b"__d", b"__DATA", 0x100000 + 0x10 * i, 0x10, data_off) for i in range(sections)]
    # REBASE_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB seg 1 offset 0, then DO_REBASE_ULEB_TIMES 255
    # (at addresses no section holds) over and over.
    ops = b"\x21\x00" + b"\x60\xff\x01" * ((opcode_bytes - 2) // 3)
    ops_off = data_off + 0x1000
    sym_off = ops_off + len(ops)
    symtab, nlist, strs = _symtab(sym_off, sym_off + 16)
    commands = [
        _segment(b"__TEXT", 0, 0, data_off),
        _segment(b"__DATA", 0x900000000, data_off, 0x1000, secs),
        struct.pack("<II10I", 0x80000022, 48, ops_off, len(ops), 0, 0, 0, 0, 0, 0, 0, 0),
        symtab,
    ]
    return "rebases.cpython-314t-darwin.so", _macho(commands, b"\0" * 0x1000 + ops + nlist + strs, data_off)


def wheel(files: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


META = {"x-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nTag: cp314-cp314t-linux_x86_64\n",
        "x-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: x\n"}


def wheel_declaring_1gib(entries: int = 4, declared: int = 1 << 30,
                         stream_len: int = 1_100_000) -> tuple[str, bytes]:
    """Entries that each declare 1 GiB over 1.1 MB of deflate (under the 1000:1 bomb ratio) that
    breaks after a few KB: the reader allocated the declared size before inflating, per job."""
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = z.compress(b"\x7fELF" + bytes(range(256)) * 64) + z.flush(zlib.Z_SYNC_FLUSH)
    stream += b"\0" * (stream_len - len(stream))  # a stored block whose LEN/NLEN do not match
    local = bytearray(wheel(META, zipfile.ZIP_STORED))
    cd_start, eocd_start = local.index(b"PK\x01\x02"), local.rindex(b"PK\x05\x06")
    central = bytearray(local[cd_start:eocd_start])
    del local[cd_start:]
    for i in range(entries):
        name = f"x/m{i}.so".encode()
        offset = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, 0, len(stream), declared,
                             len(name), 0) + name + stream
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, 0, len(stream),
                               declared, len(name), 0, 0, 0, 0, 0, offset) + name
    count = len(META) + entries
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(local), 0)
    return "big.whl", bytes(local + central + eocd)


def wheel_long_entry_name(length: int = 60_000) -> tuple[str, bytes]:
    """A wheel whose module's name is ~60 KB ending in an ABI tag with a 60 KB platform part:
    std::regex recursed once per platform character and overflowed the stack (SIGSEGV)."""
    _, module = elf_stacked_sections(0)
    return "long.whl", wheel({**META, "x/m.cpython-314t-" + "a" * length + ".so": module})


def wheel_many_entries(n: int = 240_000) -> tuple[str, bytes]:
    """A wheel of n tiny binaries that are not executables: each is an error kept for the report,
    and hundreds of thousands of them filled memory with results alone."""
    crc = zlib.crc32(b"junk")
    local, central = bytearray(), bytearray()
    for i in range(n):
        name = f"x/m{i}.so".encode()
        offset = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, crc, 4, 4, len(name), 0) + name + b"junk"
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, crc, 4, 4, len(name),
                               0, 0, 0, 0, 0, offset) + name
    # More than 65,535 entries: a ZIP64 end record and its locator give the real count.
    zip64_at = len(local) + len(central)
    zip64 = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, len(central), len(local))
    locator = struct.pack("<IIQI", 0x07064B50, 0, zip64_at, 1)
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, len(central), len(local), 0)
    return "many.whl", bytes(local + central + zip64 + locator + eocd)

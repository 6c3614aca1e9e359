"""Our readers against pyelftools, macholib and pefile on real corpus modules."""

from __future__ import annotations

import io
import zipfile

import pytest

from ftkit import _core
from harness import corpus

WHEEL = corpus.Wheel("numpy", "2.5.5")
MODULE = "numpy/_core/_multiarray_umath"


def module_bytes(plat: str) -> tuple[str, bytes]:
    with zipfile.ZipFile(corpus.path(WHEEL, plat)) as z:
        name = next(n for n in z.namelist() if n.startswith(MODULE + ".") and n.endswith((".so", ".pyd")))
        return name, z.read(name)


def ours(name: str, data: bytes):
    (m,) = _core.audit_bytes(data, name).modules
    assert not m.error
    return m


def test_elf_against_pyelftools():
    from elftools.elf.elffile import ELFFile

    name, data = module_bytes("linux")
    elf = ELFFile(io.BytesIO(data))
    dynsym = elf.get_section_by_name(".dynsym")
    undefined = {s.name for s in dynsym.iter_symbols() if s["st_shndx"] == "SHN_UNDEF" and s.name}
    needed = [t.needed for t in elf.get_section_by_name(".dynamic").iter_tags() if t.entry.d_tag == "DT_NEEDED"]
    relative = sum(1 for sec in elf.iter_sections() if sec.header.sh_type == "SHT_RELA"
                   for r in sec.iter_relocations() if r["r_info_type"] == 8)
    m = ours(name, data)
    assert m.import_count == len(undefined)
    assert list(m.libraries) == needed
    assert relative > 1000  # numpy is PIC: its slot arrays are found through these


def test_macho_against_macholib(tmp_path):
    from macholib.MachO import MachO
    from macholib.SymbolTable import SymbolTable

    name, data = module_bytes("macos")
    path = tmp_path / "m.so"
    path.write_bytes(data)
    macho = MachO(str(path))
    header = macho.headers[0]
    table = SymbolTable(macho, header)
    undefined = {n.decode()[1:] if n.startswith(b"_") else n.decode() for _, n in table.undefsyms}
    dylibs = [raw.rstrip(b"\0").decode() for lc, _, raw in header.commands
              if lc.cmd in (0xc, 0x80000018, 0x8000001f)]  # LC_LOAD_DYLIB, _WEAK_, LC_REEXPORT_
    m = ours(name, data)
    assert m.import_count == len(undefined)
    assert dylibs == list(m.libraries)
    assert m.arch == "arm64"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["imports", "delay"])
def test_pe_against_pefile(kind):
    import pefile

    name, data = module_bytes("windows")
    pe = pefile.PE(data=data)
    m = ours(name, data)
    dlls = [e.dll.decode() for e in getattr(pe, "DIRECTORY_ENTRY_IMPORT", [])]
    delay = [e.dll.decode() for e in getattr(pe, "DIRECTORY_ENTRY_DELAY_IMPORT", [])]
    if kind == "imports":
        names = {i.name.decode() for e in pe.DIRECTORY_ENTRY_IMPORT for i in e.imports if i.name}
        delayed = getattr(pe, "DIRECTORY_ENTRY_DELAY_IMPORT", [])
        names |= {i.name.decode() for e in delayed for i in e.imports if i.name}
        assert m.import_count == len(names)
        assert list(m.libraries) == dlls + delay
    else:
        assert list(m.libraries)[len(dlls):] == delay

// ELF reader (32/64-bit, both byte orders): dynamic symbols, DT_NEEDED, sections, relocations.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "binfmt/binary_view.hpp"
#include "binfmt/budget.hpp"
#include "binfmt/byte_cursor.hpp"

namespace ftkit::binfmt {
namespace {

// Section types and dynamic tags from the System V gABI (elf.h).
constexpr std::uint32_t SHT_SYMTAB = 2, SHT_RELA = 4, SHT_DYNAMIC = 6, SHT_NOBITS = 8, SHT_REL = 9,
                        SHT_DYNSYM = 11, SHT_RELR = 19;
constexpr std::uint64_t SHF_EXECINSTR = 4;

struct RelocKinds {
    std::uint32_t relative, abs, jump_slot, glob_dat;
};

// Relocation numbers per machine (glibc elf.h); 0 means "none for this machine".
RelocKinds reloc_kinds(std::uint16_t machine) {
    switch (machine) {
        case 62:
            return {8, 1, 7, 6};  // x86_64: R_X86_64_RELATIVE, _64, JUMP_SLOT, GLOB_DAT
        case 183:
            return {1027, 257, 1026, 1025};  // aarch64
        case 3:
            return {8, 1, 7, 6};  // i386
        case 40:
            return {23, 2, 22, 21};  // arm
        case 21:
            return {22, 38, 21, 20};  // ppc64: RELATIVE, ADDR64, JMP_SLOT, GLOB_DAT
        case 22:
            return {12, 22, 11, 10};  // s390x: RELATIVE, 64, JMP_SLOT, GLOB_DAT
        case 243:
            return {3, 2, 5, 0};  // riscv: RELATIVE, 64, JUMP_SLOT
        default:
            return {0, 0, 0, 0};
    }
}

std::string machine_name(std::uint16_t machine, bool big_endian, int bits) {
    switch (machine) {
        case 62:
            return "x86_64";
        case 183:
            return "aarch64";
        case 3:
            return "i386";
        case 40:
            return "arm";
        case 21:
            return big_endian ? "ppc64" : "ppc64le";
        case 20:
            return "ppc";
        case 22:
            return bits == 64 ? "s390x" : "s390";
        case 243:
            return bits == 64 ? "riscv64" : "riscv32";
        case 8:
            return "mips";
        default:
            return "elf-machine-" + std::to_string(machine);
    }
}

struct Shdr {
    std::uint32_t name, type, link;
    std::uint64_t flags, addr, offset, size, entsize;
};

struct Sym {
    std::string name;
    std::uint64_t value;
    bool defined, global;
};

class ElfReader {
public:
    explicit ElfReader(std::span<const std::byte> bytes) : c_(bytes) {}

    BinaryView read() {
        auto ident = c_.range(0, 16, "ELF identification");
        int cls = std::to_integer<int>(ident[4]);
        int data = std::to_integer<int>(ident[5]);
        if ((cls != 1 && cls != 2) || (data != 1 && data != 2))
            throw ParseError("ELF class/byte order", 4);
        is64_ = cls == 2;
        c_.set_order(data == 2 ? std::endian::big : std::endian::little);
        v_.format = Format::elf;
        v_.bytes = c_.range(0, c_.size(), "file");
        v_.bits = is64_ ? 64 : 32;
        v_.big_endian = data == 2;
        machine_ = c_.peek_at<std::uint16_t>(18, "e_machine");
        v_.arch = machine_name(machine_, v_.big_endian, v_.bits);

        std::uint64_t shoff = is64_ ? c_.peek_at<std::uint64_t>(0x28, "e_shoff")
                                    : c_.peek_at<std::uint32_t>(0x20, "e_shoff");
        std::uint16_t shentsize = c_.peek_at<std::uint16_t>(is64_ ? 0x3a : 0x2e, "e_shentsize");
        std::uint16_t shnum = c_.peek_at<std::uint16_t>(is64_ ? 0x3c : 0x30, "e_shnum");
        std::uint16_t shstrndx = c_.peek_at<std::uint16_t>(is64_ ? 0x3e : 0x32, "e_shstrndx");
        if (shnum == 0) throw ParseError("ELF section headers (none present)", shoff);
        if (shentsize < (is64_ ? 64u : 40u)) throw ParseError("e_shentsize", is64_ ? 0x3a : 0x2e);
        c_.range(shoff, checked_mul(shnum, shentsize, "section header table"),
                 "section header table");
        hold(shnum * (sizeof(Shdr) + sizeof(Section)), "ELF section headers");
        for (std::uint16_t i = 0; i < shnum; ++i)
            shdrs_.push_back(read_shdr(shoff + std::uint64_t{i} * shentsize));

        if (shstrndx < shdrs_.size()) {
            for (std::size_t i = 0; i < shdrs_.size(); ++i) {
                names_.push_back(string_in(shstrndx, shdrs_[i].name));
                hold(2 * string_cost(names_.back().size()), "ELF section names");
            }
        } else {
            names_.assign(shdrs_.size(), "");
        }
        for (std::size_t i = 0; i < shdrs_.size(); ++i) {
            const Shdr& s = shdrs_[i];
            if (s.addr == 0 && !(s.flags & 2)) continue;  // not loaded (SHF_ALLOC = 2)
            Section sec{names_[i],
                        s.addr,
                        s.size,
                        s.offset,
                        s.type == SHT_NOBITS ? 0 : s.size,
                        (s.flags & SHF_EXECINSTR) != 0};
            if (sec.file_size) c_.range(sec.file_offset, sec.file_size, "section contents");
            v_.sections.push_back(std::move(sec));
        }
        v_.index_sections();

        // The gABI allows one SHT_DYNSYM and one SHT_SYMTAB per file ("currently, an object
        // file may have only one section of each type"); the loader uses the one DT_SYMTAB
        // names, which linkers emit first. Hostile files repeat the table hundreds of times.
        if (auto i = first_of(SHT_DYNSYM)) read_dynsym(*i);
        if (dynsym_.empty())  // fall back on the static symbol table when there is no dynamic one
            if (auto i = first_of(SHT_SYMTAB)) read_symbols(*i, dynsym_);
        for (const auto& s : dynsym_) {
            if (s.name.empty()) continue;
            if (!s.defined || s.global) hold(string_cost(s.name.size()), "ELF symbol names");
            if (!s.defined)
                v_.imports.push_back(s.name);
            else if (s.global)
                v_.exports.push_back(s.name);
        }
        for (std::size_t i = 0; i < shdrs_.size(); ++i) {
            // Several relocation sections over one table (thousands, in a hostile file) would
            // add the same relocations again: read each table once.
            if (shdrs_[i].type == SHT_RELA || shdrs_[i].type == SHT_REL ||
                shdrs_[i].type == SHT_RELR) {
                if (!tables_read_.insert({shdrs_[i].offset, shdrs_[i].size}).second) continue;
                spend(16, "ELF relocation sections");
            }
            switch (shdrs_[i].type) {
                case SHT_DYNAMIC:
                    read_dynamic(i);
                    break;
                case SHT_RELA:
                    read_relocs(i, true);
                    break;
                case SHT_REL:
                    read_relocs(i, false);
                    break;
                case SHT_RELR:
                    read_relr(i);
                    break;
                default:
                    break;
            }
        }
        v_.finish();
        return std::move(v_);
    }

private:
    Shdr read_shdr(std::uint64_t off) {
        ByteCursor h = c_.sub(off, is64_ ? 64 : 40, "section header");
        Shdr s{};
        s.name = h.read<std::uint32_t>("sh_name");
        s.type = h.read<std::uint32_t>("sh_type");
        s.flags = word(h, "sh_flags");
        s.addr = word(h, "sh_addr");
        s.offset = word(h, "sh_offset");
        s.size = word(h, "sh_size");
        s.link = h.read<std::uint32_t>("sh_link");
        h.read<std::uint32_t>("sh_info");
        word(h, "sh_addralign");
        s.entsize = word(h, "sh_entsize");
        return s;
    }

    std::optional<std::size_t> first_of(std::uint32_t type) const {
        for (std::size_t i = 0; i < shdrs_.size(); ++i)
            if (shdrs_[i].type == type) return i;
        return std::nullopt;
    }

    std::uint64_t word(ByteCursor& h, std::string_view what) {
        return is64_ ? h.read<std::uint64_t>(what) : h.read<std::uint32_t>(what);
    }

    std::string string_in(std::size_t strtab, std::uint64_t index) {
        if (strtab >= shdrs_.size()) return {};
        const Shdr& s = shdrs_[strtab];
        ByteCursor t = c_.sub(s.offset, s.size, "string table");
        if (index >= t.size()) throw ParseError("string table index", s.offset);
        return std::string(t.c_string_at(index, kMaxName, "symbol name"));
    }

    ByteCursor table(std::size_t i, std::uint64_t min_entsize, std::string_view what,
                     std::uint64_t& count) {
        const Shdr& s = shdrs_[i];
        if (s.entsize < min_entsize) throw ParseError(std::string(what) + " entry size", s.offset);
        count = s.size / s.entsize;
        return c_.sub(s.offset, s.size, what);
    }

    void read_symbols(std::size_t i, std::vector<Sym>& out) {
        std::uint64_t n;
        ByteCursor t = table(i, is64_ ? 24 : 16, "symbol table", n);
        if (n > kMaxSymbols) throw ParseError("symbol count", shdrs_[i].offset);
        std::uint64_t es = shdrs_[i].entsize;
        for (std::uint64_t k = 0; k < n; ++k) {
            spend(1, "ELF symbols");
            ByteCursor e = t.sub(k * es, is64_ ? 24 : 16, "symbol");
            std::uint32_t name = e.read<std::uint32_t>("st_name");
            std::uint64_t value;
            std::uint8_t info;
            std::uint16_t shndx;
            if (is64_) {
                info = e.read<std::uint8_t>("st_info");
                e.read<std::uint8_t>("st_other");
                shndx = e.read<std::uint16_t>("st_shndx");
                value = e.read<std::uint64_t>("st_value");
            } else {
                value = e.read<std::uint32_t>("st_value");
                e.read<std::uint32_t>("st_size");
                info = e.read<std::uint8_t>("st_info");
                e.read<std::uint8_t>("st_other");
                shndx = e.read<std::uint16_t>("st_shndx");
            }
            int bind = info >> 4;
            std::string text = string_in(shdrs_[i].link, name);
            hold(sizeof(Sym) + text.size(), "ELF symbols");
            out.push_back(
                {std::move(text), value, shndx != 0, bind == 1 || bind == 2});
        }
    }

    void read_dynsym(std::size_t i) {
        dynsym_index_ = i;
        read_symbols(i, dynsym_);
    }

    void read_dynamic(std::size_t i) {
        std::uint64_t n;
        ByteCursor t = table(i, is64_ ? 16 : 8, "dynamic section", n);
        for (std::uint64_t k = 0; k < n; ++k) {
            spend(1, "ELF dynamic section");
            ByteCursor e = t.sub(k * shdrs_[i].entsize, is64_ ? 16 : 8, "dynamic entry");
            std::uint64_t tag = word(e, "d_tag"), val = word(e, "d_val");
            if (tag == 0) break;
            if (tag == 1) {  // DT_NEEDED
                v_.libraries.push_back(string_in(shdrs_[i].link, val));
                hold(string_cost(v_.libraries.back().size()), "ELF DT_NEEDED names");
            }
        }
    }

    // Symbol of a relocation; only the dynamic symbol table is referenced by dynamic relocations.
    const Sym* reloc_symbol(std::size_t link, std::uint64_t index) {
        if (link != dynsym_index_ || index >= dynsym_.size()) return nullptr;
        return &dynsym_[index];
    }

    void add_pointer(std::uint64_t where, std::uint64_t target) {
        if (v_.pointers.size() >= kMaxPointers) throw ParseError("relocation count", where);
        hold(sizeof(v_.pointers[0]), "ELF relocations");
        v_.pointers.emplace_back(where, target);
    }

    // REL keeps the addend in the relocated word itself.
    std::uint64_t implicit_addend(std::uint64_t where) {
        auto b = v_.at(where, is64_ ? 8 : 4);
        if (!b) return 0;
        ByteCursor w(*b, c_.order());
        return is64_ ? w.peek_at<std::uint64_t>(0, "REL addend")
                     : w.peek_at<std::uint32_t>(0, "REL addend");
    }

    void read_relocs(std::size_t i, bool rela) {
        std::uint64_t esz = is64_ ? (rela ? 24 : 16) : (rela ? 12 : 8);
        std::uint64_t n;
        ByteCursor t = table(i, esz, "relocation table", n);
        if (n > kMaxPointers) throw ParseError("relocation count", shdrs_[i].offset);
        RelocKinds kinds = reloc_kinds(machine_);
        for (std::uint64_t k = 0; k < n; ++k) {
            spend(1, "ELF relocations");
            ByteCursor e = t.sub(k * shdrs_[i].entsize, esz, "relocation");
            std::uint64_t where = word(e, "r_offset");
            std::uint64_t info = word(e, "r_info");
            std::uint32_t type = is64_ ? static_cast<std::uint32_t>(info & 0xffffffff)
                                       : static_cast<std::uint32_t>(info & 0xff);
            std::uint64_t symidx = is64_ ? info >> 32 : info >> 8;
            std::uint64_t addend = rela ? word(e, "r_addend") : implicit_addend(where);
            if (kinds.relative == 0) continue;
            if (type == kinds.relative) {
                add_pointer(where, addend);
            } else if (type == kinds.abs || type == kinds.jump_slot || type == kinds.glob_dat) {
                const Sym* s = reloc_symbol(shdrs_[i].link, symidx);
                if (!s) continue;
                if (s->defined) {
                    if (type == kinds.abs) add_pointer(where, s->value + addend);
                } else if (!s->name.empty()) {
                    hold(string_cost(s->name.size()) + 8, "ELF import slots");
                    v_.import_slots.emplace_back(s->name, where);
                }
            }
        }
    }

    // SHT_RELR (packed relative relocations, gABI 2022): an address, then bitmaps of the words
    // after it.
    void read_relr(std::size_t i) {
        std::uint64_t wsz = is64_ ? 8 : 4, n;
        ByteCursor t = table(i, wsz, "RELR table", n);
        std::uint64_t next = 0;
        for (std::uint64_t k = 0; k < n; ++k) {
            spend(1, "ELF RELR relocations");
            std::uint64_t entry = is64_ ? t.peek_at<std::uint64_t>(k * wsz, "RELR entry")
                                        : t.peek_at<std::uint32_t>(k * wsz, "RELR entry");
            if ((entry & 1) == 0) {
                add_pointer(entry, implicit_addend(entry));
                next = entry + wsz;
            } else {
                std::uint64_t bits = entry >> 1;
                for (std::uint64_t b = 0; bits; ++b, bits >>= 1)
                    if (bits & 1) add_pointer(next + b * wsz, implicit_addend(next + b * wsz));
                next += (wsz * 8 - 1) * wsz;
            }
        }
    }

    ByteCursor c_;
    bool is64_ = true;
    std::uint16_t machine_ = 0;
    BinaryView v_;
    std::vector<Shdr> shdrs_;
    std::vector<std::string> names_;
    std::vector<Sym> dynsym_;
    std::set<std::pair<std::uint64_t, std::uint64_t>> tables_read_;  // (offset, size)
    std::size_t dynsym_index_ = static_cast<std::size_t>(-1);
};

}  // namespace

BinaryView parse_elf(std::span<const std::byte> bytes) { return ElfReader(bytes).read(); }

}  // namespace ftkit::binfmt

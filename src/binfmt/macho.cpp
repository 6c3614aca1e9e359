// Mach-O reader: thin 32/64-bit images and universal (fat) files; symbols, dylibs, sections,
// and the pointers dyld fixes up (rebase opcodes of LC_DYLD_INFO, LC_DYLD_CHAINED_FIXUPS).
// Layouts from <mach-o/loader.h>, <mach-o/fat.h> and <mach-o/fixup-chains.h> (dyld, ld64).
#include <algorithm>
#include <cstring>

#include "binfmt/binary_view.hpp"
#include "binfmt/budget.hpp"
#include "binfmt/byte_cursor.hpp"

namespace ftkit::binfmt {
namespace {

constexpr std::uint32_t LC_SEGMENT = 0x1, LC_SYMTAB = 0x2, LC_LOAD_DYLIB = 0xc,
                        LC_SEGMENT_64 = 0x19, LC_DYLD_INFO = 0x22, LC_DYLD_INFO_ONLY = 0x80000022,
                        LC_LOAD_WEAK_DYLIB = 0x80000018, LC_REEXPORT_DYLIB = 0x8000001f,
                        LC_DYLD_CHAINED_FIXUPS = 0x80000034, LC_DYSYMTAB = 0xb;
constexpr std::uint32_t kMaxCommands = 100'000, kMaxFatSlices = 64;

std::string cpu_name(std::uint32_t cpu) {
    switch (cpu) {
        case 0x01000007:
            return "x86_64";
        case 0x0100000c:
            return "arm64";
        case 0x0200000c:
            return "arm64_32";
        case 7:
            return "i386";
        case 12:
            return "arm";
        case 0x01000012:
            return "ppc64";
        case 18:
            return "ppc";
        default:
            return "macho-cpu-" + std::to_string(cpu);
    }
}

struct Segment {
    std::uint64_t vmaddr, vmsize, fileoff, filesize;
};

class MachOReader {
public:
    explicit MachOReader(std::span<const std::byte> bytes) : c_(bytes, std::endian::little) {}

    BinaryView read() {
        std::uint32_t magic = c_.peek_at<std::uint32_t>(0, "Mach-O magic");
        if (magic == 0xcefaedfe || magic == 0xcffaedfe)
            c_.set_order(std::endian::big), magic = c_.peek_at<std::uint32_t>(0, "Mach-O magic");
        is64_ = magic == 0xfeedfacf;
        if (!is64_ && magic != 0xfeedface) throw ParseError("Mach-O magic", 0);
        v_.format = Format::macho;
        v_.bytes = c_.range(0, c_.size(), "image");
        v_.bits = is64_ ? 64 : 32;
        v_.big_endian = c_.order() == std::endian::big;
        v_.arch = cpu_name(c_.peek_at<std::uint32_t>(4, "cputype"));
        std::uint32_t ncmds = c_.peek_at<std::uint32_t>(16, "ncmds");
        std::uint32_t sizeofcmds = c_.peek_at<std::uint32_t>(20, "sizeofcmds");
        if (ncmds > kMaxCommands) throw ParseError("ncmds", 16);
        std::uint64_t off = is64_ ? 32 : 28;
        ByteCursor cmds = c_.sub(off, sizeofcmds, "load commands");
        std::uint64_t pos = 0;
        for (std::uint32_t i = 0; i < ncmds; ++i) {
            spend(1, "Mach-O load commands");
            std::uint32_t cmd = cmds.peek_at<std::uint32_t>(pos, "load command");
            std::uint32_t size = cmds.peek_at<std::uint32_t>(pos + 4, "cmdsize");
            if (size < 8) throw ParseError("cmdsize", off + pos + 4);
            ByteCursor lc = cmds.sub(pos, size, "load command");
            switch (cmd) {
                case LC_SEGMENT_64:
                case LC_SEGMENT:
                    segment(lc, cmd == LC_SEGMENT_64);
                    break;
                case LC_SYMTAB:
                    symtab(lc);
                    break;
                case LC_DYSYMTAB:
                    indirect_off_ = lc.peek_at<std::uint32_t>(56, "indirectsymoff");
                    indirect_count_ = lc.peek_at<std::uint32_t>(60, "nindirectsyms");
                    break;
                case LC_LOAD_DYLIB:
                case LC_LOAD_WEAK_DYLIB:
                case LC_REEXPORT_DYLIB: {
                    std::uint32_t name = lc.peek_at<std::uint32_t>(8, "dylib name offset");
                    if (name < size) {
                        v_.libraries.emplace_back(lc.c_string_at(name, kMaxName, "dylib name"));
                        hold(string_cost(v_.libraries.back().size()), "Mach-O dylib names");
                    }
                    break;
                }
                case LC_DYLD_INFO:
                case LC_DYLD_INFO_ONLY:
                    rebase_off_ = lc.peek_at<std::uint32_t>(8, "rebase_off");
                    rebase_size_ = lc.peek_at<std::uint32_t>(12, "rebase_size");
                    break;
                case LC_DYLD_CHAINED_FIXUPS:
                    chained_off_ = lc.peek_at<std::uint32_t>(8, "chained fixups offset");
                    chained_size_ = lc.peek_at<std::uint32_t>(12, "chained fixups size");
                    has_chained_ = true;
                    break;
                default:
                    break;
            }
            pos = checked_add(pos, size, "load command");
        }
        v_.index_sections();
        stubs();
        if (rebase_size_) rebases();
        if (has_chained_) chained_fixups();
        v_.finish();
        return std::move(v_);
    }

private:
    std::uint64_t word(ByteCursor& h, std::string_view what) {
        return is64_ ? h.read<std::uint64_t>(what) : h.read<std::uint32_t>(what);
    }

    void segment(ByteCursor lc, bool is64) {
        lc.seek(8, "segment");
        std::string segname;
        auto raw = lc.range(8, 16, "segname");
        segname.assign(reinterpret_cast<const char*>(raw.data()),
                       strnlen(reinterpret_cast<const char*>(raw.data()), 16));
        lc.seek(24, "segment");
        Segment s{};
        s.vmaddr = is64 ? lc.read<std::uint64_t>("vmaddr") : lc.read<std::uint32_t>("vmaddr");
        s.vmsize = is64 ? lc.read<std::uint64_t>("vmsize") : lc.read<std::uint32_t>("vmsize");
        s.fileoff = is64 ? lc.read<std::uint64_t>("fileoff") : lc.read<std::uint32_t>("fileoff");
        s.filesize = is64 ? lc.read<std::uint64_t>("filesize") : lc.read<std::uint32_t>("filesize");
        lc.skip(8, "protections");
        std::uint32_t nsects = lc.read<std::uint32_t>("nsects");
        lc.skip(4, "flags");
        if (segname == "__TEXT") text_vmaddr_ = s.vmaddr;
        hold(sizeof(Segment), "Mach-O segments");
        segments_.push_back(s);
        std::uint64_t sect_size = is64 ? 80 : 68;
        if (nsects > lc.remaining() / sect_size) throw ParseError("nsects", lc.position());
        hold(nsects * (sizeof(Section) + string_cost(33)), "Mach-O sections");
        spend(nsects, "Mach-O sections");
        for (std::uint32_t i = 0; i < nsects; ++i) {
            ByteCursor h = lc.sub(lc.position() + i * sect_size, sect_size, "section");
            auto n = h.range(0, 16, "sectname");
            auto sg = h.range(16, 16, "segname");
            Section sec;
            sec.name = std::string(reinterpret_cast<const char*>(sg.data()),
                                   strnlen(reinterpret_cast<const char*>(sg.data()), 16)) +
                       "," +
                       std::string(reinterpret_cast<const char*>(n.data()),
                                   strnlen(reinterpret_cast<const char*>(n.data()), 16));
            h.seek(32, "section");
            sec.vaddr = is64 ? h.read<std::uint64_t>("addr") : h.read<std::uint32_t>("addr");
            sec.size = is64 ? h.read<std::uint64_t>("size") : h.read<std::uint32_t>("size");
            sec.file_offset = h.read<std::uint32_t>("offset");
            h.skip(12, "align, reloff, nreloc");
            std::uint32_t flags = h.read<std::uint32_t>("flags");
            std::uint32_t type = flags & 0xff;
            bool zerofill = type == 1 || type == 0xc ||
                            type == 0x12;  // S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL
            sec.file_size = zerofill ? 0 : sec.size;
            sec.executable =
                (flags & 0x80000400) != 0;  // S_ATTR_PURE_INSTRUCTIONS | S_ATTR_SOME_INSTRUCTIONS
            if (type ==
                0x8)  // S_SYMBOL_STUBS: reserved1 = first indirect symbol, reserved2 = stub size
                stub_sections_.push_back({sec.vaddr, sec.size, h.read<std::uint32_t>("reserved1"),
                                          h.read<std::uint32_t>("reserved2")});
            if (sec.file_size) c_.range(sec.file_offset, sec.file_size, "section contents");
            v_.sections.push_back(std::move(sec));
        }
    }

    void symtab(ByteCursor lc) {
        std::uint32_t symoff = lc.peek_at<std::uint32_t>(8, "symoff");
        std::uint32_t nsyms = lc.peek_at<std::uint32_t>(12, "nsyms");
        std::uint32_t stroff = lc.peek_at<std::uint32_t>(16, "stroff");
        std::uint32_t strsize = lc.peek_at<std::uint32_t>(20, "strsize");
        std::uint64_t esz = is64_ ? 16 : 12;
        if (nsyms > kMaxSymbols) throw ParseError("nsyms", symoff);
        ByteCursor syms = c_.sub(symoff, checked_mul(nsyms, esz, "symbol table"), "symbol table");
        ByteCursor strs = c_.sub(stroff, strsize, "string table");
        for (std::uint32_t i = 0; i < nsyms; ++i) {
            spend(1, "Mach-O symbols");
            std::uint32_t strx = syms.peek_at<std::uint32_t>(i * esz, "n_strx");
            std::uint8_t type = syms.peek_at<std::uint8_t>(i * esz + 4, "n_type");
            if ((type & 0xe0) || strx >= strsize) {  // stabs
                names_.emplace_back();
                continue;
            }
            std::string_view name = strs.c_string_at(strx, kMaxName, "symbol name");
            if (!name.empty() && name[0] == '_') name.remove_prefix(1);
            hold(2 * string_cost(name.size()), "Mach-O symbol names");
            names_.emplace_back(name);
            if (!(type & 1)) continue;  // not external
            if ((type & 0x0e) == 0)
                v_.imports.emplace_back(name);  // N_UNDF
            else if ((type & 0x0e) == 0x0e)
                v_.exports.emplace_back(name);  // N_SECT
        }
    }

    // Each stub jumps to the symbol that the indirect symbol table names for it (loader.h,
    // dysymtab_command): import_slots then hold the stub's address, the target of `bl`.
    void stubs() {
        for (const auto& st : stub_sections_) {
            if (st.stub_size == 0 || names_.empty()) continue;
            std::uint64_t n = st.size / st.stub_size;
            for (std::uint64_t k = 0; k < n; ++k) {
                spend(1, "Mach-O stubs");
                std::uint64_t i = std::uint64_t{st.first_indirect} + k;
                if (i >= indirect_count_) break;
                std::uint32_t sym = c_.peek_at<std::uint32_t>(
                    checked_add(indirect_off_, 4 * i, "indirect symbol"), "indirect symbol");
                if (sym >= names_.size())
                    continue;  // INDIRECT_SYMBOL_LOCAL / _ABS, or out of range
                hold(string_cost(names_[sym].size()) + 8, "Mach-O import slots");
                v_.import_slots.emplace_back(names_[sym], st.vaddr + k * st.stub_size);
            }
        }
    }

    void add_pointer(std::uint64_t where, std::uint64_t target) {
        if (v_.pointers.size() >= kMaxPointers) throw ParseError("fixup count", where);
        hold(sizeof(v_.pointers[0]), "Mach-O fixups");
        v_.pointers.emplace_back(where, target);
    }

    std::uint64_t uleb(ByteCursor& c) {
        std::uint64_t out = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            std::uint8_t byte = c.read<std::uint8_t>("uleb128");
            out |= std::uint64_t{byte & 0x7fu} << shift;
            if (!(byte & 0x80)) return out;
        }
        throw ParseError("uleb128 (too long)", c.position());
    }

    // REBASE_OPCODE_* state machine (loader.h): every rebased pointer holds its unslid target.
    void rebases() {
        ByteCursor ops = c_.sub(rebase_off_, rebase_size_, "rebase opcodes");
        std::uint64_t seg = 0, off = 0, ptr = is64_ ? 8 : 4;
        auto rebase_one = [&] {
            spend(1, "Mach-O rebase opcodes");
            if (seg >= segments_.size()) throw ParseError("rebase segment index", ops.position());
            std::uint64_t addr = segments_[seg].vmaddr + off;
            if (auto b = v_.at(addr, ptr)) {
                ByteCursor w(*b, c_.order());
                add_pointer(addr, is64_ ? w.peek_at<std::uint64_t>(0, "rebased pointer")
                                        : w.peek_at<std::uint32_t>(0, "rebased pointer"));
            }
        };
        std::uint64_t steps = 0, budget = rebase_size_ * 64ull + 1024;
        while (ops.remaining()) {
            spend(1, "Mach-O rebase opcodes");
            std::uint8_t byte = ops.read<std::uint8_t>("rebase opcode");
            std::uint8_t op = byte & 0xf0, imm = byte & 0x0f;
            switch (op) {
                case 0x00:
                    return;  // DONE
                case 0x10:
                    break;  // SET_TYPE_IMM
                case 0x20:
                    seg = imm;
                    off = uleb(ops);
                    break;
                case 0x30:
                    off += uleb(ops);
                    break;
                case 0x40:
                    off += imm * ptr;
                    break;
                case 0x50:
                    for (int k = 0; k < imm; ++k) rebase_one(), off += ptr, ++steps;
                    break;
                case 0x60: {
                    std::uint64_t n = uleb(ops);
                    for (std::uint64_t k = 0; k < n && steps < budget; ++k)
                        rebase_one(), off += ptr, ++steps;
                    break;
                }
                case 0x70:
                    rebase_one();
                    off += uleb(ops) + ptr;
                    ++steps;
                    break;
                case 0x80: {
                    std::uint64_t n = uleb(ops), skip = uleb(ops);
                    for (std::uint64_t k = 0; k < n && steps < budget; ++k)
                        rebase_one(), off += skip + ptr, ++steps;
                    break;
                }
                default:
                    throw ParseError("rebase opcode", ops.position());
            }
            if (steps >= budget) throw ParseError("rebase opcodes (too many)", ops.position());
        }
    }

    // dyld_chained_fixups_header -> dyld_chained_starts_in_image -> per-segment page starts,
    // then each page's chain of 8-byte pointers (fixup-chains.h).
    void chained_fixups() {
        ByteCursor h = c_.sub(chained_off_, chained_size_, "chained fixups");
        std::uint32_t starts = h.peek_at<std::uint32_t>(4, "starts_offset");
        std::uint32_t seg_count = h.peek_at<std::uint32_t>(starts, "seg_count");
        if (seg_count > segments_.size() + 16)
            throw ParseError("chained seg_count", chained_off_ + starts);
        for (std::uint32_t s = 0; s < seg_count; ++s) {
            std::uint32_t info = h.peek_at<std::uint32_t>(starts + 4 + 4ull * s, "seg_info_offset");
            if (info == 0 || s >= segments_.size()) continue;
            std::uint64_t base = checked_add(starts, info, "starts_in_segment");
            std::uint16_t page_size = h.peek_at<std::uint16_t>(base + 4, "page_size");
            std::uint16_t format = h.peek_at<std::uint16_t>(base + 6, "pointer_format");
            std::uint16_t page_count = h.peek_at<std::uint16_t>(base + 20, "page_count");
            // fixup-chains.h: page_size is 0x1000 or 0x4000; 0 would start every page's chain
            // at the same place.
            if (page_size == 0) throw ParseError("chained fixups page_size (0)", base + 4);
            const Segment& seg = segments_[s];
            // Chains that meet (pages whose chains run into each other, segments over the same
            // bytes) are walked once: a pointer already visited continues as it did before.
            // A chained pointer lies in the file, so offsets past its size never need a bit.
            std::uint64_t span = std::min<std::uint64_t>(seg.filesize, c_.size());
            hold(span / 8, "Mach-O chained fixups");
            std::vector<bool> visited(span);
            for (std::uint16_t p = 0; p < page_count; ++p) {
                spend(1, "Mach-O chained fixup pages");
                std::uint16_t start = h.peek_at<std::uint16_t>(base + 22 + 2ull * p, "page_start");
                if (start == 0xffff) continue;  // DYLD_CHAINED_PTR_START_NONE
                if (start & 0x8000) continue;  // DYLD_CHAINED_PTR_START_MULTI (32-bit formats only)
                std::uint64_t off = std::uint64_t{p} * page_size + start;  // from the segment start
                walk_chain(seg, off, format, visited);
            }
        }
    }

    void walk_chain(const Segment& seg, std::uint64_t off, std::uint16_t format,
                    std::vector<bool>& visited) {
        for (std::uint64_t guard = 0; guard < seg.filesize / 4 + 1; ++guard) {
            spend(1, "Mach-O chained fixups");
            if (off + 8 > seg.filesize)
                throw ParseError("chained fixup outside its segment", seg.fileoff + off);
            std::uint64_t raw = c_.peek_at<std::uint64_t>(
                checked_add(seg.fileoff, off, "chained fixup"), "chained pointer");
            if (visited[off]) return;  // off < file size: the read above succeeded
            visited[off] = true;
            std::uint64_t next, stride;
            bool bind;
            std::uint64_t target = 0;
            switch (format) {
                case 2:
                case 6:  // DYLD_CHAINED_PTR_64, DYLD_CHAINED_PTR_64_OFFSET
                    bind = raw >> 63;
                    next = (raw >> 51) & 0xfff;
                    stride = 4;
                    target = (raw & 0xfffffffffull) | ((raw >> 36) & 0xff) << 56;
                    if (format == 6) target += text_vmaddr_;
                    break;
                case 1:
                case 9:
                case 12: {  // DYLD_CHAINED_PTR_ARM64E(_USERLAND(24))
                    bool auth = raw >> 63;
                    bind = (raw >> 62) & 1;
                    next = (raw >> 51) & 0x7ff;
                    stride = 8;
                    target = auth ? (raw & 0xffffffff) + text_vmaddr_ : (raw & 0x7ffffffffffull);
                    if (!auth && format != 1) target += text_vmaddr_;
                    break;
                }
                default:
                    return;  // 32-bit and kernel-cache formats: not used by Python extensions
            }
            if (!bind) add_pointer(seg.vmaddr + off, target);
            if (next == 0) return;
            off += next * stride;
        }
        throw ParseError("chained fixups (chain does not end)", seg.fileoff + off);
    }

    struct StubSection {
        std::uint64_t vaddr, size;
        std::uint32_t first_indirect, stub_size;
    };

    ByteCursor c_;
    bool is64_ = true;
    BinaryView v_;
    std::vector<Segment> segments_;
    std::vector<StubSection> stub_sections_;
    std::vector<std::string> names_;  // symbol table names by index
    std::uint32_t indirect_off_ = 0, indirect_count_ = 0;
    std::uint64_t text_vmaddr_ = 0;
    std::uint32_t rebase_off_ = 0, rebase_size_ = 0, chained_off_ = 0, chained_size_ = 0;
    bool has_chained_ = false;
};

}  // namespace

std::vector<BinaryView> parse_macho(std::span<const std::byte> bytes) {
    ByteCursor c(bytes, std::endian::big);
    std::uint32_t magic = c.peek_at<std::uint32_t>(0, "magic");
    if (magic != 0xcafebabe && magic != 0xcafebabf) return {MachOReader(bytes).read()};
    bool fat64 = magic == 0xcafebabf;
    std::uint32_t n = c.peek_at<std::uint32_t>(4, "nfat_arch");
    if (n == 0 || n > kMaxFatSlices) throw ParseError("nfat_arch", 4);
    std::vector<BinaryView> out;
    std::uint64_t esz = fat64 ? 32 : 20;
    for (std::uint32_t i = 0; i < n; ++i) {
        std::uint64_t e = 8 + i * esz;
        std::uint64_t off = fat64 ? c.peek_at<std::uint64_t>(e + 8, "fat offset")
                                  : c.peek_at<std::uint32_t>(e + 8, "fat offset");
        std::uint64_t size = fat64 ? c.peek_at<std::uint64_t>(e + 16, "fat size")
                                   : c.peek_at<std::uint32_t>(e + 12, "fat size");
        out.push_back(MachOReader(c.range(off, size, "fat slice")).read());
    }
    return out;
}

}  // namespace ftkit::binfmt

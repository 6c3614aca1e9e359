// PE/COFF reader (PE32 and PE32+): exports, imports and delay-load imports with their DLLs,
// sections, and base relocations. Layouts from Microsoft's "PE Format" specification.
#include "binfmt/binary_view.hpp"
#include "binfmt/budget.hpp"
#include "binfmt/byte_cursor.hpp"

namespace ftkit::binfmt {
namespace {

constexpr std::uint64_t kMaxDescriptors = 4096, kMaxThunks = 1'000'000;

std::string machine_name(std::uint16_t m) {
    switch (m) {
        case 0x8664:
            return "x86_64";
        case 0xaa64:
            return "arm64";
        case 0x14c:
            return "i386";
        case 0x1c4:
            return "arm";
        default:
            return "pe-machine-" + std::to_string(m);
    }
}

class PeReader {
public:
    explicit PeReader(std::span<const std::byte> bytes) : c_(bytes, std::endian::little) {}

    BinaryView read() {
        std::uint32_t pe = c_.peek_at<std::uint32_t>(0x3c, "e_lfanew");
        if (c_.peek_at<std::uint32_t>(pe, "PE signature") != 0x00004550)
            throw ParseError("PE signature", pe);
        std::uint64_t coff = pe + 4ull;
        std::uint16_t machine = c_.peek_at<std::uint16_t>(coff, "Machine");
        std::uint16_t nsections = c_.peek_at<std::uint16_t>(coff + 2, "NumberOfSections");
        std::uint16_t opt_size = c_.peek_at<std::uint16_t>(coff + 16, "SizeOfOptionalHeader");
        std::uint64_t opt = coff + 20;
        std::uint16_t magic = c_.peek_at<std::uint16_t>(opt, "optional header magic");
        if (magic != 0x10b && magic != 0x20b) throw ParseError("optional header magic", opt);
        pe32plus_ = magic == 0x20b;
        v_.format = Format::pe;
        v_.bytes = c_.range(0, c_.size(), "file");
        v_.bits = pe32plus_ ? 64 : 32;
        v_.arch = machine_name(machine);
        image_base_ = pe32plus_ ? c_.peek_at<std::uint64_t>(opt + 24, "ImageBase")
                                : c_.peek_at<std::uint32_t>(opt + 28, "ImageBase");
        std::uint64_t dirs = opt + (pe32plus_ ? 112 : 96);
        std::uint32_t ndirs = c_.peek_at<std::uint32_t>(dirs - 4, "NumberOfRvaAndSizes");
        auto dir = [&](std::uint32_t i) -> std::pair<std::uint32_t, std::uint32_t> {
            if (i >= ndirs || dirs + 8ull * i + 8 > opt + opt_size) return {0, 0};
            return {c_.peek_at<std::uint32_t>(dirs + 8ull * i, "data directory"),
                    c_.peek_at<std::uint32_t>(dirs + 8ull * i + 4, "data directory size")};
        };
        std::uint64_t sh = opt + opt_size;
        hold(nsections * (sizeof(Section) + string_cost(8)), "PE section headers");
        spend(nsections, "PE section headers");
        for (std::uint16_t i = 0; i < nsections; ++i) {
            ByteCursor s = c_.sub(sh + 40ull * i, 40, "section header");
            auto raw = s.range(0, 8, "section name");
            Section sec;
            for (auto b : raw) {
                if (b == std::byte{0}) break;
                sec.name.push_back(static_cast<char>(b));
            }
            sec.size = s.peek_at<std::uint32_t>(8, "VirtualSize");
            sec.vaddr = s.peek_at<std::uint32_t>(12, "VirtualAddress");
            std::uint32_t raw_size = s.peek_at<std::uint32_t>(16, "SizeOfRawData");
            sec.file_offset = s.peek_at<std::uint32_t>(20, "PointerToRawData");
            sec.file_size = std::min<std::uint64_t>(raw_size, sec.size ? sec.size : raw_size);
            sec.executable =
                (s.peek_at<std::uint32_t>(36, "Characteristics") & 0x20000000) != 0;  // MEM_EXECUTE
            if (sec.file_size) c_.range(sec.file_offset, sec.file_size, "section contents");
            v_.sections.push_back(std::move(sec));
        }
        v_.index_sections();
        if (auto [rva, size] = dir(0); rva) exports(rva);
        if (auto [rva, size] = dir(1); rva) imports(rva, false);
        if (auto [rva, size] = dir(13); rva) imports(rva, true);
        if (auto [rva, size] = dir(5); rva) base_relocs(rva, size);
        v_.finish();
        return std::move(v_);
    }

private:
    // A cursor from an RVA to the end of the section holding it.
    ByteCursor at_rva(std::uint64_t rva, std::string_view what) {
        auto b = v_.up_to(rva, ~0ull);
        if (b.empty()) throw ParseError(std::string(what) + " (RVA outside every section)", rva);
        return ByteCursor(b, std::endian::little,
                          static_cast<std::uint64_t>(b.data() - c_.range(0, 0, "base").data()));
    }

    std::string string_at_rva(std::uint64_t rva, std::string_view what) {
        return std::string(at_rva(rva, what).c_string_at(0, kMaxName, what));
    }

    void exports(std::uint32_t rva) {
        ByteCursor d = at_rva(rva, "export directory");
        std::uint32_t nnames = d.peek_at<std::uint32_t>(24, "NumberOfNames");
        std::uint32_t names = d.peek_at<std::uint32_t>(32, "AddressOfNames");
        if (nnames > kMaxSymbols) throw ParseError("NumberOfNames", rva);
        ByteCursor table = at_rva(names, "export name table");
        for (std::uint32_t i = 0; i < nnames; ++i) {
            spend(1, "PE exports");
            v_.exports.push_back(string_at_rva(
                table.peek_at<std::uint32_t>(4ull * i, "export name"), "export name"));
            hold(string_cost(v_.exports.back().size()), "PE export names");
        }
    }

    // Import descriptors are 20 bytes {ILT, time, forwarder, Name, IAT}; delay-load descriptors
    // 32 bytes {Attributes, Name, module handle, IAT, INT, ...}; both end with an all-zero entry.
    void imports(std::uint32_t rva, bool delay) {
        ByteCursor d = at_rva(rva, delay ? "delay import directory" : "import directory");
        std::uint64_t esz = delay ? 32 : 20;
        for (std::uint64_t i = 0; i < kMaxDescriptors; ++i) {
            spend(1, "PE import descriptors");
            std::uint32_t name =
                d.peek_at<std::uint32_t>(i * esz + (delay ? 4 : 12), "import DLL name");
            std::uint32_t names_rva =
                d.peek_at<std::uint32_t>(i * esz + (delay ? 16 : 0), "import name table");
            std::uint32_t iat =
                d.peek_at<std::uint32_t>(i * esz + (delay ? 12 : 16), "import address table");
            if (name == 0) return;
            std::uint64_t base = 0;
            if (delay && !(d.peek_at<std::uint32_t>(i * esz, "delay attributes") & 1))
                base = image_base_;  // old VA form
            std::string dll = string_at_rva(name - base, "import DLL name");
            hold(string_cost(dll.size()), "PE imported DLL names");
            (delay ? v_.delay_libraries : v_.libraries).push_back(dll);
            std::uint32_t table = names_rva ? names_rva : iat;
            if (!table) continue;
            ByteCursor thunks = at_rva(table - base, "import thunks");
            std::uint64_t tsz = pe32plus_ ? 8 : 4;
            for (std::uint64_t k = 0; k < kMaxThunks; ++k) {
                spend(1, "PE import thunks");
                std::uint64_t t = pe32plus_ ? thunks.peek_at<std::uint64_t>(k * tsz, "thunk")
                                            : thunks.peek_at<std::uint32_t>(k * tsz, "thunk");
                if (t == 0) break;
                bool ordinal = pe32plus_ ? (t >> 63) : (t >> 31);
                if (ordinal) continue;
                std::string sym = string_at_rva((t & 0x7fffffff) - base + 2, "import name");
                hold(2 * string_cost(sym.size()) + 8, "PE import names");
                v_.import_slots.emplace_back(sym, (iat ? iat - base : 0) + k * tsz);
                v_.imports.push_back(std::move(sym));
            }
        }
    }

    // Blocks of {page RVA, block size, u16 entries (type << 12 | offset)}; DIR64 = 10, HIGHLOW = 3.
    void base_relocs(std::uint32_t rva, std::uint32_t size) {
        ByteCursor all = at_rva(rva, "base relocations");
        ByteCursor r = all.sub(0, std::min<std::uint64_t>(size, all.size()), "base relocations");
        while (r.remaining() >= 8) {
            std::uint32_t page = r.read<std::uint32_t>("relocation page");
            std::uint32_t block = r.read<std::uint32_t>("relocation block size");
            if (block < 8) break;
            std::uint64_t n = (block - 8) / 2;
            for (std::uint64_t k = 0; k < n; ++k) {
                spend(1, "PE base relocations");
                std::uint16_t e = r.read<std::uint16_t>("relocation entry");
                int type = e >> 12;
                std::uint64_t where = page + (e & 0xfffu);
                if (type != 10 && type != 3) continue;
                auto b = v_.at(where, type == 10 ? 8 : 4);
                if (!b) continue;
                ByteCursor w(*b, std::endian::little);
                std::uint64_t va = type == 10 ? w.peek_at<std::uint64_t>(0, "relocated pointer")
                                              : w.peek_at<std::uint32_t>(0, "relocated pointer");
                if (v_.pointers.size() >= kMaxPointers) throw ParseError("relocation count", rva);
                hold(sizeof(v_.pointers[0]), "PE base relocations");
                v_.pointers.emplace_back(where, va - image_base_);
            }
        }
    }

    ByteCursor c_;
    bool pe32plus_ = true;
    std::uint64_t image_base_ = 0;
    BinaryView v_;
};

}  // namespace

BinaryView parse_pe(std::span<const std::byte> bytes) { return PeReader(bytes).read(); }

}  // namespace ftkit::binfmt

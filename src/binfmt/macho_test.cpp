// The Mach-O reader on 64-bit images laid out in the test: symbols, dylibs, sections, symbol stubs,
// rebase opcodes and chained fixups, universal (fat) files; every truncation fails cleanly.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "binfmt/binary_view.hpp"

namespace {

using ftkit::binfmt::parse_binary;
using ftkit::binfmt::parse_macho;

constexpr std::uint32_t kArm64 = 0x0100000c, kX8664 = 0x01000007;
// File layout: header and load commands, __TEXT's sections at 0x400, __DATA at 0x800 (its
// pointers at +0x10 and +0x18), then symbols, strings, the indirect table and fixups at 0xA00.
constexpr std::uint32_t kSymoff = 0xA00, kStroff = 0xA30, kIndirect = 0xA60, kFixups = 0xA80;
constexpr std::size_t kSize = 0xB00;

class MachOBuilder {
public:
    explicit MachOBuilder(bool chained = false, std::uint32_t cpu = kArm64)
        : file_(kSize), chained_(chained), cpu_(cpu) {}

    std::vector<std::byte> build() {
        put(0, 0xfeedfacf, 4);  // MH_MAGIC_64
        put(4, cpu_, 4);
        put(12, 8, 4);  // MH_BUNDLE
        std::uint64_t at = 32;
        std::uint32_t ncmds = 0;
        auto command = [&](std::uint32_t cmd, std::uint32_t size) {
            put(at, cmd, 4), put(at + 4, size, 4), ++ncmds;
            std::uint64_t here = at;
            at += size;
            return here;
        };
        std::uint64_t text = command(0x19, 72 + 2 * 80);  // LC_SEGMENT_64 __TEXT
        segment(text, "__TEXT", 0, 0x1000, 0, 0x800, 2);
        section(text + 72, "__text", "__TEXT", 0x400, 0x10, 0x400, 0x80000400, 0, 0);
        section(text + 152, "__stubs", "__TEXT", 0x410, 12, 0x410, 0x80000408, 0, 12);
        std::uint64_t data = command(0x19, 72 + 2 * 80);  // LC_SEGMENT_64 __DATA
        segment(data, "__DATA", 0x1000, 0x1000, 0x800, 0x200, 2);
        section(data + 72, "__data", "__DATA", 0x1000, 0x100, 0x800, 0, 0, 0);
        section(data + 152, "__bss", "__DATA", 0x1100, 0x100, 0, 1, 0, 0);  // S_ZEROFILL
        std::uint64_t symtab = command(0x2, 24);
        put(symtab + 8, kSymoff, 4), put(symtab + 12, 3, 4);
        put(symtab + 16, kStroff, 4), put(symtab + 20, 48, 4);
        std::uint64_t dysymtab = command(0xb, 80);
        put(dysymtab + 56, kIndirect, 4), put(dysymtab + 60, 1, 4);
        std::uint64_t dylib = command(0xc, 56);
        put(dylib + 8, 24, 4);
        str(dylib + 24, "/usr/lib/libSystem.B.dylib");
        if (chained_) {
            std::uint64_t fixups = command(0x80000034, 16);  // LC_DYLD_CHAINED_FIXUPS
            put(fixups + 8, kFixups, 4), put(fixups + 12, 0x80, 4);
            // dyld_chained_fixups_header.starts_offset -> starts_in_image {seg_count = 2,
            // seg_info_offset[2]} -> __DATA's starts_in_segment {size, page_size, pointer_format,
            // segment_offset, max_valid_pointer, page_count, page_start[1]}.
            put(kFixups + 4, 0x20, 4);
            put(kFixups + 0x20, 2, 4), put(kFixups + 0x24, 0, 4), put(kFixups + 0x28, 0x10, 4);
            put(kFixups + 0x30 + 4, 0x4000, 2);  // page_size
            put(kFixups + 0x30 + 6, 6, 2);       // DYLD_CHAINED_PTR_64_OFFSET
            put(kFixups + 0x30 + 20, 1, 2);      // page_count
            put(kFixups + 0x30 + 22, 0x10, 2);   // the chain starts at __DATA+0x10
            put(0x810, 0x1080 | 2ull << 51, 8);  // target 0x1080, next 2 * 4 bytes on
            put(0x818, 0x400, 8);                // target 0x400, end of chain
        } else {
            std::uint64_t info = command(0x80000022, 48);  // LC_DYLD_INFO_ONLY
            put(info + 8, kFixups, 4), put(info + 12, 4, 4);
            // SET_SEGMENT_AND_OFFSET_ULEB(1, 0x10), DO_REBASE_IMM_TIMES(2), DONE.
            put(kFixups, 0x21, 1), put(kFixups + 1, 0x10, 1), put(kFixups + 2, 0x52, 1);
            put(0x810, 0x1080, 8), put(0x818, 0x400, 8);
        }
        put(16, ncmds, 4), put(20, at - 32, 4);
        // nlist_64 {strx, type, sect, desc, value}: an export, an import, a local.
        symbol(0, 1, 0x0f), symbol(1, 13, 0x01), symbol(2, 39, 0x0e);
        std::memcpy(file_.data() + kStroff, "\0_PyInit_mod\0_PyUnstable_Module_SetGIL\0_local\0", 46);
        put(kIndirect, 1, 4);  // the one stub calls symbol 1
        return file_;
    }

private:
    void put(std::uint64_t off, std::uint64_t v, int size) {
        for (int i = 0; i < size; ++i) file_[off + i] = static_cast<std::byte>(v >> (8 * i));
    }
    void str(std::uint64_t off, const char* s) {
        std::memcpy(file_.data() + off, s, std::strlen(s));
    }
    void segment(std::uint64_t at, const char* name, std::uint64_t vmaddr, std::uint64_t vmsize,
                 std::uint64_t fileoff, std::uint64_t filesize, std::uint32_t nsects) {
        str(at + 8, name);
        put(at + 24, vmaddr, 8), put(at + 32, vmsize, 8);
        put(at + 40, fileoff, 8), put(at + 48, filesize, 8);
        put(at + 64, nsects, 4);
    }
    void section(std::uint64_t at, const char* sect, const char* seg, std::uint64_t addr,
                 std::uint64_t size, std::uint32_t offset, std::uint32_t flags,
                 std::uint32_t reserved1, std::uint32_t reserved2) {
        str(at, sect), str(at + 16, seg);
        put(at + 32, addr, 8), put(at + 40, size, 8), put(at + 48, offset, 4);
        put(at + 64, flags, 4), put(at + 68, reserved1, 4), put(at + 72, reserved2, 4);
    }
    void symbol(int i, std::uint32_t strx, std::uint8_t type) {
        put(kSymoff + 16 * i, strx, 4), put(kSymoff + 16 * i + 4, type, 1);
    }

    std::vector<std::byte> file_;
    bool chained_;
    std::uint32_t cpu_;
};

void expect_module(const ftkit::binfmt::BinaryView& v) {
    EXPECT_EQ(v.exports, std::vector<std::string>{"PyInit_mod"});
    EXPECT_EQ(v.imports, std::vector<std::string>{"PyUnstable_Module_SetGIL"});
    EXPECT_EQ(v.libraries, std::vector<std::string>{"/usr/lib/libSystem.B.dylib"});
    EXPECT_EQ(v.import_slots, (std::vector<std::pair<std::string, std::uint64_t>>{
                                  {"PyUnstable_Module_SetGIL", 0x410}}));  // the stub
    EXPECT_EQ(v.pointer_at(0x1010), std::optional<std::uint64_t>(0x1080));
    EXPECT_EQ(v.pointer_at(0x1018), std::optional<std::uint64_t>(0x400));
    ASSERT_EQ(v.sections.size(), 4u);
    EXPECT_EQ(v.sections[0].name, "__TEXT,__text");
    EXPECT_TRUE(v.sections[0].executable);
    EXPECT_FALSE(v.sections[2].executable);
    EXPECT_EQ(v.sections[3].name, "__DATA,__bss");
    EXPECT_EQ(v.sections[3].file_size, 0u);
}

TEST(MachO, RebaseOpcodes) {
    auto views = parse_macho(MachOBuilder().build());
    ASSERT_EQ(views.size(), 1u);
    EXPECT_EQ(views[0].arch, "arm64");
    EXPECT_EQ(views[0].bits, 64);
    expect_module(views[0]);
}

TEST(MachO, ChainedFixups) {
    auto views = parse_macho(MachOBuilder(/*chained=*/true).build());
    ASSERT_EQ(views.size(), 1u);
    expect_module(views[0]);
}

TEST(MachO, UniversalFileGivesOneViewPerSlice) {
    auto arm = MachOBuilder(false, kArm64).build(), x86 = MachOBuilder(true, kX8664).build();
    std::vector<std::byte> fat(0x1000);
    auto be32 = [&](std::size_t off, std::uint32_t v) {
        for (int i = 0; i < 4; ++i) fat[off + i] = static_cast<std::byte>(v >> (24 - 8 * i));
    };
    be32(0, 0xcafebabe), be32(4, 2);
    for (std::uint32_t i = 0; i < 2; ++i) {  // fat_arch {cputype, cpusubtype, offset, size, align}
        const auto& slice = i ? x86 : arm;
        be32(8 + 20 * i, i ? kX8664 : kArm64);
        be32(8 + 20 * i + 8, static_cast<std::uint32_t>(fat.size()));
        be32(8 + 20 * i + 12, static_cast<std::uint32_t>(slice.size()));
        fat.insert(fat.end(), slice.begin(), slice.end());
    }
    auto views = parse_binary(fat);
    ASSERT_EQ(views.size(), 2u);
    EXPECT_EQ(views[0].arch, "arm64");
    EXPECT_EQ(views[1].arch, "x86_64");
    for (const auto& v : views) expect_module(v);
}

TEST(MachO, EveryTruncationFailsCleanly) {
    for (bool chained : {false, true}) {
        auto bytes = MachOBuilder(chained).build();
        for (std::size_t cut = 0; cut < bytes.size(); cut += 5) {
            try {
                parse_macho(std::span<const std::byte>(bytes.data(), cut));
            } catch (const std::exception&) {  // ParseError: what was being read, and where
            }
        }
    }
    auto bad = MachOBuilder().build();
    bad[0] = std::byte{0};
    EXPECT_THROW(parse_macho(bad), std::exception);
}

}  // namespace

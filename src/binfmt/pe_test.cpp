// The PE reader on a PE32+ image laid out in the test: exports, imports with their IAT slots,
// delay-load DLLs, base relocations, sections; every truncation fails cleanly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "binfmt/binary_view.hpp"

namespace {

using ftkit::binfmt::parse_binary;
using ftkit::binfmt::parse_pe;

constexpr std::uint64_t kImageBase = 0x180000000;
constexpr std::uint32_t kData = 0x1000, kRaw = 0x400;  // .data's RVA and file offset

class PeBuilder {
public:
    PeBuilder() : file_(kRaw + 0x400) {}

    void put(std::uint64_t off, std::uint64_t v, int size) {
        for (int i = 0; i < size; ++i) file_[off + i] = static_cast<std::byte>(v >> (8 * i));
    }
    void put_rva(std::uint32_t rva, std::uint64_t v, int size) { put(kRaw + rva - kData, v, size); }
    void str_rva(std::uint32_t rva, const char* s) {
        std::memcpy(file_.data() + kRaw + rva - kData, s, std::strlen(s) + 1);
    }

    std::vector<std::byte> build(std::uint16_t machine = 0x8664) {
        put(0, 0x5A4D, 2);             // "MZ"
        put(0x3c, 0x40, 4);            // e_lfanew
        put(0x40, 0x00004550, 4);      // "PE\0\0"
        put(0x44, machine, 2);         // Machine
        put(0x46, 2, 2);               // NumberOfSections
        put(0x54, 240, 2);             // SizeOfOptionalHeader (PE32+ with 16 directories)
        const std::uint64_t opt = 0x58;
        put(opt, 0x20b, 2);            // PE32+
        put(opt + 24, kImageBase, 8);  // ImageBase
        put(opt + 108, 16, 4);         // NumberOfRvaAndSizes
        auto dir = [&](int i, std::uint32_t rva, std::uint32_t size) {
            put(opt + 112 + 8 * i, rva, 4);
            put(opt + 112 + 8 * i + 4, size, 4);
        };
        dir(0, 0x1000, 40);    // exports
        dir(1, 0x1100, 40);    // imports
        dir(5, 0x1300, 12);    // base relocations
        dir(13, 0x1200, 64);   // delay-load imports
        section(opt + 240, ".data", kData, 0x1000, 0x400, kRaw, 0xC0000040);
        section(opt + 280, ".text", 0x2000, 0x10, 0, 0, 0x60000020);  // no raw data

        // Export directory: one name, "PyInit_mod".
        put_rva(0x1000 + 24, 1, 4);
        put_rva(0x1000 + 32, 0x1040, 4);
        put_rva(0x1040, 0x1050, 4);
        str_rva(0x1050, "PyInit_mod");
        // Import descriptor {ILT, 0, 0, Name, IAT}, then the all-zero end.
        put_rva(0x1100, 0x1180, 4);
        put_rva(0x1100 + 12, 0x1160, 4);
        put_rva(0x1100 + 16, 0x11A0, 4);
        str_rva(0x1160, "python314t.dll");
        for (std::uint32_t table : {0x1180u, 0x11A0u}) {
            put_rva(table, 0x11C0, 8);
            put_rva(table + 8, 1ull << 63 | 7, 8);  // by ordinal: no name, skipped
            put_rva(table + 16, 0x11E0, 8);
        }
        str_rva(0x11C0 + 2, "PyModuleDef_Init");  // hint, then the name
        str_rva(0x11E0 + 2, "_Py_DecRefShared");
        // Delay-load descriptor {Attributes = 1 (RVAs), Name, hmod, IAT, INT, ...}.
        put_rva(0x1200, 1, 4);
        put_rva(0x1200 + 4, 0x1240, 4);
        str_rva(0x1240, "VCRUNTIME140_1.dll");
        // One DIR64 relocation: the pointer at 0x13F0 holds the VA of "PyInit_mod".
        put_rva(0x1300, kData + 0x300, 4);
        put_rva(0x1304, 12, 4);
        put_rva(0x1308, 10 << 12 | 0xF0, 2);
        put_rva(0x13F0, kImageBase + 0x1050, 8);
        return file_;
    }

private:
    void section(std::uint64_t at, const char* name, std::uint32_t rva, std::uint32_t vsize,
                 std::uint32_t raw_size, std::uint32_t raw, std::uint32_t characteristics) {
        std::memcpy(file_.data() + at, name, std::strlen(name));
        put(at + 8, vsize, 4);
        put(at + 12, rva, 4);
        put(at + 16, raw_size, 4);
        put(at + 20, raw, 4);
        put(at + 36, characteristics, 4);
    }

    std::vector<std::byte> file_;
};

TEST(Pe, ReadsExportsImportsDelayLoadsAndRelocations) {
    auto bytes = PeBuilder().build();
    auto v = parse_pe(bytes);
    EXPECT_EQ(v.arch, "x86_64");
    EXPECT_EQ(v.bits, 64);
    EXPECT_EQ(v.exports, std::vector<std::string>{"PyInit_mod"});
    EXPECT_EQ(v.libraries, std::vector<std::string>{"python314t.dll"});
    EXPECT_EQ(v.delay_libraries, std::vector<std::string>{"VCRUNTIME140_1.dll"});
    EXPECT_EQ(v.imports, (std::vector<std::string>{"PyModuleDef_Init", "_Py_DecRefShared"}));
    // IAT slots: the k-th thunk's slot, ordinals counted.
    EXPECT_EQ(v.import_slots, (std::vector<std::pair<std::string, std::uint64_t>>{
                                  {"PyModuleDef_Init", 0x11A0}, {"_Py_DecRefShared", 0x11B0}}));
    EXPECT_EQ(v.pointer_at(0x13F0), std::optional<std::uint64_t>(0x1050));
    ASSERT_EQ(v.sections.size(), 2u);
    EXPECT_EQ(v.sections[0].name, ".data");
    EXPECT_FALSE(v.sections[0].executable);
    EXPECT_TRUE(v.sections[1].executable);
    EXPECT_EQ(v.sections[1].file_size, 0u);  // all of .text is beyond its raw data
    EXPECT_EQ(parse_binary(bytes).size(), 1u);
}

TEST(Pe, MachineNames) {
    EXPECT_EQ(parse_pe(PeBuilder().build(0xaa64)).arch, "arm64");
    EXPECT_EQ(parse_pe(PeBuilder().build(0x1234)).arch, "pe-machine-4660");
}

TEST(Pe, EveryTruncationFailsCleanly) {
    auto bytes = PeBuilder().build();
    for (std::size_t cut = 0; cut < bytes.size(); cut += 7) {
        std::span<const std::byte> part(bytes.data(), cut);
        try {
            parse_pe(part);
        } catch (const std::exception&) {  // ParseError: what was being read, and where
        }
    }
    // A bad signature or optional-header magic is a ParseError, not a guess.
    auto bad = bytes;
    bad[0x58] = std::byte{0};
    EXPECT_THROW(parse_pe(bad), std::exception);
    bad = bytes;
    bad[0x41] = std::byte{'X'};
    EXPECT_THROW(parse_pe(bad), std::exception);
}

}  // namespace

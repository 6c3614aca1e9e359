// ELF reading on small ELF files built in the test, both byte orders.
#include <gtest/gtest.h>

#include <algorithm>

#include "binfmt/binary_view.hpp"
#include "binfmt/elf_test_builder.hpp"

using ftkit::testing::ElfBuilder;

TEST(Elf, ReadsSymbolsAndRelocationsInBothByteOrders) {
    for (bool be : {false, true}) {
        ElfBuilder b(be, be ? 21 : 62, be ? 22 : 8);  // ppc64 (big endian) and x86_64
        auto bytes = b.build({{2, 0}, {4, 1}});
        auto v = ftkit::binfmt::parse_elf(bytes);
        EXPECT_EQ(v.arch, be ? "ppc64" : "x86_64");
        EXPECT_EQ(v.big_endian, be);
        EXPECT_NE(std::find(v.imports.begin(), v.imports.end(), "PyModuleDef_Init"),
                  v.imports.end());
        EXPECT_NE(std::find(v.exports.begin(), v.exports.end(), "PyInit_mod"), v.exports.end());
        EXPECT_EQ(v.pointer_at(0x1048), 0x1080u);
        EXPECT_EQ(v.pointer_at(0x1088), 0x3000u);
    }
}

// The slot-array verdict of the audit on small ELF files built in the test, both byte orders.
#include <gtest/gtest.h>

#include <vector>

#include "audit/module_audit.hpp"
#include "binfmt/elf_test_builder.hpp"

using ftkit::testing::ElfBuilder;

namespace {

ftkit::audit::ModuleAudit audit(const std::vector<std::byte>& bytes) {
    auto out = ftkit::audit::audit_module(bytes, "mod.cpython-314t-x86_64-linux-gnu.so");
    EXPECT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].error, "");
    return out[0];
}

}  // namespace

TEST(ElfAudit, GilVerdictFromTheModuleDefSlots) {
    for (bool be : {false, true}) {
        ElfBuilder b(be, be ? 21 : 62, be ? 22 : 8);
        auto not_used = audit(b.build({{2, 0}, {4, 1}}));
        EXPECT_EQ(ftkit::audit::text(not_used.gil), "not-used");
        EXPECT_EQ(ftkit::audit::text(not_used.gil_confidence), "proven");
        EXPECT_EQ(ftkit::audit::text(not_used.init_style), "multi-phase");
        EXPECT_EQ(ftkit::audit::text(not_used.ft_abi), "free-threaded");
        ASSERT_EQ(not_used.slot_arrays.size(), 1u);
        EXPECT_TRUE(not_used.slot_arrays[0].from_module_def);
        EXPECT_EQ(ftkit::audit::text(audit(b.build({{2, 0}, {4, 0}})).gil), "used");
        EXPECT_EQ(ftkit::audit::text(audit(b.build({{2, 0}})).gil), "undeclared");
        EXPECT_EQ(audit(b.build({{2, 0}, {3, 2}, {4, 1}})).multiple_interpreters,
                  "per-interpreter-gil");
        // 3.15 numbering (Include/slots_generated.h): Py_mod_exec 85, Py_mod_gil 87.
        EXPECT_EQ(ftkit::audit::text(audit(b.build({{85, 0}, {87, 1}})).gil), "not-used");
    }
}

TEST(ElfAudit, ExecSlotWithoutRelocationIsNotASlotArray) {
    ElfBuilder b(false, 62, 8);
    // {2, 0x1234} with no relocation: a pointer-valued slot must be relocated, so this is data.
    auto m = audit(b.build({{2, 0x1234}, {4, 1}}, /*exec_reloc=*/false));
    EXPECT_NE(ftkit::audit::text(m.gil), "not-used");
}

TEST(ElfAudit, EveryTruncationAndCorruptionFailsCleanly) {
    ElfBuilder b(false, 62, 8);
    auto bytes = b.build({{2, 0}, {4, 1}});
    for (std::size_t cut = 0; cut < bytes.size(); cut += 7) {
        std::vector<std::byte> part(bytes.begin(),
                                    bytes.begin() + static_cast<std::ptrdiff_t>(cut));
        auto out = ftkit::audit::audit_module(part, "m.so");
        ASSERT_EQ(out.size(), 1u);
    }
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        auto copy = bytes;
        copy[i] ^= std::byte{0xff};
        ASSERT_EQ(ftkit::audit::audit_module(copy, "m.so").size(), 1u);
    }
}

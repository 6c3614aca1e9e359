// audit_file_bytes: one input's dispatch (wheel by name, else one binary) and which results it keeps.
#include "audit/audit_files.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using ftkit::audit::audit_file_bytes;

std::vector<std::byte> text(const std::string& s) {
    std::vector<std::byte> out;
    for (char c : s) out.push_back(static_cast<std::byte>(c));
    return out;
}

TEST(AuditFiles, AnUnreadableBinaryIsKeptAsAModuleWithItsError) {
    auto data = text(std::string(200, 'x'));
    auto f = audit_file_bytes(data, "dir/m.cpython-314t-x86_64-linux-gnu.so");
    EXPECT_EQ(f.kind, "binary");
    EXPECT_TRUE(f.error.empty());
    ASSERT_EQ(f.modules.size(), 1u);
    EXPECT_FALSE(f.modules[0].error.empty());
    EXPECT_EQ(f.modules[0].abi_tag, "cp314t");  // the name is still read
    EXPECT_FALSE(f.modules[0].gil.has_value());  // nothing decided about an unreadable file
    EXPECT_EQ(f.other_binaries, 0u);
}

TEST(AuditFiles, AWheelNameMeansAZipAndItsErrorIsTheInputs) {
    auto data = text(std::string(200, 'x'));
    auto f = audit_file_bytes(data, "x-1.0-cp314-cp314t-linux_x86_64.whl");
    EXPECT_EQ(f.kind, "wheel");
    EXPECT_NE(f.error.find("end of central directory"), std::string::npos) << f.error;
    EXPECT_TRUE(f.modules.empty());
}

}  // namespace

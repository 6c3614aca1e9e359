// ABI and platform tags from extension file names.
#include <gtest/gtest.h>

#include "audit/module_audit.hpp"

namespace {
std::pair<std::string, std::string> tags(const std::string& name) {
    ftkit::audit::ModuleAudit m;
    ftkit::audit::parse_abi_tag(name, m);
    return {m.abi_tag, m.platform_tag};
}
}  // namespace

TEST(AbiTag, FromFileNames) {
    EXPECT_EQ(tags("pkg/_core.cpython-314t-x86_64-linux-gnu.so"),
              std::make_pair(std::string("cp314t"), std::string("x86_64-linux-gnu")));
    EXPECT_EQ(tags("w.whl!pkg/_core.cpython-313-darwin.so").first, "cp313");
    EXPECT_EQ(tags("pkg\\_core.cp314t-win_amd64.pyd"),
              std::make_pair(std::string("cp314t"), std::string("win_amd64")));
    EXPECT_EQ(tags("_core.cp313-win_arm64.pyd").first, "cp313");
    EXPECT_EQ(tags("_core.abi3.so").first, "abi3");
    EXPECT_EQ(tags("_core.abi3t.so").first, "abi3t");
    EXPECT_EQ(tags("_core.so").first, "");
    EXPECT_EQ(tags("_core.pyd").first, "");
}

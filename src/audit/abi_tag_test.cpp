// ABI and platform tags from extension file names.
#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <string>
#include <vector>

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

TEST(AbiTag, DebugAndPlatformForms) {
    EXPECT_EQ(tags("m.cpython-313d-x86_64-linux-gnu.so").first, "cp313");
    EXPECT_EQ(tags("m.cpython-314td-darwin.dylib").first, "cp314t");
    EXPECT_EQ(tags("m.cpython-3-x86_64-linux-gnu.so").first, "");    // one digit is no version
    EXPECT_EQ(tags("m.cpython-314t-.so").first, "");                 // empty platform
    EXPECT_EQ(tags("m.cpython-314t-x86.64.so").first, "");           // '.' is not in a platform
    EXPECT_EQ(tags("m.cp314t-win_amd64.so").first, "");              // Windows form needs .pyd
    EXPECT_EQ(tags("m.cp314t-linux.pyd").first, "");                 // unknown Windows platform
    EXPECT_EQ(tags(".so").first, "");
    EXPECT_EQ(tags("abi3.so").first, "");                            // no module name before it
    EXPECT_EQ(tags("dir.abi3.so/m.so").first, "");                   // only the base name counts
}

// Issue 12: a ~60 KB wheel entry name ending in an ABI tag overflowed the stack in std::regex.
TEST(AbiTag, HugeNamesAreParsedInLinearTime) {
    std::string name(60'000, 'a');
    EXPECT_EQ(tags(name + ".cpython-314t-x86_64-linux-gnu.so").first, "cp314t");
    std::string platform(1'000'000, 'x');
    EXPECT_EQ(tags("m.cpython-314t-" + platform + ".so").second, platform);
    std::string digits(1'000'000, '3');
    EXPECT_EQ(tags("m.cp" + digits + "-win32.pyd").first, "cp" + digits);
    EXPECT_EQ(tags(std::string(1'000'000, '.')).first, "");
}

// The parser agrees with the regular expressions it replaced on many short names built from
// the pieces that matter (run here only on trusted, short input).
TEST(AbiTag, AgreesWithTheRegexItReplaced) {
    static const std::regex cpython(
        R"(\.cpython-(\d)(\d+)(t?)(d?)-([A-Za-z0-9_\-]+)\.(so|dylib)$)");
    static const std::regex windows(R"(\.cp(\d)(\d+)(t?)-(win32|win_amd64|win_arm64)\.pyd$)");
    static const std::regex stable(R"(\.(abi3t?)\.(so|dylib)$)");
    auto reference = [&](const std::string& filename) {
        std::string base = filename.substr(filename.find_last_of("/\\!") == std::string::npos
                                               ? 0
                                               : filename.find_last_of("/\\!") + 1);
        std::smatch m;
        if (std::regex_search(base, m, cpython))
            return std::make_pair("cp" + m[1].str() + m[2].str() + m[3].str(), m[5].str());
        if (std::regex_search(base, m, windows))
            return std::make_pair("cp" + m[1].str() + m[2].str() + m[3].str(), m[4].str());
        if (std::regex_search(base, m, stable)) return std::make_pair(m[1].str(), std::string());
        return std::make_pair(std::string(), std::string());
    };
    // name = prefix "." head digits [t] [d] ["-" platform] "." ext, each part sometimes wrong.
    const std::vector<std::string> prefixes = {"m", "a.b", "d/m", "w.whl!p/m", "", "p\\m", "x."};
    const std::vector<std::string> heads = {"cpython-", "cp", "abi3", "abi3t", "cpython", "py", ""};
    const std::vector<std::string> platforms = {"x86_64-linux-gnu", "darwin", "win32",
                                                "win_amd64", "win_arm64", "", "a.b", "é", "x y",
                                                "-", "_"};
    const std::vector<std::string> exts = {"so", "dylib", "pyd", "py", "", "so.1"};
    std::mt19937 rng(12);
    auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
    int tagged = 0;
    for (int i = 0; i < 100'000; ++i) {
        std::string name = pick(prefixes) + "." + pick(heads);
        name += std::string(rng() % 4, static_cast<char>('1' + rng() % 9));
        if (rng() % 2) name += "t";
        if (rng() % 3 == 0) name += "d";
        if (rng() % 4) name += "-" + pick(platforms);
        name += "." + pick(exts);
        auto expected = reference(name);
        ASSERT_EQ(tags(name), expected) << name;
        tagged += !expected.first.empty();
    }
    EXPECT_GT(tagged, 1000);  // the generator reaches the tagged forms, not only rejections
}

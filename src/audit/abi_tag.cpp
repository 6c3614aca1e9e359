// ABI and platform tags from an extension's file name (PEP 3149 and Windows' .cpXY-PLAT.pyd).
//
// A hand-written parser, not std::regex: names come from untrusted wheels, and libstdc++'s regex
// recurses per character (a 60 KB entry name overflowed the stack, issue 12). This reads the last
// two dot-separated parts of the name once, in linear time with no recursion. Accepted forms:
//   NAME.cpython-<major><minor>[t][d]-<platform>.so|.dylib   (platform: [A-Za-z0-9_-]+)
//   NAME.cp<major><minor>[t]-win32|win_amd64|win_arm64.pyd
//   NAME.abi3.so|.dylib, NAME.abi3t.so|.dylib
#include <cctype>
#include <string_view>

#include "audit/module_audit.hpp"

namespace ftkit::audit {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_platform_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

// "<major><minor>[t]" then the rest after it; major is one digit, minor at least one.
struct Version {
    std::string tag;  // "cp" + digits + optional "t"
    std::string_view rest;
};

bool read_version(std::string_view s, Version& out) {
    std::size_t digits = 0;
    while (digits < s.size() && is_digit(s[digits])) ++digits;
    if (digits < 2) return false;
    std::size_t k = digits;
    bool t = k < s.size() && s[k] == 't';
    if (t) ++k;
    out.tag = "cp" + std::string(s.substr(0, digits)) + (t ? "t" : "");
    out.rest = s.substr(k);
    return true;
}

void parse_cpython(std::string_view part, ModuleAudit& out) {  // part: "cpython-314t-x86_64-..."
    Version v;
    if (part.substr(0, 8) != "cpython-" || !read_version(part.substr(8), v)) return;
    std::string_view rest = v.rest;
    if (!rest.empty() && rest[0] == 'd') rest.remove_prefix(1);  // debug build
    if (rest.size() < 2 || rest[0] != '-') return;
    std::string_view platform = rest.substr(1);
    for (char c : platform)
        if (!is_platform_char(c)) return;
    out.abi_tag = v.tag;
    out.platform_tag = std::string(platform);
}

void parse_windows(std::string_view part, ModuleAudit& out) {  // part: "cp314t-win_amd64"
    Version v;
    if (part.substr(0, 2) != "cp" || !read_version(part.substr(2), v)) return;
    std::string_view rest = v.rest;
    if (rest.empty() || rest[0] != '-') return;
    std::string_view platform = rest.substr(1);
    if (platform != "win32" && platform != "win_amd64" && platform != "win_arm64") return;
    out.abi_tag = v.tag;
    out.platform_tag = std::string(platform);
}

}  // namespace

void parse_abi_tag(const std::string& filename, ModuleAudit& out) {
    std::string_view base(filename);
    if (auto sep = base.find_last_of("/\\!"); sep != std::string_view::npos)
        base.remove_prefix(sep + 1);
    std::size_t last = base.rfind('.');
    if (last == std::string_view::npos || last == 0) return;
    std::size_t before = base.rfind('.', last - 1);
    if (before == std::string_view::npos) return;
    std::string_view ext = base.substr(last + 1);
    std::string_view part = base.substr(before + 1, last - before - 1);
    if (ext == "so" || ext == "dylib") {
        if (part == "abi3" || part == "abi3t")
            out.abi_tag = std::string(part);
        else
            parse_cpython(part, out);
    } else if (ext == "pyd") {
        parse_windows(part, out);
    }
}

}  // namespace ftkit::audit

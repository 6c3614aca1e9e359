// ABI and platform tags from an extension's file name (PEP 3149 and Windows' .cpXY-PLAT.pyd).
#include <regex>

#include "audit/module_audit.hpp"

namespace ftkit::audit {

void parse_abi_tag(const std::string& filename, ModuleAudit& out) {
    std::string base = filename.substr(
        filename.find_last_of("/\\!") == std::string::npos ? 0 : filename.find_last_of("/\\!") + 1);
    static const std::regex cpython(
        R"(\.cpython-(\d)(\d+)(t?)(d?)-([A-Za-z0-9_\-]+)\.(so|dylib)$)");
    static const std::regex windows(R"(\.cp(\d)(\d+)(t?)-(win32|win_amd64|win_arm64)\.pyd$)");
    static const std::regex stable(R"(\.(abi3t?)\.(so|dylib)$)");
    std::smatch m;
    if (std::regex_search(base, m, cpython)) {
        out.abi_tag = "cp" + m[1].str() + m[2].str() + m[3].str();
        out.platform_tag = m[5].str();
    } else if (std::regex_search(base, m, windows)) {
        out.abi_tag = "cp" + m[1].str() + m[2].str() + m[3].str();
        out.platform_tag = m[4].str();
    } else if (std::regex_search(base, m, stable)) {
        out.abi_tag = m[1].str();
    }
}

}  // namespace ftkit::audit

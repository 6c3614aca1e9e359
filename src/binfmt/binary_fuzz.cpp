// libFuzzer target: bytes in, every executable-format reader and the audit engine over them.
#include <cstddef>
#include <cstdint>

#include "audit/module_audit.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    // audit_module parses (ELF, Mach-O thin/fat, PE by magic) and runs every rule; it never
    // throws, so any escape or sanitizer report is a bug. The names pick the ABI-tag parser paths.
    ftkit::audit::audit_module(bytes, "m.cpython-314t-x86_64-linux-gnu.so");
    if (size > 0 && (data[0] & 1)) ftkit::audit::audit_module(bytes, "m.cp314t-win_amd64.pyd");
    return 0;
}

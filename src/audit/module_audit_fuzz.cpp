// libFuzzer target: a file name and bytes in, audit_module over them: every reader, every rule, and
// the ABI-tag parser on the name (which a fixed name never fuzzed: issue 12's 60 KB name).
// Input layout: u16 little-endian name length, the name, then the file's bytes
// (tests/audit_support/fuzz.py writes seeds this way).
#include <cstddef>
#include <cstdint>
#include <string>

#include "audit/module_audit.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::size_t name_len = size >= 2 ? (data[0] | data[1] << 8) : 0;
    std::size_t head = size >= 2 ? 2 : size;
    if (name_len > size - head) name_len = size - head;
    std::string name(reinterpret_cast<const char*>(data + head), name_len);
    std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data + head + name_len),
                                     size - head - name_len);
    // audit_module never throws: any escape, crash or sanitizer report is a bug.
    ftkit::audit::audit_module(bytes, name);
    return 0;
}

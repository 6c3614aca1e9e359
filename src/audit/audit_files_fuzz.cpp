// libFuzzer target: bytes in as a wheel; the zip reader, the entry names (they name the modules and
// carry their ABI tags), every entry's inflate, and the audit of each module, over two threads
// (the memory gate and per-module budgets are shared state).
#include <cstddef>
#include <cstdint>

#include "audit/audit_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    ftkit::audit::audit_wheel_bytes(bytes, "fuzz.whl", 2);  // never throws; errors land in .error
    return 0;
}

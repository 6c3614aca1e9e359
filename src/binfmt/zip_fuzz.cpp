// libFuzzer target: bytes in as a zip; the central directory, every entry's inflate and CRC check,
// and the unsafe-name scan. Formats only: the wheel audit is fuzzed in src/audit/.
#include <cstddef>
#include <cstdint>

#include "binfmt/zip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    try {
        ftkit::binfmt::ZipArchive zip(bytes);
        zip.unsafe_names();
        for (const auto& e : zip.entries()) {
            try {
                zip.read(e);
            } catch (const std::exception&) {
                // a corrupt or hostile entry: the next one is still read
            }
        }
    } catch (const std::exception&) {
        // ParseError: the documented outcome of a bad archive.
    }
    return 0;
}

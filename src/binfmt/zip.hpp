// In-memory, bounded zip reader for wheels: list entries, inflate one entry, never touch disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ftkit::binfmt {

struct ZipEntry {
    std::string name;
    std::uint16_t method = 0;  // 0 stored, 8 deflate
    std::uint32_t crc32 = 0;
    std::uint64_t compressed_size = 0;
    std::uint64_t uncompressed_size = 0;
    std::uint64_t local_header_offset = 0;
    std::uint64_t data_offset = 0;  // where the compressed bytes start (after the local header)
};

/// Limits that make hostile archives (bombs, huge entry counts) an error instead of a hang.
struct ZipLimits {
    std::uint64_t max_entries = 500'000;
    std::uint64_t max_entry_size = 1ull << 30;  // 1 GiB uncompressed per entry
    std::uint64_t max_ratio = 1000;             // uncompressed/compressed beyond this is a bomb
};

/// A zip archive held in memory. The constructor reads and validates the central directory:
/// it throws ParseError if an entry's data lies outside the file or overlaps another's
/// (the overlapping-entries zip bomb), or if there are more entries than the limit.
class ZipArchive {
public:
    explicit ZipArchive(std::span<const std::byte> bytes, ZipLimits limits = {});
    const std::vector<ZipEntry>& entries() const noexcept { return entries_; }
    /// The entry's uncompressed bytes; ParseError if corrupt, over a limit, or the CRC differs.
    std::vector<std::byte> read(const ZipEntry& e) const;
    /// Names that would escape an extraction directory ("..", absolute paths, backslashes).
    std::vector<std::string> unsafe_names() const;

private:
    std::span<const std::byte> bytes_;
    ZipLimits limits_;
    std::vector<ZipEntry> entries_;
};

}  // namespace ftkit::binfmt

// Zip reading per PKWARE APPNOTE 6.3: end record, ZIP64 end record, central directory, local
// headers.
#include "binfmt/zip.hpp"

#include <zlib.h>

#include <algorithm>

#include "binfmt/budget.hpp"
#include "binfmt/byte_cursor.hpp"

namespace ftkit::binfmt {
namespace {

constexpr std::uint32_t kEocdSig = 0x06054b50, kZip64EocdSig = 0x06064b50,
                        kZip64LocatorSig = 0x07064b50, kCentralSig = 0x02014b50,
                        kLocalSig = 0x04034b50;

// Apply the ZIP64 extended-information extra field (id 1) to the fields saturated at 0xffffffff.
void apply_zip64_extra(ByteCursor extra, ZipEntry& e, bool usize, bool csize, bool offset) {
    while (extra.remaining() >= 4) {
        std::uint16_t id = extra.read<std::uint16_t>("extra field id");
        std::uint16_t len = extra.read<std::uint16_t>("extra field size");
        ByteCursor field = extra.sub(extra.position(), len, "extra field");
        extra.skip(len, "extra field");
        if (id != 1) continue;
        if (usize) e.uncompressed_size = field.read<std::uint64_t>("zip64 uncompressed size");
        if (csize) e.compressed_size = field.read<std::uint64_t>("zip64 compressed size");
        if (offset) e.local_header_offset = field.read<std::uint64_t>("zip64 local header offset");
        return;
    }
}

}  // namespace

ZipArchive::ZipArchive(std::span<const std::byte> bytes, ZipLimits limits)
    : bytes_(bytes), limits_(limits) {
    ByteCursor c(bytes, std::endian::little);
    if (bytes.size() < 22) throw ParseError("zip end of central directory (file too short)", 0);
    // The end record sits in the last 22 + 65535 (maximum comment) bytes.
    std::uint64_t lowest = bytes.size() > 22 + 65535 ? bytes.size() - 22 - 65535 : 0;
    std::uint64_t eocd = bytes.size() - 22;
    while (c.peek_at<std::uint32_t>(eocd, "end of central directory") != kEocdSig) {
        if (eocd == lowest)
            throw ParseError("zip end of central directory signature", bytes.size());
        --eocd;
    }
    std::uint64_t count = c.peek_at<std::uint16_t>(eocd + 10, "entry count");
    std::uint64_t cd_size = c.peek_at<std::uint32_t>(eocd + 12, "central directory size");
    std::uint64_t cd_offset = c.peek_at<std::uint32_t>(eocd + 16, "central directory offset");
    if ((count == 0xffff || cd_size == 0xffffffff || cd_offset == 0xffffffff) && eocd >= 20 &&
        c.peek_at<std::uint32_t>(eocd - 20, "zip64 locator") == kZip64LocatorSig) {
        std::uint64_t z = c.peek_at<std::uint64_t>(eocd - 20 + 8, "zip64 end record offset");
        if (c.peek_at<std::uint32_t>(z, "zip64 end record") != kZip64EocdSig)
            throw ParseError("zip64 end record signature", z);
        count = c.peek_at<std::uint64_t>(z + 32, "zip64 entry count");
        cd_size = c.peek_at<std::uint64_t>(z + 40, "zip64 central directory size");
        cd_offset = c.peek_at<std::uint64_t>(z + 48, "zip64 central directory offset");
    }
    if (count > limits_.max_entries)
        throw ParseError("zip entry count (" + std::to_string(count) + " is over the limit)", eocd);
    // Every central record is at least 46 bytes: a count the directory cannot hold is a lie.
    if (count > cd_size / 46 + 1)
        throw ParseError("zip entry count (larger than the central directory)", eocd);
    ByteCursor cd = c.sub(cd_offset, cd_size, "zip central directory");

    for (std::uint64_t i = 0; i < count; ++i) {
        if (cd.read<std::uint32_t>("central directory signature") != kCentralSig)
            throw ParseError("central directory signature", cd_offset + cd.position() - 4);
        cd.skip(6, "central header");  // versions, flags
        ZipEntry e;
        e.method = cd.read<std::uint16_t>("compression method");
        cd.skip(4, "modification time");
        e.crc32 = cd.read<std::uint32_t>("crc32");
        e.compressed_size = cd.read<std::uint32_t>("compressed size");
        e.uncompressed_size = cd.read<std::uint32_t>("uncompressed size");
        std::uint16_t name_len = cd.read<std::uint16_t>("name length");
        std::uint16_t extra_len = cd.read<std::uint16_t>("extra length");
        std::uint16_t comment_len = cd.read<std::uint16_t>("comment length");
        cd.skip(8, "disk number and attributes");
        e.local_header_offset = cd.read<std::uint32_t>("local header offset");
        auto name = cd.range(cd.position(), name_len, "entry name");
        e.name.assign(reinterpret_cast<const char*>(name.data()), name.size());
        cd.skip(name_len, "entry name");
        apply_zip64_extra(cd.sub(cd.position(), extra_len, "extra fields"), e,
                          e.uncompressed_size == 0xffffffff, e.compressed_size == 0xffffffff,
                          e.local_header_offset == 0xffffffff);
        cd.skip(std::uint64_t{extra_len} + comment_len, "extra and comment");

        ByteCursor local = c.sub(e.local_header_offset, 30, "local file header");
        if (local.read<std::uint32_t>("local header signature") != kLocalSig)
            throw ParseError("local header signature of " + e.name, e.local_header_offset);
        std::uint64_t lname = local.peek_at<std::uint16_t>(26, "local name length");
        std::uint64_t lextra = local.peek_at<std::uint16_t>(28, "local extra length");
        e.data_offset =
            checked_add(e.local_header_offset, 30 + lname + lextra, "entry data offset");
        c.range(e.data_offset, e.compressed_size, "data of " + e.name);
        entries_.push_back(std::move(e));
    }

    // Entries whose byte ranges overlap are how non-recursive zip bombs multiply their output.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
    for (const auto& e : entries_)
        spans.emplace_back(e.local_header_offset, e.data_offset + e.compressed_size);
    std::sort(spans.begin(), spans.end());
    for (std::size_t i = 1; i < spans.size(); ++i)
        if (spans[i].first < spans[i - 1].second)
            throw ParseError("zip entries (two entries overlap)", spans[i].first);
}

std::vector<std::byte> ZipArchive::read(const ZipEntry& e) const {
    if (e.uncompressed_size > limits_.max_entry_size)
        throw ParseError("zip entry " + e.name + " (uncompressed size over the limit)",
                         e.local_header_offset);
    if (e.compressed_size > 0 && e.uncompressed_size / e.compressed_size > limits_.max_ratio)
        throw ParseError("zip entry " + e.name + " (compression ratio of a zip bomb)",
                         e.local_header_offset);
    ByteCursor c(bytes_, std::endian::little);
    auto in = c.range(e.data_offset, e.compressed_size, "data of " + e.name);
    // The output grows as inflate produces it, never to the declared size up front: a header may
    // declare 1 GiB over a stream that yields a few bytes.
    std::vector<std::byte> out;
    const std::uint64_t declared = e.uncompressed_size;
    if (e.method == 0) {
        if (e.compressed_size != e.uncompressed_size)
            throw ParseError("stored entry size of " + e.name, e.data_offset);
        out.assign(in.begin(), in.end());
    } else if (e.method == 8) {
        z_stream zs{};
        if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
            throw ParseError("zlib initialisation", e.data_offset);
        std::uint64_t produced = 0;
        int rc = Z_OK;
        std::uint64_t in_pos = 0;
        // Feed and drain in chunks below 4 GiB: z_stream counts in uInt.
        constexpr std::uint64_t kChunk = 1u << 30;
        constexpr std::uint64_t kOutChunk = 16u << 20;  // so a cancellation is noticed within one
        while (rc == Z_OK) {
            if (zs.avail_in == 0 && in_pos < in.size()) {
                std::uint64_t n = std::min<std::uint64_t>(kChunk, in.size() - in_pos);
                zs.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data() + in_pos));
                zs.avail_in = static_cast<uInt>(n);
                in_pos += n;
            }
            check_cancelled();
            if (produced == out.size() && out.size() < declared)
                out.resize(static_cast<std::size_t>(
                    std::min<std::uint64_t>(declared, std::max<std::uint64_t>(2 * out.size(), 1u << 16))));
            // Output is capped at the declared size: a stream that wants more is corrupt.
            std::uint64_t room = std::min<std::uint64_t>(kOutChunk, out.size() - produced);
            unsigned char probe;
            zs.next_out = room ? reinterpret_cast<Bytef*>(out.data() + produced) : &probe;
            zs.avail_out = room ? static_cast<uInt>(room) : 1;
            rc = inflate(&zs, Z_NO_FLUSH);
            if (!room && zs.avail_out == 0) rc = Z_DATA_ERROR;  // more data than declared
            produced += room - (room ? zs.avail_out : 0);
            if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in_pos >= in.size())
                break;  // input ended early
            if (rc == Z_BUF_ERROR) rc = Z_OK;
        }
        inflateEnd(&zs);
        if (rc != Z_STREAM_END || produced != declared)
            throw ParseError("deflate stream of " + e.name + " (corrupt or size mismatch)",
                             e.data_offset);
    } else {
        throw ParseError("zip entry " + e.name + " (compression method " +
                             std::to_string(e.method) + " unsupported)",
                         e.local_header_offset);
    }
    uLong crc = crc32_z(0L, reinterpret_cast<const Bytef*>(out.data()), out.size());
    if (crc != e.crc32) throw ParseError("zip entry " + e.name + " (CRC mismatch)", e.data_offset);
    return out;
}

std::vector<std::string> ZipArchive::unsafe_names() const {
    std::vector<std::string> out;
    for (const auto& e : entries_) {
        const std::string& n = e.name;
        bool bad = n.empty() || n[0] == '/' || n.find('\\') != std::string::npos || n == ".." ||
                   n.rfind("../", 0) == 0 || n.find("/../") != std::string::npos ||
                   (n.size() >= 3 && n.compare(n.size() - 3, 3, "/..") == 0) ||
                   (n.size() >= 2 && n[1] == ':') || n.find('\0') != std::string::npos;
        if (bad) out.push_back(n);
    }
    return out;
}

}  // namespace ftkit::binfmt

// The zip reader on archives built byte by byte: valid, stored and deflated, and hostile ones.
#include "binfmt/zip.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "binfmt/byte_cursor.hpp"

using ftkit::binfmt::ParseError;
using ftkit::binfmt::ZipArchive;

namespace {

struct Builder {
    std::vector<std::byte> out, central;
    int count = 0;

    void u16(std::vector<std::byte>& v, unsigned x) {
        v.push_back(std::byte(x & 0xff));
        v.push_back(std::byte(x >> 8));
    }
    void u32(std::vector<std::byte>& v, std::uint32_t x) {
        u16(v, x & 0xffff);
        u16(v, x >> 16);
    }
    void str(std::vector<std::byte>& v, const std::string& s) {
        for (char c : s) v.push_back(std::byte(c));
    }

    // Adds an entry; compress=true compresses with zlib's raw deflate. Returns the local header
    // offset.
    std::uint32_t add(const std::string& name, const std::string& data, bool compress,
                      std::uint32_t claimed_size = 0, std::int64_t local_offset_override = -1) {
        std::string payload = data;
        if (compress) {
            z_stream zs{};
            deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
            payload.resize(deflateBound(&zs, data.size()));
            zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
            zs.avail_in = static_cast<uInt>(data.size());
            zs.next_out = reinterpret_cast<Bytef*>(payload.data());
            zs.avail_out = static_cast<uInt>(payload.size());
            ::deflate(&zs, Z_FINISH);
            payload.resize(zs.total_out);
            deflateEnd(&zs);
        }
        std::uint32_t crc =
            crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
        std::uint32_t offset = static_cast<std::uint32_t>(out.size());
        u32(out, 0x04034b50);
        u16(out, 20);
        u16(out, 0);
        u16(out, compress ? 8 : 0);
        u32(out, 0);
        u32(out, crc);
        u32(out, static_cast<std::uint32_t>(payload.size()));
        u32(out, static_cast<std::uint32_t>(data.size()));
        u16(out, static_cast<unsigned>(name.size()));
        u16(out, 0);
        str(out, name);
        str(out, payload);
        u32(central, 0x02014b50);
        u16(central, 20);
        u16(central, 20);
        u16(central, 0);
        u16(central, compress ? 8 : 0);
        u32(central, 0);
        u32(central, crc);
        u32(central, static_cast<std::uint32_t>(payload.size()));
        u32(central, claimed_size ? claimed_size : static_cast<std::uint32_t>(data.size()));
        u16(central, static_cast<unsigned>(name.size()));
        u16(central, 0);
        u16(central, 0);
        u16(central, 0);
        u16(central, 0);
        u32(central, 0);
        u32(central, local_offset_override >= 0 ? static_cast<std::uint32_t>(local_offset_override)
                                                : offset);
        str(central, name);
        ++count;
        return offset;
    }

    std::vector<std::byte> finish(int claimed_count = -1) {
        std::vector<std::byte> all = out;
        std::uint32_t cd_offset = static_cast<std::uint32_t>(all.size());
        all.insert(all.end(), central.begin(), central.end());
        unsigned n = claimed_count >= 0 ? static_cast<unsigned>(claimed_count)
                                        : static_cast<unsigned>(count);
        u32(all, 0x06054b50);
        u16(all, 0);
        u16(all, 0);
        u16(all, n);
        u16(all, n);
        u32(all, static_cast<std::uint32_t>(central.size()));
        u32(all, cd_offset);
        u16(all, 0);
        return all;
    }
};

std::string text(const std::vector<std::byte>& b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace

TEST(Zip, ReadsStoredAndDeflatedEntries) {
    Builder b;
    b.add("pkg-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n", false);
    b.add("pkg/mod.so", std::string(5000, 'x') + "end", true);
    auto bytes = b.finish();
    ZipArchive zip(bytes);
    ASSERT_EQ(zip.entries().size(), 2u);
    EXPECT_EQ(text(zip.read(zip.entries()[0])), "Wheel-Version: 1.0\n");
    EXPECT_EQ(text(zip.read(zip.entries()[1])), std::string(5000, 'x') + "end");
    EXPECT_TRUE(zip.unsafe_names().empty());
}

TEST(Zip, BombByRatioIsRefusedBeforeInflating) {
    Builder b;
    b.add("bomb.so", std::string(4'000'000, '\0'), true);
    auto bytes = b.finish();
    ZipArchive zip(bytes);
    EXPECT_THROW(zip.read(zip.entries()[0]), ParseError);
}

TEST(Zip, DeclaredSizeSmallerThanStreamIsAnError) {
    Builder b;
    b.add("m.so", std::string(3000, 'y') + "tail", true, /*claimed_size=*/100);
    auto bytes = b.finish();
    ZipArchive zip(bytes);
    EXPECT_THROW(zip.read(zip.entries()[0]), ParseError);
}

TEST(Zip, OverlappingEntriesAreRefused) {
    Builder b;
    std::uint32_t first = b.add("a.so", "AAAA", false);
    b.add("b.so", "BBBB", false, 0, first);
    auto bytes = b.finish();
    EXPECT_THROW(ZipArchive zip(bytes), ParseError);
}

TEST(Zip, EntryCountTheDirectoryCannotHoldIsRefused) {
    Builder b;
    b.add("a.so", "A", false);
    auto bytes = b.finish(60000);
    EXPECT_THROW(ZipArchive zip(bytes), ParseError);
}

TEST(Zip, UnsafeNamesAreListed) {
    Builder b;
    b.add("../up.py", "", false);
    b.add("/abs.py", "", false);
    b.add("a/../../b", "", false);
    b.add("ok/dir/file.py", "", false);
    auto bytes = b.finish();
    EXPECT_EQ(ZipArchive(bytes).unsafe_names().size(), 3u);
}

TEST(Zip, EveryTruncationIsAParseError) {
    Builder b;
    b.add("pkg/mod.so", std::string(300, 'z'), true);
    auto bytes = b.finish();
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
        std::vector<std::byte> part(bytes.begin(),
                                    bytes.begin() + static_cast<std::ptrdiff_t>(cut));
        EXPECT_THROW(
            {
                ZipArchive zip(part);
                for (auto& e : zip.entries()) zip.read(e);
            },
            ParseError)
            << cut;
    }
}

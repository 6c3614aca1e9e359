// ByteCursor must refuse every read that leaves its buffer, whatever the offsets add up to.
#include "binfmt/byte_cursor.hpp"

#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <vector>

using ftkit::binfmt::ByteCursor;
using ftkit::binfmt::ParseError;

namespace {

std::vector<std::byte> bytes(std::initializer_list<int> values) {
    std::vector<std::byte> out;
    for (int v : values) out.push_back(static_cast<std::byte>(v));
    return out;
}

constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();

}  // namespace

TEST(ByteCursor, ReadsLittleAndBigEndianAndAdvances) {
    auto data = bytes({0x01, 0x02, 0x03, 0x04, 0x05, 0x06});
    ByteCursor le(data, std::endian::little);
    EXPECT_EQ(le.read<std::uint16_t>("u16"), 0x0201);
    EXPECT_EQ(le.read<std::uint32_t>("u32"), 0x06050403u);
    EXPECT_EQ(le.remaining(), 0u);

    ByteCursor be(data, std::endian::big);
    EXPECT_EQ(be.read<std::uint16_t>("u16"), 0x0102);
    EXPECT_EQ(be.peek_at<std::uint32_t>(2, "u32"), 0x03040506u);
    EXPECT_EQ(be.position(), 2u);
}

TEST(ByteCursor, ReadPastEndThrowsWithOffsetAndWhat) {
    auto data = bytes({0x01, 0x02, 0x03});
    ByteCursor c(data);
    c.skip(2, "padding");
    try {
        c.read<std::uint32_t>("section count");
        FAIL() << "read past the end did not throw";
    } catch (const ParseError& e) {
        EXPECT_EQ(e.offset(), 2u);
        EXPECT_NE(std::string(e.what()).find("section count"), std::string::npos);
    }
    EXPECT_EQ(c.position(), 2u) << "a failed read must not move the cursor";
}

TEST(ByteCursor, HostileOffsetsDoNotWrapAround) {
    auto data = bytes({0, 0, 0, 0});
    ByteCursor c(data);
    EXPECT_THROW(c.range(1, kMax, "length near max"), ParseError);
    EXPECT_THROW(c.range(kMax, 1, "offset near max"), ParseError);
    EXPECT_THROW(c.peek_at<std::uint64_t>(kMax - 3, "u64 at max"), ParseError);
    EXPECT_THROW(c.seek(5, "past end"), ParseError);
    EXPECT_NO_THROW(c.seek(4, "end itself"));
    EXPECT_THROW(c.skip(kMax, "huge skip"), ParseError);
}

TEST(ByteCursor, SubCursorKeepsAbsoluteOffsetsInErrors) {
    auto data = bytes({0, 0, 0, 0, 0, 0, 0, 0});
    ByteCursor c(data);
    ByteCursor s = c.sub(4, 2, "sub");
    EXPECT_EQ(s.size(), 2u);
    try {
        s.peek_at<std::uint32_t>(0, "u32 in sub");
        FAIL();
    } catch (const ParseError& e) {
        EXPECT_EQ(e.offset(), 4u);
    }
    EXPECT_THROW(c.sub(6, 3, "sub past end"), ParseError);
}

TEST(ByteCursor, CStringIsBoundedAndMustBeTerminated) {
    auto data = bytes({'a', 'b', 0, 'c', 'd'});
    ByteCursor c(data);
    EXPECT_EQ(c.c_string_at(0, 16, "name"), "ab");
    EXPECT_EQ(c.c_string_at(2, 16, "name"), "");
    EXPECT_THROW(c.c_string_at(3, 16, "unterminated"), ParseError);
    EXPECT_THROW(c.c_string_at(0, 1, "too long"), ParseError);
    EXPECT_THROW(c.c_string_at(6, 16, "past end"), ParseError);
}

TEST(CheckedArithmetic, DetectsOverflow) {
    EXPECT_EQ(ftkit::binfmt::checked_add(2, 3, "add"), 5u);
    EXPECT_THROW(ftkit::binfmt::checked_add(kMax, 1, "add"), ParseError);
    EXPECT_EQ(ftkit::binfmt::checked_mul(1u << 20, 1u << 10, "mul"), 1ull << 30);
    EXPECT_THROW(ftkit::binfmt::checked_mul(1ull << 33, 1ull << 31, "mul"), ParseError);
}

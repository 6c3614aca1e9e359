// Bounded reads of untrusted bytes: every parser in ftkit reads through this and nothing else.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace ftkit::binfmt {

/// A read outside the buffer, or arithmetic on untrusted sizes that overflowed.
/// Carries the offset and what was being read, so a report can say where a file is broken.
class ParseError : public std::runtime_error {
public:
    ParseError(std::string what_was_read, std::uint64_t offset);
    std::uint64_t offset() const noexcept { return offset_; }

private:
    std::uint64_t offset_;
};

/// a + b, or ParseError if it does not fit in 64 bits.
std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, std::string_view what);
/// a * b, or ParseError if it does not fit in 64 bits.
std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, std::string_view what);

/// A view of [data, data+size) with a position. Values are read in the byte order the
/// cursor was created with (ELF and Mach-O files come in both), never by casting pointers.
class ByteCursor {
public:
    ByteCursor(std::span<const std::byte> bytes, std::endian order = std::endian::little,
               std::uint64_t base_offset = 0) noexcept
        : bytes_(bytes), order_(order), base_(base_offset) {}

    std::size_t size() const noexcept { return bytes_.size(); }
    std::uint64_t position() const noexcept { return pos_; }
    std::uint64_t remaining() const noexcept { return bytes_.size() - pos_; }
    std::endian order() const noexcept { return order_; }
    void set_order(std::endian order) noexcept { order_ = order; }

    /// Move to an absolute offset within this view (the end itself is allowed).
    void seek(std::uint64_t offset, std::string_view what);
    void skip(std::uint64_t n, std::string_view what);

    /// Read an unsigned integer of N bytes at the position and advance past it.
    template <typename T>
    T read(std::string_view what) {
        static_assert(std::is_unsigned_v<T>, "read unsigned values; convert explicitly");
        T value = peek_at<T>(pos_, what);
        pos_ += sizeof(T);
        return value;
    }

    /// Read an unsigned integer at an absolute offset without moving.
    template <typename T>
    T peek_at(std::uint64_t offset, std::string_view what) const {
        auto raw = range(offset, sizeof(T), what);
        T value;
        std::memcpy(&value, raw.data(), sizeof(T));
        if (order_ != std::endian::native) value = byteswap(value);
        return value;
    }

    /// The bytes [offset, offset+length) of this view, checked.
    std::span<const std::byte> range(std::uint64_t offset, std::uint64_t length,
                                     std::string_view what) const;

    /// A cursor over a checked sub-range; its offsets in errors stay absolute.
    ByteCursor sub(std::uint64_t offset, std::uint64_t length, std::string_view what) const;

    /// A NUL-terminated string starting at offset, at most max_length bytes long.
    std::string_view c_string_at(std::uint64_t offset, std::size_t max_length,
                                 std::string_view what) const;

private:
    template <typename T>
    static T byteswap(T v) noexcept {
        // std::byteswap is C++23; g++ 12 with C++20 lacks it.
        T out = 0;
        for (std::size_t i = 0; i < sizeof(T); ++i) {
            out = static_cast<T>((out << 8) | (v & 0xff));
            v = static_cast<T>(v >> 8);
        }
        return out;
    }

    [[noreturn]] void fail(std::string_view what, std::uint64_t offset) const;

    std::span<const std::byte> bytes_;
    std::endian order_;
    std::uint64_t base_;
    std::uint64_t pos_ = 0;
};

}  // namespace ftkit::binfmt

// Bounds and overflow checks for ByteCursor: the one place untrusted offsets are validated.
#include "binfmt/byte_cursor.hpp"

#include <limits>

namespace ftkit::binfmt {

ParseError::ParseError(std::string what_was_read, std::uint64_t offset)
    : std::runtime_error("truncated or malformed data while reading " + what_was_read +
                         " at offset " + std::to_string(offset)),
      offset_(offset) {}

std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, std::string_view what) {
    std::uint64_t out;
    if (__builtin_add_overflow(a, b, &out)) throw ParseError(std::string(what), a);
    return out;
}

std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, std::string_view what) {
    std::uint64_t out;
    if (__builtin_mul_overflow(a, b, &out)) throw ParseError(std::string(what), a);
    return out;
}

void ByteCursor::fail(std::string_view what, std::uint64_t offset) const {
    // Saturate: base_ + offset may itself overflow for hostile offsets.
    std::uint64_t absolute = offset > std::numeric_limits<std::uint64_t>::max() - base_
                                 ? std::numeric_limits<std::uint64_t>::max()
                                 : base_ + offset;
    throw ParseError(std::string(what), absolute);
}

void ByteCursor::seek(std::uint64_t offset, std::string_view what) {
    if (offset > bytes_.size()) fail(what, offset);
    pos_ = offset;
}

void ByteCursor::skip(std::uint64_t n, std::string_view what) {
    seek(checked_add(pos_, n, what), what);
}

std::span<const std::byte> ByteCursor::range(std::uint64_t offset, std::uint64_t length,
                                             std::string_view what) const {
    // Written as two comparisons so offset + length can never wrap around.
    if (offset > bytes_.size() || length > bytes_.size() - offset) fail(what, offset);
    return bytes_.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(length));
}

ByteCursor ByteCursor::sub(std::uint64_t offset, std::uint64_t length,
                           std::string_view what) const {
    return ByteCursor(range(offset, length, what), order_, base_ + offset);
}

std::string_view ByteCursor::c_string_at(std::uint64_t offset, std::size_t max_length,
                                         std::string_view what) const {
    if (offset > bytes_.size()) fail(what, offset);
    auto rest = bytes_.subspan(static_cast<std::size_t>(offset));
    std::size_t limit = rest.size() < max_length ? rest.size() : max_length;
    for (std::size_t i = 0; i < limit; ++i) {
        if (rest[i] == std::byte{0}) return {reinterpret_cast<const char*>(rest.data()), i};
    }
    fail(what, offset);  // unterminated within the bound: treat as malformed, not as a long read
}

}  // namespace ftkit::binfmt

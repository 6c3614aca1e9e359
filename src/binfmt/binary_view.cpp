// Format dispatch and the address lookups shared by every reader.
#include "binfmt/binary_view.hpp"

#include <algorithm>

#include "binfmt/byte_cursor.hpp"

namespace ftkit::binfmt {

const char* format_name(Format f) noexcept {
    switch (f) {
        case Format::elf:
            return "ELF";
        case Format::macho:
            return "Mach-O";
        case Format::pe:
            return "PE";
    }
    return "?";
}

std::optional<std::uint64_t> BinaryView::pointer_at(std::uint64_t addr) const {
    auto it =
        std::lower_bound(pointers.begin(), pointers.end(), std::make_pair(addr, std::uint64_t{0}));
    if (it != pointers.end() && it->first == addr) return it->second;
    return std::nullopt;
}

std::optional<std::span<const std::byte>> BinaryView::at(std::uint64_t addr,
                                                         std::uint64_t len) const {
    for (const auto& s : sections) {
        if (addr < s.vaddr || addr - s.vaddr >= s.file_size) continue;
        std::uint64_t rel = addr - s.vaddr;
        if (len > s.file_size - rel) return std::nullopt;
        std::uint64_t off = s.file_offset + rel;
        if (off < s.file_offset || off > bytes.size() || len > bytes.size() - off)
            return std::nullopt;
        return bytes.subspan(static_cast<std::size_t>(off), static_cast<std::size_t>(len));
    }
    return std::nullopt;
}

std::span<const std::byte> BinaryView::up_to(std::uint64_t addr, std::uint64_t max) const {
    for (const auto& s : sections) {
        if (addr < s.vaddr || addr - s.vaddr >= s.file_size) continue;
        std::uint64_t len = std::min(max, s.file_size - (addr - s.vaddr));
        if (auto b = at(addr, len)) return *b;
    }
    return {};
}

const Section* BinaryView::section_named(std::string_view name) const {
    for (const auto& s : sections)
        if (s.name == name) return &s;
    return nullptr;
}

void BinaryView::finish() {
    std::sort(pointers.begin(), pointers.end());
    pointers.erase(std::unique(pointers.begin(), pointers.end(),
                               [](auto& a, auto& b) { return a.first == b.first; }),
                   pointers.end());
}

std::vector<BinaryView> parse_binary(std::span<const std::byte> bytes) {
    ByteCursor c(bytes, std::endian::big);
    if (bytes.size() < 4) throw UnsupportedFormat("file too short to be an executable");
    std::uint32_t magic = c.peek_at<std::uint32_t>(0, "magic");
    if (magic == 0x7f454c46) return {parse_elf(bytes)};
    if ((magic >> 16) == 0x4d5a) return {parse_pe(bytes)};  // "MZ"
    switch (magic) {
        case 0xfeedface:
        case 0xcefaedfe:
        case 0xfeedfacf:
        case 0xcffaedfe:
        case 0xcafebabe:
        case 0xcafebabf:
            return parse_macho(bytes);
        default:
            throw UnsupportedFormat("not an ELF, Mach-O or PE file");
    }
}

}  // namespace ftkit::binfmt

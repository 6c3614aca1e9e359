// Format dispatch and the address lookups shared by every reader.
#include "binfmt/binary_view.hpp"

#include <algorithm>
#include <iterator>
#include <set>

#include "binfmt/budget.hpp"
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
    spend(1, "a relocation lookup");
    auto it =
        std::lower_bound(pointers.begin(), pointers.end(), std::make_pair(addr, std::uint64_t{0}));
    if (it != pointers.end() && it->first == addr) return it->second;
    return std::nullopt;
}

const Section* BinaryView::section_at(std::uint64_t addr) const {
    spend(1, "an address lookup");
    if (indexed_ != sections.size() || indexed_ == 0) {
        spend(sections.size(), "an address lookup");
        for (const auto& s : sections)
            if (addr >= s.vaddr && addr - s.vaddr < s.file_size) return &s;
        return nullptr;
    }
    auto it = std::upper_bound(index_.begin(), index_.end(), addr,
                               [](std::uint64_t a, const auto& e) { return a < e.first; });
    if (it == index_.begin() || std::prev(it)->second == kNoSection) return nullptr;
    return &sections[std::prev(it)->second];
}

void BinaryView::index_sections() {
    // Sweep over range boundaries keeping the set of sections covering the current range; the
    // lowest index wins, as in a first-match linear scan. O(n log n) for n sections.
    struct Event {
        std::uint64_t at;
        bool start;
        std::uint32_t section;
    };
    std::vector<Event> events;
    for (std::uint32_t i = 0; i < sections.size(); ++i) {
        const Section& s = sections[i];
        if (s.file_size == 0) continue;
        events.push_back({s.vaddr, true, i});
        std::uint64_t end;  // a range reaching the end of the address space never ends
        if (!__builtin_add_overflow(s.vaddr, s.file_size, &end)) events.push_back({end, false, i});
    }
    spend(events.size(), "the section index");
    hold(events.size() * (sizeof(Event) + 48), "the section index");
    std::sort(events.begin(), events.end(),
              [](const Event& a, const Event& b) { return a.at < b.at; });
    index_.clear();
    std::set<std::uint32_t> covering;
    for (std::size_t k = 0; k < events.size();) {
        std::uint64_t at = events[k].at;
        for (; k < events.size() && events[k].at == at; ++k) {
            if (events[k].start)
                covering.insert(events[k].section);
            else
                covering.erase(events[k].section);
        }
        std::uint32_t winner = covering.empty() ? kNoSection : *covering.begin();
        if (index_.empty() || index_.back().second != winner) index_.emplace_back(at, winner);
    }
    indexed_ = sections.size();
}

std::optional<std::span<const std::byte>> BinaryView::at(std::uint64_t addr,
                                                         std::uint64_t len) const {
    const Section* s = section_at(addr);
    if (!s) return std::nullopt;
    std::uint64_t rel = addr - s->vaddr;
    if (len > s->file_size - rel) return std::nullopt;
    std::uint64_t off = s->file_offset + rel;
    if (off < s->file_offset || off > bytes.size() || len > bytes.size() - off)
        return std::nullopt;
    return bytes.subspan(static_cast<std::size_t>(off), static_cast<std::size_t>(len));
}

std::span<const std::byte> BinaryView::up_to(std::uint64_t addr, std::uint64_t max) const {
    const Section* s = section_at(addr);
    if (!s) return {};
    if (auto b = at(addr, std::min(max, s->file_size - (addr - s->vaddr)))) return *b;
    return {};
}

const Section* BinaryView::section_named(std::string_view name) const {
    for (const auto& s : sections)
        if (s.name == name) return &s;
    return nullptr;
}

void BinaryView::finish() {
    spend(pointers.size() * 4, "sorting relocations");
    std::sort(pointers.begin(), pointers.end());
    pointers.erase(std::unique(pointers.begin(), pointers.end(),
                               [](auto& a, auto& b) { return a.first == b.first; }),
                   pointers.end());
    if (indexed_ != sections.size()) index_sections();
}

std::optional<Format> format_of(std::span<const std::byte> head) {
    if (head.size() < 4) return std::nullopt;
    std::uint32_t magic = ByteCursor(head, std::endian::big).peek_at<std::uint32_t>(0, "magic");
    if (magic == 0x7f454c46) return Format::elf;
    if ((magic >> 16) == 0x4d5a) return Format::pe;  // "MZ"
    switch (magic) {
        case 0xfeedface:
        case 0xcefaedfe:
        case 0xfeedfacf:
        case 0xcffaedfe:
        case 0xcafebabe:
        case 0xcafebabf:
            return Format::macho;
        default:
            return std::nullopt;
    }
}

std::vector<BinaryView> parse_binary(std::span<const std::byte> bytes) {
    BudgetScope budget(bytes.size());  // the caller's, or one sized for these bytes
    if (bytes.size() < 4) throw UnsupportedFormat("file too short to be an executable");
    auto format = format_of(bytes);
    if (!format) throw UnsupportedFormat("not an ELF, Mach-O or PE file");
    switch (*format) {
        case Format::elf:
            return {parse_elf(bytes)};
        case Format::pe:
            return {parse_pe(bytes)};
        case Format::macho:
            return parse_macho(bytes);
    }
    throw UnsupportedFormat("not an ELF, Mach-O or PE file");
}

}  // namespace ftkit::binfmt

// The neutral view every executable-format reader produces: what the audit rules look at.
//
// We read ELF, Mach-O and PE ourselves instead of depending on a parser library: Debian ships
// LIEF 0.9 (2018), LIEF's C++ library is not on PyPI, and LLVM's Object library would put
// libLLVM into our wheel. We need only symbols, libraries, sections and pointer relocations;
// pyelftools, macholib and pefile are the test oracles (tests/test_audit_oracles.py).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ftkit::binfmt {

enum class Format { elf, macho, pe };

const char* format_name(Format f) noexcept;

struct Section {
    std::string name;
    std::uint64_t vaddr = 0;        // address (RVA for PE) when loaded
    std::uint64_t size = 0;         // size in memory
    std::uint64_t file_offset = 0;  // where its bytes start in the file
    std::uint64_t file_size = 0;    // bytes present in the file (0 for .bss-like sections)
    bool executable = false;
};

/// One loaded image: an ELF or PE file, or one slice of a (fat) Mach-O file.
struct BinaryView {
    Format format = Format::elf;
    std::string arch;  // x86_64, aarch64, i386, arm, ppc64le, s390x, ...
    int bits = 64;
    bool big_endian = false;
    std::span<const std::byte> bytes;  // this image's bytes (a slice of a fat file)

    std::vector<std::string> imports;    // undefined symbols it needs (Mach-O: without the '_')
    std::vector<std::string> exports;    // global symbols it defines
    std::vector<std::string> libraries;  // DT_NEEDED, LC_LOAD_DYLIB, PE imported DLLs
    std::vector<std::string> delay_libraries;  // PE delay-load DLLs
    std::vector<Section> sections;

    /// Pointers the loader fixes up: (address of the pointer, address it points to), sorted.
    /// From ELF RELA/REL/RELR relative and absolute relocations, Mach-O rebase opcodes and
    /// chained fixups, PE base relocations.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> pointers;
    /// Addresses of GOT/IAT slots the loader fills with an imported symbol's address.
    std::vector<std::pair<std::string, std::uint64_t>> import_slots;

    /// The target of the pointer stored at addr, if the loader relocates one there.
    std::optional<std::uint64_t> pointer_at(std::uint64_t addr) const;
    /// The file bytes at [addr, addr+len), if one section holds all of them in the file.
    std::optional<std::span<const std::byte>> at(std::uint64_t addr, std::uint64_t len) const;
    /// Up to max file bytes from addr to the end of the section holding addr (empty if none).
    std::span<const std::byte> up_to(std::uint64_t addr, std::uint64_t max) const;
    const Section* section_named(std::string_view name) const;
    /// The section whose file bytes hold addr: the first in `sections` order when several
    /// overlap (hostile files stack thousands over the same bytes), found in O(log n).
    const Section* section_at(std::uint64_t addr) const;
    /// Build the address index section_at uses (readers call it once `sections` is complete;
    /// until then lookups scan the sections, charged to the budget).
    void index_sections();
    /// Sort `pointers` and index the sections (readers call this once when done).
    void finish();

private:
    // Disjoint address ranges, each starting at .first and mapped to the section that wins
    // there (kNoSection: none); built for `indexed_` sections.
    static constexpr std::uint32_t kNoSection = ~0u;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> index_;
    std::size_t indexed_ = 0;
};

/// The format the first four bytes announce (what parse_binary dispatches on), so a caller can
/// reject a file without reading the rest of it.
std::optional<Format> format_of(std::span<const std::byte> head);

/// Parse any supported file: one view per image (more than one for a universal Mach-O).
/// Throws ParseError for malformed input and UnsupportedFormat for unknown magic.
std::vector<BinaryView> parse_binary(std::span<const std::byte> bytes);

struct UnsupportedFormat : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// One function per format, each in its own file.
BinaryView parse_elf(std::span<const std::byte> bytes);
std::vector<BinaryView> parse_macho(std::span<const std::byte> bytes);  // thin or fat
BinaryView parse_pe(std::span<const std::byte> bytes);

// Caps on counts read from untrusted headers: a count above these is a malformed file, not
// a reason to allocate. Chosen far above anything real (numpy's largest module has ~20k symbols).
inline constexpr std::uint64_t kMaxSymbols = 4'000'000;
inline constexpr std::uint64_t kMaxSections = 65'536;
inline constexpr std::uint64_t kMaxPointers = 16'000'000;
inline constexpr std::size_t kMaxName = 4096;

}  // namespace ftkit::binfmt

// libFuzzer target: bytes in, the executable-format readers (ELF, Mach-O thin/fat, PE by magic)
// and the address lookups of the view they produce. Formats only: rules are fuzzed in src/audit/.
#include <cstddef>
#include <cstdint>

#include "binfmt/binary_view.hpp"
#include "binfmt/budget.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    try {
        for (const auto& v : ftkit::binfmt::parse_binary(bytes)) {
            // Lookups charge the budget parse_binary sized for these bytes; run them under one too.
            ftkit::binfmt::BudgetScope budget(size);
            for (const auto& s : v.sections) {
                v.at(s.vaddr, 16);
                v.up_to(s.vaddr + s.file_size / 2, 256);
            }
            for (const auto& [where, target] : v.pointers) v.pointer_at(target), v.at(target, 8);
        }
    } catch (const std::exception&) {
        // ParseError, UnsupportedFormat, TooComplex: the documented outcomes of bad input.
    }
    return 0;
}

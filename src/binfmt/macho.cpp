// Mach-O reader (placeholder, replaced below).
#include "binfmt/binary_view.hpp"
namespace ftkit::binfmt {
std::vector<BinaryView> parse_macho(std::span<const std::byte>) { throw UnsupportedFormat("Mach-O not yet supported"); }
}

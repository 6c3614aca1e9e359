// PE reader (placeholder, replaced below).
#include "binfmt/binary_view.hpp"
namespace ftkit::binfmt {
BinaryView parse_pe(std::span<const std::byte>) { throw UnsupportedFormat("PE not yet supported"); }
}

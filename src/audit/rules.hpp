// The audit's knowledge as data: C-API hazards, generator fingerprints, evidence symbols.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace ftkit::audit {

/// An imported C-API function that is a free-threading hazard, and what to use instead.
struct HazardRule {
    std::string_view symbol;
    std::string_view replacement;  // "" when there is none
    std::string_view since;        // first CPython version that has the replacement
    std::string_view why;
};

/// How a binding generator shows itself in a binary: a byte string to search for, and
/// optionally where its version follows it (the characters [0-9._] right after the match).
struct GeneratorRule {
    std::string_view generator;  // cython | pybind11 | nanobind | pyo3 | cffi
    // The needle in two halves, joined at run time, so the table itself (linked into ftkit's
    // own extension module) does not contain the fingerprints it looks for.
    std::string_view needle_head, needle_tail;
    bool version_follows;
    std::string_view version_prefix;  // prepended to what follows, e.g. "internals v"
};

std::span<const HazardRule> hazard_rules();

/// A hazard the binding generator's own runtime code calls: every module it makes imports the
/// symbol, whatever the user wrote (issue 11: 66 of 93 hazard findings on 8 real wheels).
struct RuntimeHazardRule {
    std::string_view generator;
    std::string_view symbol;
    std::string_view source;  // where the generator calls it
};
std::span<const RuntimeHazardRule> runtime_hazard_rules();
/// True if the runtime of `generator` calls `symbol` (runtime_hazard_rules()).
bool called_by_runtime(std::string_view generator, std::string_view symbol);
inline std::string needle(const GeneratorRule& r) {
    return std::string(r.needle_head) + std::string(r.needle_tail);
}
std::span<const GeneratorRule> generator_rules();

// Symbols whose presence shows which headers a module was compiled against (inline Py_DECREF).
// Include/refcount.h (3.14): Py_DECREF calls _Py_DecRefShared/_Py_MergeZeroLocalRefcount when
// Py_GIL_DISABLED, _Py_Dealloc otherwise.
inline constexpr std::string_view kFreeThreadedRefcount[] = {
    "_Py_DecRefShared", "_Py_MergeZeroLocalRefcount", "_Py_DecRefSharedDebug"};
inline constexpr std::string_view kGilRefcount[] = {"_Py_Dealloc"};

}  // namespace ftkit::audit

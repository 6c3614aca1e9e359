// Module slot numbers. Include/moduleobject.h (3.5-3.14) and Include/slots_generated.h (3.15,
// where _Py_SLOT_COMPAT_VALUE(OLD, NEW) renumbers them outside the limited API).
#pragma once

#include <cstdint>

namespace ftkit::audit {

inline constexpr std::uint32_t kModCreate = 1, kModExec = 2, kModMultipleInterpreters = 3,
                               kModGil = 4;
inline constexpr std::uint32_t kModCreate315 = 84, kModExec315 = 85,
                               kModMultipleInterpreters315 = 86, kModGil315 = 87;

inline constexpr bool is_gil_slot(std::uint32_t id) { return id == kModGil || id == kModGil315; }
inline constexpr bool is_interpreters_slot(std::uint32_t id) {
    return id == kModMultipleInterpreters || id == kModMultipleInterpreters315;
}

// Py_MOD_GIL_USED ((void *)0), Py_MOD_GIL_NOT_USED ((void *)1).
inline constexpr std::uint64_t kGilUsed = 0, kGilNotUsed = 1;

}  // namespace ftkit::audit

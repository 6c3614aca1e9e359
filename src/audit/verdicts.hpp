// The audit's closed vocabularies (GIL verdict, confidence, FT ABI, init style) and their names.
//
// One table per enum gives the name reports use ("not-used"); the Python binding derives its
// enum members from the same tables ("-" becomes "_"), so the names exist once.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <utility>

namespace ftkit::audit {

/// What a module declares about the GIL (Py_mod_gil / PyUnstable_Module_SetGIL).
enum class GilVerdict { not_used, used, undeclared, unknown };
/// How a verdict was reached: read from the bytes, inferred from indirect evidence, or not at all.
enum class Confidence { proven, inferred, unknown };
/// Which headers the module was compiled against (free-threaded ones define Py_GIL_DISABLED).
enum class FtAbi { free_threaded, gil, unknown };
/// How the module is created: PyModuleDef_Init, PyModule_Create2, or 3.15's PyModExport_*.
enum class InitStyle { multi_phase, single_phase, export_hook, unknown };

template <class E>
using Name = std::pair<E, std::string_view>;

inline constexpr Name<GilVerdict> kGilVerdictNames[] = {{GilVerdict::not_used, "not-used"},
                                                        {GilVerdict::used, "used"},
                                                        {GilVerdict::undeclared, "undeclared"},
                                                        {GilVerdict::unknown, "unknown"}};
inline constexpr Name<Confidence> kConfidenceNames[] = {{Confidence::proven, "proven"},
                                                        {Confidence::inferred, "inferred"},
                                                        {Confidence::unknown, "unknown"}};
inline constexpr Name<FtAbi> kFtAbiNames[] = {
    {FtAbi::free_threaded, "free-threaded"}, {FtAbi::gil, "gil"}, {FtAbi::unknown, "unknown"}};
inline constexpr Name<InitStyle> kInitStyleNames[] = {{InitStyle::multi_phase, "multi-phase"},
                                                      {InitStyle::single_phase, "single-phase"},
                                                      {InitStyle::export_hook, "export-hook"},
                                                      {InitStyle::unknown, "unknown"}};

inline constexpr std::span<const Name<GilVerdict>> names_of(GilVerdict) { return kGilVerdictNames; }
inline constexpr std::span<const Name<Confidence>> names_of(Confidence) { return kConfidenceNames; }
inline constexpr std::span<const Name<FtAbi>> names_of(FtAbi) { return kFtAbiNames; }
inline constexpr std::span<const Name<InitStyle>> names_of(InitStyle) { return kInitStyleNames; }

/// The report name of a value ("not-used"); "" for a value not decided (an unreadable module).
template <class E>
constexpr std::string_view text(std::optional<E> value) {
    if (!value) return "";
    for (const auto& [e, name] : names_of(*value))
        if (e == *value) return name;
    return "";
}

}  // namespace ftkit::audit

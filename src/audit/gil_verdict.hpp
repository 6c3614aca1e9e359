// The GIL verdict as data: the facts read from one module (GilEvidence), the ordered rows that
// judge them (gil_verdict_rules.cpp) and the one function that walks the rows (gil_verdict.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>

#include "audit/module_audit.hpp"
#include "audit/verdicts.hpp"
#include "binfmt/binary_view.hpp"

namespace ftkit::audit {

/// Everything the GIL rows look at, read once from the binary. Pure data: rows never read bytes.
struct GilEvidence {
    // Slot arrays found in data (slots.cpp).
    std::size_t slot_arrays = 0;
    std::uint64_t first_array = 0;  // address of the first one
    bool from_module_def = false;   // the first one is the module's own PyModuleDef.m_slots
    std::set<std::uint64_t> gil_values;  // every Py_mod_gil value over all arrays
    bool array_without_gil = false;      // some array has no Py_mod_gil entry

    // The only array is the module def's and is zero-initialised: PyInit may fill it at run time.
    bool runtime_array = false;
    bool stores_decodable = false;           // stores are decoded in x86-64 code
    bool stores_found = false;               // PyInit makes immediate stores into it
    std::optional<std::int64_t> stored_gil;  // the Py_mod_gil value it stores, if it stores one
    bool stored_exec = false;                // it stores a Py_mod_exec entry

    // PyUnstable_Module_SetGIL, the single-phase declaration (call_args.cpp).
    bool imports_set_gil = false;
    bool call_args_decodable = false;  // x86-64 code, arm64 Mach-O and PE code
    std::size_t set_gil_calls = 0;     // call sites found
    bool set_gil_undecoded = false;    // some call's value could not be decoded
    std::optional<std::int64_t> set_gil_value;  // the one value every call passes, all decoded

    // PyO3 0.23-0.27: PyInit passes a literal gil_used to ModuleDef::make_module (call_args.cpp).
    bool pyo3_make_module = false;       // generator pyo3, version 0.23-0.27, imports SetGIL
    std::size_t make_module_calls = 0;   // calls found passing the module's ModuleDef
    std::optional<std::int64_t> make_module_gil_used;  // the one flag they all pass, decoded

    std::string generator = "c-api", generator_abi_tag;
    std::optional<InitStyle> init_style;
};

/// One row: when `when` holds (rows are tried in order; the first that holds decides), the
/// verdict is `verdict` with `confidence`, explained by `evidence`, a template whose {names} are
/// filled from the evidence (see fill_evidence). `source` says where the fact comes from.
struct GilRule {
    std::string_view id;  // stable name of the row, shown in docs/rules.md and tests
    bool (*when)(const GilEvidence&);
    GilVerdict verdict;
    Confidence confidence;
    std::string_view evidence;
    std::string_view source;
};

struct GilDecision {
    GilVerdict verdict = GilVerdict::unknown;
    Confidence confidence = Confidence::unknown;
    std::string evidence;
    std::string_view rule;  // the id of the row that decided
};

/// The rows, in the order they are tried; the last always holds.
std::span<const GilRule> gil_rules();

/// Walk `rules` over `e`: the first row that holds decides.
GilDecision decide_gil(const GilEvidence& e, std::span<const GilRule> rules = gil_rules());

/// A row's evidence template with {slots} {address} {arrays} {generator} {abi_tag} {calls}
/// {unread} {how} {make_module_calls} replaced by what `e` holds.
std::string fill_evidence(std::string_view tmpl, const GilEvidence& e);

/// Read the GIL evidence of module `m` (slot arrays, generator and init style already set) from
/// its view; also sets m.multiple_interpreters, which the same slot entries declare.
GilEvidence read_gil_evidence(const binfmt::BinaryView& v,
                              const std::unordered_set<std::string_view>& imports, ModuleAudit& m);

}  // namespace ftkit::audit

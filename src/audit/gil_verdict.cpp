// Reads the GIL evidence of one module and walks the verdict rows (gil_verdict_rules.cpp) over it.
#include "audit/gil_verdict.hpp"

#include <cstdio>
#include <map>

#include "audit/slot_ids.hpp"

namespace ftkit::audit {
namespace {

constexpr std::uint64_t kScanned = 16 * 16;  // bytes of a run-time array whose stores are read

std::string interpreters_text(std::int64_t value) {
    return value == 0 ? "not-supported" : value == 1 ? "supported" : "per-interpreter-gil";
}

// PyInit's immediate stores into a zero-initialised module-def array (pybind11 3).
void read_runtime_stores(const binfmt::BinaryView& v, GilEvidence& e, ModuleAudit& m) {
    e.stores_decodable = v.arch == "x86_64" || v.arch == "arm64" || v.arch == "aarch64";
    auto stores = e.stores_decodable ? stores_into(v, e.first_array, kScanned)
                                     : std::vector<std::pair<std::uint64_t, std::int64_t>>{};
    e.stores_found = !stores.empty();
    std::map<std::uint64_t, std::int64_t> mem;
    for (auto [off, value] : stores) mem[off] = value;  // several stores: a later one in code wins
    for (std::uint64_t off = 0; off < kScanned; off += 16) {
        auto id = mem.find(off);
        if (id == mem.end() || id->second <= 0) continue;
        auto value = mem.find(off + 8);
        auto slot = static_cast<std::uint32_t>(id->second);
        if (is_gil_slot(slot) && value != mem.end()) e.stored_gil = value->second;
        if (id->second == kModExec || id->second == kModExec315) e.stored_exec = true;
        if (is_interpreters_slot(slot) && value != mem.end() && value->second >= 0)
            m.multiple_interpreters = interpreters_text(value->second);
    }
}

void read_set_gil_calls(const binfmt::BinaryView& v, GilEvidence& e) {
    e.call_args_decodable = v.arch == "x86_64" ||
                            (v.arch == "arm64" && v.format != binfmt::Format::elf);
    auto values = second_argument_at_calls(v, "PyUnstable_Module_SetGIL");
    // Only Py_MOD_GIL_USED (0) and Py_MOD_GIL_NOT_USED (1) are values: anything else was read from
    // an instruction before an earlier call (PyO3 0.26's `mov $0x3f5, %esi` for PyModule_Create2,
    // right before the SetGIL call whose %esi comes from memory).
    for (auto& value : values)
        if (value != static_cast<std::int64_t>(kGilUsed) &&
            value != static_cast<std::int64_t>(kGilNotUsed))
            value = -1;
    std::set<std::int64_t> known(values.begin(), values.end());
    e.set_gil_calls = values.size();
    e.set_gil_undecoded = known.count(-1) > 0;
    if (!values.empty() && !e.set_gil_undecoded && known.size() == 1)
        e.set_gil_value = *known.begin();
}

// PyO3 0.23 to 0.27 create single-phase modules in ModuleDef::make_module (0.28 went multi-phase).
bool pyo3_make_module_era(const std::string& version) {
    int major = -1, minor = -1;
    if (std::sscanf(version.c_str(), "%d.%d", &major, &minor) != 2) return false;
    return major == 0 && minor >= 23 && minor <= 27;
}

// The ModuleDef holding the module's PyModuleDef (ffi_def) starts at most 64 bytes before it,
// and the PyModuleDef's m_name follows PyModuleDef_Base (40 bytes, 56 on free-threaded builds).
void read_make_module_calls(const binfmt::BinaryView& v, const std::string& module_name,
                            GilEvidence& e) {
    std::set<std::int64_t> flags;
    for (std::uint64_t name_field : module_def_names(v, module_name)) {
        if (name_field < 40) continue;
        std::uint64_t lo = name_field >= 56 + 64 ? name_field - 56 - 64 : 0;
        for (std::int64_t flag : flag_passed_with_address(v, lo, name_field - 40 + 1))
            flags.insert(flag), ++e.make_module_calls;
    }
    if (e.make_module_calls && flags.size() == 1 && *flags.begin() >= 0 && *flags.begin() <= 1)
        e.make_module_gil_used = *flags.begin();
}

}  // namespace

GilEvidence read_gil_evidence(const binfmt::BinaryView& v,
                              const std::unordered_set<std::string_view>& imports,
                              ModuleAudit& m) {
    GilEvidence e;
    e.generator = m.generator;
    e.generator_abi_tag = m.generator_abi_tag;
    e.init_style = m.init_style;
    e.slot_arrays = m.slot_arrays.size();
    if (!m.slot_arrays.empty()) {
        e.first_array = m.slot_arrays[0].address;
        e.from_module_def = m.slot_arrays[0].from_module_def;
    }
    e.runtime_array = m.slot_arrays.size() == 1 && m.slot_arrays[0].zero_initialised;
    if (e.runtime_array) {
        read_runtime_stores(v, e, m);
        return e;  // the rows for run-time arrays decide; nothing below is looked at
    }
    for (const auto& a : m.slot_arrays) {
        bool has = false;
        for (const auto& entry : a.entries) {
            if (is_gil_slot(entry.id)) has = true, e.gil_values.insert(entry.value);
            if (is_interpreters_slot(entry.id))
                m.multiple_interpreters = interpreters_text(static_cast<std::int64_t>(entry.value));
        }
        e.array_without_gil |= !has;
    }
    e.imports_set_gil = imports.count("PyUnstable_Module_SetGIL") > 0;
    if (e.imports_set_gil) read_set_gil_calls(v, e);
    e.pyo3_make_module = e.imports_set_gil && m.generator == "pyo3" &&
                         pyo3_make_module_era(m.generator_version);
    if (e.pyo3_make_module && !e.set_gil_value) read_make_module_calls(v, m.module_name, e);
    return e;
}

std::string fill_evidence(std::string_view tmpl, const GilEvidence& e) {
    char address[32];
    std::snprintf(address, sizeof address, "0x%llx",
                  static_cast<unsigned long long>(e.first_array));
    const std::pair<std::string_view, std::string> values[] = {
        {"{slots}", e.from_module_def ? "PyModuleDef.m_slots" : "slot array"},
        {"{address}", address},
        {"{arrays}", std::to_string(e.slot_arrays)},
        {"{generator}", e.generator},
        {"{abi_tag}", e.generator_abi_tag},
        {"{calls}", std::to_string(e.set_gil_calls)},
        {"{make_module_calls}", std::to_string(e.make_module_calls)},
        {"{unread}", e.set_gil_calls == 0 ? "no call site could be followed"
                                          : "the value passed could not be decoded"},
        {"{how}", e.stores_decodable ? "in a way not decoded"
                                     : "(stores are decoded only in x86-64 and arm64 code)"},
    };
    std::string out;
    for (std::size_t i = 0; i < tmpl.size();) {
        bool replaced = false;
        if (tmpl[i] == '{')
            for (const auto& [name, value] : values)
                if (tmpl.substr(i, name.size()) == name) {
                    out += value, i += name.size(), replaced = true;
                    break;
                }
        if (!replaced) out += tmpl[i++];
    }
    return out;
}

GilDecision decide_gil(const GilEvidence& e, std::span<const GilRule> rules) {
    for (const auto& rule : rules)
        if (rule.when(e))
            return {rule.verdict, rule.confidence, fill_evidence(rule.evidence, e), rule.id};
    return {GilVerdict::unknown, Confidence::unknown, "no rule applies", ""};
}

}  // namespace ftkit::audit

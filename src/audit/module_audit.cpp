// The audit engine: one function over (binary view, rule tables) -> what one module declares.
#include "audit/module_audit.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <unordered_set>

#include "audit/rules.hpp"
#include "audit/slot_ids.hpp"
#include "binfmt/budget.hpp"
#include "binfmt/byte_cursor.hpp"

namespace ftkit::audit {
namespace {

using binfmt::BinaryView;

std::string_view as_text(std::span<const std::byte> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// The NUL-terminated string around position pos (bounded to 256 bytes each way).
std::string_view c_string_around(std::string_view text, std::size_t pos) {
    std::size_t lo = pos, hi = pos;
    while (lo > 0 && pos - lo < 256 && text[lo - 1] != '\0') --lo;
    while (hi < text.size() && hi - pos < 256 && text[hi] != '\0') ++hi;
    return text.substr(lo, hi - lo);
}

void detect_generator(std::string_view text, ModuleAudit& m) {
    // First match in table order wins per generator; generators are tried most specific first.
    static constexpr std::string_view order[] = {"pyo3", "nanobind", "pybind11", "cython"};
    for (std::string_view gen : order) {
        for (const auto& rule : generator_rules()) {
            if (rule.generator != gen) continue;
            const std::string needle_text = needle(rule);
            std::size_t pos = text.find(needle_text);
            if (pos == std::string_view::npos) continue;
            std::string version;
            for (int tries = 0; rule.version_follows && pos != std::string_view::npos && tries < 64;
                 ++tries) {
                std::size_t k = pos + needle_text.size();
                while (k < text.size() && k - pos < 40 &&
                       (std::isdigit(static_cast<unsigned char>(text[k])) || text[k] == '.' ||
                        text[k] == '_'))
                    version.push_back(text[k] == '_' ? '.' : text[k]), ++k;
                while (!version.empty() && version.back() == '.') version.pop_back();
                if (!version.empty() && std::isdigit(static_cast<unsigned char>(version[0]))) break;
                version.clear();
                pos = text.find(needle_text, pos + 1);
            }
            if (rule.version_follows && version.empty()) continue;  // e.g. "/pyo3-ffi-..." only
            m.generator = std::string(gen);
            m.generator_version = version.empty() ? "" : std::string(rule.version_prefix) + version;
            m.generator_evidence = "contains \"" + needle_text + "\"";
            break;
        }
        if (m.generator != "c-api") break;
    }
    if (m.generator == "nanobind") {
        // nb_platform.h: NB_PLATFORM_ABI_TAG "nanobind..._<compiler>..." ending in "_ft" exactly
        // when NB_FREE_THREADED; nanobind 2.x: NB_INTERNALS_ID "v<N>_<compiler>..."
        // NB_FREE_THREADED.
        for (std::string_view needle :
             {std::string_view("nanobind_"), std::string_view("_libstdcpp"),
              std::string_view("_libcpp"), std::string_view("_msvc")}) {
            for (std::size_t pos = text.find(needle); pos != std::string_view::npos;
                 pos = text.find(needle, pos + 1)) {
                std::string_view s = c_string_around(text, pos);
                if (s.rfind("nanobind", 0) == 0 ||
                    (s.size() > 2 && s[0] == 'v' &&
                     std::isdigit(static_cast<unsigned char>(s[1])))) {
                    m.generator_abi_tag = std::string(s);
                    break;
                }
            }
            if (!m.generator_abi_tag.empty()) break;
        }
    } else if (m.generator == "pybind11") {
        std::size_t pos = text.find("__pybind11_internals_v");
        if (pos != std::string_view::npos)
            m.generator_abi_tag = std::string(c_string_around(text, pos));
    }
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// For a slot array PyInit fills at run time: true if the stores decide the verdict.
bool runtime_slots(const BinaryView& v, ModuleAudit& m) {
    const SlotArray& a = m.slot_arrays[0];
    char where[64];
    std::snprintf(where, sizeof where, "0x%llx", static_cast<unsigned long long>(a.address));
    bool decodable = v.format != binfmt::Format::macho && v.arch == "x86_64";
    auto stores = decodable ? stores_into(v, a.address, 16 * 16) : decltype(stores_into(v, 0, 0)){};
    if (stores.empty()) {
        // No immediate store found is not proof of none: compilers may address it another way
        // (MSVC does for pybind11 3), so only generators that fill slots at run time stay unknown.
        std::string how = decodable ? "in a way not decoded"
                                    : "(stores are decoded only in x86-64 ELF and PE code)";
        bool runtime = m.generator == "pybind11" || m.generator == "nanobind";
        m.gil = runtime ? "unknown" : "undeclared";
        m.gil_confidence = runtime ? "unknown" : "inferred";
        m.gil_evidence = "PyModuleDef.m_slots at " + std::string(where) + " is zero-initialised; " +
                         (runtime ? m.generator + " fills it at run time " + how
                                  : "no code found storing into it " + how);
        return true;
    }
    std::map<std::uint64_t, std::int64_t> mem;
    for (auto [off, value] : stores) mem[off] = value;  // several stores: a later one in code wins
    std::optional<std::int64_t> gil;
    bool exec = false;
    for (std::uint64_t off = 0; off < 16 * 16; off += 16) {
        auto id = mem.find(off);
        if (id == mem.end() || id->second <= 0) continue;
        auto value = mem.find(off + 8);
        if (is_gil_slot(static_cast<std::uint32_t>(id->second)) && value != mem.end())
            gil = value->second;
        if (id->second == kModExec || id->second == kModExec315) exec = true;
        if (is_interpreters_slot(static_cast<std::uint32_t>(id->second)) && value != mem.end() &&
            value->second >= 0)
            m.multiple_interpreters = value->second == 0   ? "not-supported"
                                      : value->second == 1 ? "supported"
                                                           : "per-interpreter-gil";
    }
    if (gil && (*gil == 0 || *gil == 1)) {
        bool not_used = *gil == 1;
        m.gil = not_used ? "not-used" : "used", m.gil_confidence = "inferred";
        m.gil_evidence = "PyInit stores {Py_mod_gil, " +
                         std::string(not_used ? "Py_MOD_GIL_NOT_USED" : "Py_MOD_GIL_USED") +
                         "} into PyModuleDef.m_slots at " + where;
        return true;
    }
    if (exec && !gil) {
        m.gil = "undeclared", m.gil_confidence = "inferred";
        m.gil_evidence = "PyInit fills PyModuleDef.m_slots at " + std::string(where) +
                         " with Py_mod_exec but no Py_mod_gil";
        return true;
    }
    m.gil = "unknown", m.gil_confidence = "unknown";
    m.gil_evidence = "PyModuleDef.m_slots at " + std::string(where) +
                     " is filled at run time in a way not decoded";
    return true;
}

void decide_gil(const BinaryView& v, const std::unordered_set<std::string_view>& imports,
                ModuleAudit& m) {
    auto set = [&](const char* gil, const char* confidence, std::string evidence) {
        m.gil = gil;
        m.gil_confidence = confidence;
        m.gil_evidence = std::move(evidence);
    };
    // A module-def slot array in zero-initialised data is either really empty or filled by PyInit
    // at run time (pybind11 3): read the immediate stores the code makes into it.
    if (m.slot_arrays.size() == 1 && m.slot_arrays[0].zero_initialised) {
        if (runtime_slots(v, m)) return;
    }
    // Slot arrays are read straight from the bytes: when one declares Py_mod_gil, that is proof.
    std::set<std::uint64_t> gil_values;
    bool array_without_gil = false;
    bool from_def = !m.slot_arrays.empty() && m.slot_arrays[0].from_module_def;
    for (const auto& a : m.slot_arrays) {
        bool has = false;
        for (const auto& e : a.entries) {
            if (is_gil_slot(e.id)) has = true, gil_values.insert(e.value);
            if (is_interpreters_slot(e.id))
                m.multiple_interpreters = e.value == 0   ? "not-supported"
                                          : e.value == 1 ? "supported"
                                                         : "per-interpreter-gil";
        }
        array_without_gil |= !has;
    }
    char where[64];
    if (!m.slot_arrays.empty()) {
        std::snprintf(where, sizeof where, " at 0x%llx",
                      static_cast<unsigned long long>(m.slot_arrays[0].address));
    }
    if (gil_values.size() == 1 && !array_without_gil) {
        bool not_used = *gil_values.begin() == kGilNotUsed;
        set(not_used ? "not-used" : "used", "proven",
            std::string(from_def ? "PyModuleDef.m_slots" : "slot array") + where +
                " has {Py_mod_gil, " + (not_used ? "Py_MOD_GIL_NOT_USED" : "Py_MOD_GIL_USED") +
                "}");
        return;
    }
    if (gil_values.size() > 1 || (!gil_values.empty() && array_without_gil)) {
        set("unknown", "unknown",
            std::to_string(m.slot_arrays.size()) + " slot arrays that disagree on Py_mod_gil");
        return;
    }
    bool set_gil = imports.count("PyUnstable_Module_SetGIL") > 0;
    if (array_without_gil && !set_gil) {
        set("undeclared", "proven",
            std::string(from_def ? "PyModuleDef.m_slots" : "slot array") + where +
                " has no Py_mod_gil entry");
        return;
    }
    if (set_gil) {
        auto values = second_argument_at_calls(v, "PyUnstable_Module_SetGIL");
        std::set<std::int64_t> known(values.begin(), values.end());
        if (!values.empty() && !known.count(-1) && known.size() == 1 &&
            (*known.begin() == 0 || *known.begin() == 1)) {
            bool not_used = *known.begin() == 1;
            set(not_used ? "not-used" : "used", "inferred",
                "calls PyUnstable_Module_SetGIL(module, " +
                    std::string(not_used ? "Py_MOD_GIL_NOT_USED" : "Py_MOD_GIL_USED") + ") at " +
                    std::to_string(values.size()) + " call site(s)");
            return;
        }
        // pybind11 2.13 (pybind11.h create_extension_module) and nanobind 2.x (nb_module_new
        // under NB_FREE_THREADED) call it only with Py_MOD_GIL_NOT_USED.
        if (m.generator == "pybind11" || m.generator == "nanobind") {
            set("not-used", "inferred",
                "imports PyUnstable_Module_SetGIL, which " + m.generator +
                    " calls only with Py_MOD_GIL_NOT_USED");
            return;
        }
        std::string why = values.empty() ? "no call site could be followed"
                                         : "the value passed could not be decoded";
        bool decodable = (v.arch == "x86_64" && v.format != binfmt::Format::macho) ||
                         (v.arch == "arm64" && v.format == binfmt::Format::macho);
        if (!decodable)
            why = "call arguments are decoded only in x86-64 ELF/PE and arm64 Mach-O code";
        // PyO3 0.23-0.27 (src/impl_/pymodule.rs) passes its ModuleDef's gil_used flag, a field read
        // at run time.
        else if (m.generator == "pyo3")
            why += " (PyO3 passes the gil_used flag of its ModuleDef, read at run time)";
        set("unknown", "unknown",
            "imports PyUnstable_Module_SetGIL, which can be called with Py_MOD_GIL_USED too; " +
                why);
        return;
    }
    if (m.generator == "nanobind" && !m.generator_abi_tag.empty()) {
        // NB_INTERNALS_KEY (nanobind 3) appends "_a<backend>_v<internals>" after the tag.
        bool ft = ends_with(m.generator_abi_tag, "_ft") ||
                  m.generator_abi_tag.find("_ft_a") != std::string::npos;
        set(ft ? "not-used" : "undeclared", "inferred",
            "nanobind ABI tag \"" + m.generator_abi_tag + "\" " + (ft ? "has" : "lacks") +
                " the _ft suffix of FREE_THREADED");
        return;
    }
    if (m.init_style == "single-phase") {
        set("undeclared", "proven",
            "single-phase init (PyModule_Create2) without PyUnstable_Module_SetGIL");
        return;
    }
    if (m.init_style == "multi-phase" || m.init_style == "export-hook") {
        std::string why =
            m.generator == "pybind11" ? "; pybind11 3 fills its slot array at run time" : "";
        set("unknown", "unknown", "no module slot array found in data (built at run time?)" + why);
        return;
    }
    set("unknown", "unknown", "neither PyModuleDef_Init nor PyModule_Create2 is imported");
}

void decide_ft_abi(const BinaryView& v, const std::unordered_set<std::string_view>& imports,
                   ModuleAudit& m) {
    for (auto s : kFreeThreadedRefcount)
        if (imports.count(s)) {
            m.ft_abi = "free-threaded";
            m.ft_abi_evidence =
                "imports " + std::string(s) + " (Py_DECREF of free-threaded headers)";
            return;
        }
    // Windows: the interpreter DLL is named python3XYt.dll for free-threaded builds.
    for (const auto& lib : v.libraries) {
        std::string l = lib;
        std::transform(l.begin(), l.end(), l.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        if (l.rfind("python3", 0) == 0 && ends_with(l, ".dll") && l != "python3.dll" &&
            l != "python3t.dll") {
            bool t = ends_with(l, "t.dll");
            m.ft_abi = t ? "free-threaded" : "gil";
            m.ft_abi_evidence = "links " + lib;
            return;
        }
    }
    for (auto s : kGilRefcount)
        if (imports.count(s)) {
            m.ft_abi = "gil";
            m.ft_abi_evidence =
                "imports " + std::string(s) +
                " and no free-threaded refcount function (Py_DECREF of GIL headers)";
            return;
        }
    m.ft_abi = "unknown";
    m.ft_abi_evidence = "no inlined Py_DECREF symbols (limited API, or no reference counting in C)";
}

ModuleAudit audit_view(const BinaryView& v, const std::string& name) {
    ModuleAudit m;
    m.path = name;
    m.format = binfmt::format_name(v.format);
    m.arch = v.arch;
    m.bits = v.bits;
    m.size = v.bytes.size();
    parse_abi_tag(name, m);
    for (const auto& e : v.exports) {
        if (e.rfind("PyInit_", 0) == 0 && m.module_name.empty())
            m.module_name = e.substr(7), m.is_extension = true;
        if (e.rfind("PyModExport_", 0) == 0)
            m.module_name = e.substr(12), m.is_extension = true, m.init_style = "export-hook";
    }
    std::unordered_set<std::string_view> imports(v.imports.begin(), v.imports.end());
    m.import_count = imports.size();
    m.libraries = v.libraries;
    m.libraries.insert(m.libraries.end(), v.delay_libraries.begin(), v.delay_libraries.end());
    if (!m.is_extension) return m;
    if (m.init_style.empty()) {
        if (imports.count("PyModuleDef_Init") || imports.count("PyModule_FromDefAndSpec2"))
            m.init_style = "multi-phase";
        else if (imports.count("PyModule_Create2") || imports.count("PyModule_Create2TraceRefs"))
            m.init_style = "single-phase";
        else
            m.init_style = "unknown";
    }
    detect_generator(as_text(v.bytes), m);
    m.slot_arrays = find_slot_arrays(v, m.module_name);
    decide_gil(v, imports, m);
    decide_ft_abi(v, imports, m);
    for (const auto& rule : hazard_rules())
        if (imports.count(rule.symbol))
            m.hazards.push_back({std::string(rule.symbol), std::string(rule.replacement),
                                 std::string(rule.since), std::string(rule.why)});
    return m;
}

}  // namespace

std::vector<ModuleAudit> audit_module(std::span<const std::byte> bytes, const std::string& name) {
    std::vector<ModuleAudit> out;
    try {
        // Reading and every rule charge one budget sized for these bytes (binfmt/budget.hpp).
        binfmt::BudgetScope budget(bytes.size());
        for (const auto& v : binfmt::parse_binary(bytes)) out.push_back(audit_view(v, name));
    } catch (
        const std::exception& e) {  // ParseError, UnsupportedFormat, bad_alloc from a hostile file
        ModuleAudit m;
        m.path = name;
        m.error = e.what();
        m.size = bytes.size();
        parse_abi_tag(name, m);
        out.assign(1, std::move(m));
    }
    return out;
}

}  // namespace ftkit::audit

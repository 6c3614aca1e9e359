// The audit engine: one function over (binary view, rule tables) -> what one module declares.
#include "audit/module_audit.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "audit/gil_verdict.hpp"
#include "audit/rules.hpp"
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

// The file bytes the sections hold, overlaps merged: where generators' strings are. A valid
// header followed by a huge sparse tail no section covers costs nothing, and each byte is scanned
// once however many sections stack over it (issue 12).
std::vector<std::string_view> section_texts(const BinaryView& v) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
    for (const auto& s : v.sections) {
        if (s.file_size == 0 || s.file_offset >= v.bytes.size()) continue;
        ranges.emplace_back(s.file_offset,
                            s.file_offset + std::min<std::uint64_t>(s.file_size,
                                                                    v.bytes.size() - s.file_offset));
    }
    binfmt::spend(ranges.size(), "merging section ranges");
    std::sort(ranges.begin(), ranges.end());
    std::vector<std::string_view> out;
    std::uint64_t lo = 0, hi = 0;
    auto flush = [&] {
        if (hi <= lo) return;
        binfmt::spend((hi - lo) / 8 + 1, "searching for generator strings");
        out.push_back(as_text(v.bytes.subspan(lo, hi - lo)));
    };
    for (auto [a, b] : ranges) {
        if (a > hi) flush(), lo = a, hi = b;
        else hi = std::max(hi, b);
    }
    flush();
    return out;
}

// The first place `needle` occurs in any of `texts`: (text index, position), or npos.
std::pair<std::size_t, std::size_t> find_in(std::span<const std::string_view> texts,
                                            std::string_view needle) {
    for (std::size_t t = 0; t < texts.size(); ++t) {
        std::size_t pos = texts[t].find(needle);
        if (pos != std::string_view::npos) return {t, pos};
    }
    return {0, std::string_view::npos};
}

void detect_generator(std::span<const std::string_view> texts, ModuleAudit& m) {
    // First match in table order wins per generator; generators are tried most specific first.
    static constexpr std::string_view order[] = {"pyo3", "nanobind", "pybind11", "cython",
                                                  "cffi"};
    for (std::string_view gen : order) {
        // cffi's own _cffi_backend holds the cffi fingerprint (it defines the method), but is
        // plain C-API code.
        if (gen == "cffi" && m.module_name == "_cffi_backend") continue;
        for (const auto& rule : generator_rules()) {
            if (rule.generator != gen) continue;
            const std::string needle_text = needle(rule);
            auto [which, pos] = find_in(texts, needle_text);
            if (pos == std::string_view::npos) continue;
            std::string_view text = texts[which];
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
            for (std::string_view text : texts) {
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
            if (!m.generator_abi_tag.empty()) break;
        }
    } else if (m.generator == "pybind11") {
        auto [which, pos] = find_in(texts, "__pybind11_internals_v");
        if (pos != std::string_view::npos)
            m.generator_abi_tag = std::string(c_string_around(texts[which], pos));
    }
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

void decide_ft_abi(const BinaryView& v, const std::unordered_set<std::string_view>& imports,
                   ModuleAudit& m) {
    for (auto s : kFreeThreadedRefcount)
        if (imports.count(s)) {
            m.ft_abi = FtAbi::free_threaded;
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
            m.ft_abi = t ? FtAbi::free_threaded : FtAbi::gil;
            m.ft_abi_evidence = "links " + lib;
            return;
        }
    }
    for (auto s : kGilRefcount)
        if (imports.count(s)) {
            m.ft_abi = FtAbi::gil;
            m.ft_abi_evidence =
                "imports " + std::string(s) +
                " and no free-threaded refcount function (Py_DECREF of GIL headers)";
            return;
        }
    m.ft_abi = FtAbi::unknown;
    m.ft_abi_evidence = "no inlined Py_DECREF symbols (limited API, or no reference counting in C)";
}

ModuleAudit audit_view(const BinaryView& v, const std::string& name) {
    ModuleAudit m;
    m.path = name;
    m.format = v.format;
    m.arch = v.arch;
    m.bits = v.bits;
    m.size = v.bytes.size();
    parse_abi_tag(name, m);
    for (const auto& e : v.exports) {
        if (e.rfind("PyInit_", 0) == 0 && m.module_name.empty())
            m.module_name = e.substr(7), m.is_extension = true;
        if (e.rfind("PyModExport_", 0) == 0)
            m.module_name = e.substr(12), m.is_extension = true, m.init_style = InitStyle::export_hook;
    }
    std::unordered_set<std::string_view> imports(v.imports.begin(), v.imports.end());
    m.import_count = imports.size();
    m.libraries = v.libraries;
    m.libraries.insert(m.libraries.end(), v.delay_libraries.begin(), v.delay_libraries.end());
    if (!m.is_extension) return m;
    if (!m.init_style) {
        if (imports.count("PyModuleDef_Init") || imports.count("PyModule_FromDefAndSpec2"))
            m.init_style = InitStyle::multi_phase;
        else if (imports.count("PyModule_Create2") || imports.count("PyModule_Create2TraceRefs"))
            m.init_style = InitStyle::single_phase;
        else
            m.init_style = InitStyle::unknown;
    }
    detect_generator(section_texts(v), m);
    m.slot_arrays = find_slot_arrays(v, m.module_name);
    GilDecision gil = decide_gil(read_gil_evidence(v, imports, m));
    m.gil = gil.verdict;
    m.gil_confidence = gil.confidence;
    m.gil_evidence = std::move(gil.evidence);
    m.gil_rule = std::string(gil.rule);
    decide_ft_abi(v, imports, m);
    for (const auto& rule : hazard_rules())
        if (imports.count(rule.symbol))
            m.hazards.push_back({std::string(rule.symbol), std::string(rule.replacement),
                                 std::string(rule.since), std::string(rule.why),
                                 called_by_runtime(m.generator, rule.symbol)});
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

// ftkit._core.audit_*: bindings of src/audit. Results cross as read-only objects whose attributes
// come from the field table (audit/audit_fields.hpp), verdicts as enums (audit/verdicts.hpp).
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <type_traits>

#include "audit/audit_fields.hpp"
#include "audit/gil_verdict.hpp"

namespace nb = nanobind;
using namespace ftkit::audit;

namespace {

// Bytes from a binary (names in a wheel, exports, DT_NEEDED, METADATA) need not be UTF-8:
// decode with U+FFFD replacement rather than raise UnicodeDecodeError in the caller.
nb::str decoded(const std::string& s) {
    PyObject* text = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
    if (!text) throw nb::python_error();
    return nb::steal<nb::str>(text);
}

const char* json_name(Json how) {
    switch (how) {
        case Json::key:
            return "key";
        case Json::null_if_empty:
            return "null_if_empty";
        case Json::omit:
            return "omit";
    }
    return "omit";
}

// One attribute per row of the field table; the rows themselves become the class's FIELDS:
// ((name, json path, "key" | "null_if_empty" | "omit"), ...), read by ftkit.audit's JSON writer.
template <class T>
void bind_fields(nb::class_<T>& cls) {
    nb::list rows;
    visit_fields(static_cast<const T*>(nullptr),
                 [&](const char* name, auto member, const char* json, Json how) {
                     using V = std::remove_cvref_t<decltype(std::declval<const T&>().*member)>;
                     if constexpr (std::is_same_v<V, std::string>) {
                         cls.def_prop_ro(name,
                                         [member](const T& self) { return decoded(self.*member); });
                     } else if constexpr (std::is_same_v<V, std::vector<std::string>>) {
                         cls.def_prop_ro(name, [member](const T& self) {
                             nb::list out;
                             for (const auto& s : self.*member) out.append(decoded(s));
                             return out;
                         });
                     } else {
                         cls.def_ro(name, member);
                     }
                     rows.append(nb::make_tuple(name, json, json_name(how)));
                 });
    cls.attr("FIELDS") = nb::tuple(rows);
}

// Members are the report names with "-" as "_" (GilVerdict.not_used is "not-used", Format.Mach_O
// is "Mach-O"): ftkit.audit.fields.text() turns them back.
template <class E, class Names>
void bind_enum(nb::module_& m, const char* name, const char* doc, const Names& names) {
    nb::enum_<E> e(m, name, doc);
    for (const auto& [value, text] : names) {
        std::string id(text);
        for (char& c : id)
            if (c == '-') c = '_';
        e.value(id.c_str(), value);
    }
}

}  // namespace

void bind_audit(nb::module_& m) {
    bind_enum<GilVerdict>(m, "GilVerdict", "What a module declares about the GIL.",
                          kGilVerdictNames);
    bind_enum<Confidence>(m, "Confidence", "How a verdict was reached.", kConfidenceNames);
    bind_enum<FtAbi>(m, "FtAbi", "Which headers a module was compiled against.", kFtAbiNames);
    bind_enum<InitStyle>(m, "InitStyle", "How a module is created.", kInitStyleNames);
    using ftkit::binfmt::Format;
    bind_enum<Format>(m, "Format", "The executable format of a module.",
                      std::initializer_list<std::pair<Format, const char*>>{
                          {Format::elf, format_name(Format::elf)},
                          {Format::macho, format_name(Format::macho)},
                          {Format::pe, format_name(Format::pe)}});

    nb::class_<Hazard> hazard(m, "Hazard");
    bind_fields(hazard);
    nb::class_<SlotEntry> entry(m, "SlotEntry");
    bind_fields(entry);
    nb::class_<SlotArray> array(m, "SlotArray");
    bind_fields(array);
    nb::class_<ModuleAudit> module(m, "ModuleAudit");
    bind_fields(module);
    nb::class_<FileAudit> file(m, "FileAudit");
    bind_fields(file);

    m.def(
        "audit_paths",
        [](const std::vector<std::string>& paths, int jobs) {
            // Ctrl-C: the GIL is released while C++ works; poll Python's signal handlers so a
            // SIGINT cancels the run and raises KeyboardInterrupt here.
            bool interrupted = false;
            std::vector<FileAudit> out;
            {
                nb::gil_scoped_release unlocked;
                out = audit_paths(paths, jobs, [&] {
                    nb::gil_scoped_acquire locked;
                    return interrupted = PyErr_CheckSignals() != 0;
                });
            }
            if (interrupted) throw nb::python_error();
            return out;
        },
        nb::arg("paths"), nb::arg("jobs") = 1,
        "Audit wheels and extension binaries (C++ threads); Ctrl-C cancels.");
    m.def(
        "audit_bytes",
        [](nb::bytes data, const std::string& name) {
            return audit_file_bytes({static_cast<const std::byte*>(data.data()), data.size()},
                                    name);
        },
        nb::arg("data"), nb::arg("name"),
        "Audit one file given as bytes; the name gives the ABI tag (.whl: a wheel).");
    m.def(
        "gil_rules",
        [] {
            nb::list out;
            for (const auto& r : gil_rules())
                out.append(nb::make_tuple(std::string(r.id), r.verdict, r.confidence,
                                          std::string(r.evidence), std::string(r.source)));
            return out;
        },
        "The GIL verdict rows in the order they are tried: (id, verdict, confidence, evidence "
        "template, source).");
}

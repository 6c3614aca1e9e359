// The one list of audit result fields: the Python binding makes an attribute of each row, and
// ftkit.audit writes the JSON report from the same rows (their json path and null rule).
#pragma once

#include "audit/audit_files.hpp"
#include "audit/module_audit.hpp"

namespace ftkit::audit {

/// How a field appears in the JSON report.
enum class Json {
    key,            // under its json path ("gil.verdict": nested objects; "[1]": an array slot;
                    // "": the object is written as this one value)
    null_if_empty,  // same, but an empty value is written as null
    omit,           // only an attribute, not in the report
};

// visit(name, member pointer, json path, Json) once per field, in report order.
template <class Visit>
void visit_fields(const Hazard*, Visit&& visit) {
    visit("symbol", &Hazard::symbol, "", Json::key);  // the report lists hazards by symbol
    visit("replacement", &Hazard::replacement, "", Json::omit);
    visit("since", &Hazard::since, "", Json::omit);
    visit("why", &Hazard::why, "", Json::omit);
    visit("runtime", &Hazard::runtime, "", Json::omit);
}

template <class Visit>
void visit_fields(const SlotEntry*, Visit&& visit) {
    visit("id", &SlotEntry::id, "[0]", Json::key);
    visit("value", &SlotEntry::value, "[1]", Json::key);
    visit("value_is_pointer", &SlotEntry::value_is_pointer, "[2]", Json::key);
}

template <class Visit>
void visit_fields(const SlotArray*, Visit&& visit) {
    visit("address", &SlotArray::address, "address", Json::key);
    visit("pyslot", &SlotArray::pyslot, "pyslot", Json::key);
    visit("referenced", &SlotArray::referenced, "referenced", Json::key);
    visit("from_module_def", &SlotArray::from_module_def, "", Json::omit);
    visit("zero_initialised", &SlotArray::zero_initialised, "", Json::omit);
    visit("entries", &SlotArray::entries, "entries", Json::key);
}

template <class Visit>
void visit_fields(const ModuleAudit*, Visit&& visit) {
    visit("path", &ModuleAudit::path, "path", Json::key);
    visit("error", &ModuleAudit::error, "error", Json::null_if_empty);
    visit("is_extension", &ModuleAudit::is_extension, "", Json::omit);
    visit("module_name", &ModuleAudit::module_name, "module", Json::key);
    visit("format", &ModuleAudit::format, "format", Json::key);
    visit("arch", &ModuleAudit::arch, "arch", Json::key);
    visit("bits", &ModuleAudit::bits, "bits", Json::key);
    visit("abi_tag", &ModuleAudit::abi_tag, "abi_tag", Json::null_if_empty);
    visit("platform_tag", &ModuleAudit::platform_tag, "platform_tag", Json::null_if_empty);
    visit("init_style", &ModuleAudit::init_style, "init_style", Json::key);
    visit("gil", &ModuleAudit::gil, "gil.verdict", Json::key);
    visit("gil_confidence", &ModuleAudit::gil_confidence, "gil.confidence", Json::key);
    visit("gil_evidence", &ModuleAudit::gil_evidence, "gil.evidence", Json::key);
    visit("gil_rule", &ModuleAudit::gil_rule, "", Json::omit);
    visit("ft_abi", &ModuleAudit::ft_abi, "free_threaded_abi.verdict", Json::key);
    visit("ft_abi_evidence", &ModuleAudit::ft_abi_evidence, "free_threaded_abi.evidence",
          Json::key);
    visit("multiple_interpreters", &ModuleAudit::multiple_interpreters, "multiple_interpreters",
          Json::null_if_empty);
    visit("generator", &ModuleAudit::generator, "generator.name", Json::key);
    visit("generator_version", &ModuleAudit::generator_version, "generator.version",
          Json::null_if_empty);
    visit("generator_evidence", &ModuleAudit::generator_evidence, "generator.evidence",
          Json::null_if_empty);
    visit("generator_abi_tag", &ModuleAudit::generator_abi_tag, "generator.abi_tag",
          Json::null_if_empty);
    visit("slot_arrays", &ModuleAudit::slot_arrays, "slot_arrays", Json::key);
    visit("hazards", &ModuleAudit::hazards, "hazards", Json::key);
    visit("libraries", &ModuleAudit::libraries, "libraries", Json::key);
    visit("import_count", &ModuleAudit::import_count, "imports", Json::key);
    visit("size", &ModuleAudit::size, "size", Json::key);
}

template <class Visit>
void visit_fields(const FileAudit*, Visit&& visit) {
    visit("path", &FileAudit::path, "path", Json::key);
    visit("kind", &FileAudit::kind, "kind", Json::key);
    visit("error", &FileAudit::error, "error", Json::null_if_empty);
    visit("unsafe_names", &FileAudit::unsafe_names, "unsafe_names", Json::key);
    visit("other_binaries", &FileAudit::other_binaries, "other_binaries", Json::key);
    visit("modules", &FileAudit::modules, "modules", Json::key);
    visit("wheel_text", &FileAudit::wheel_text, "", Json::omit);
    visit("metadata_text", &FileAudit::metadata_text, "", Json::omit);
}

}  // namespace ftkit::audit

// ftkit._core.audit_*: bindings of src/audit (results cross as read-only structs).
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "audit/audit_files.hpp"

namespace nb = nanobind;
using namespace ftkit::audit;

void bind_audit(nb::module_& m) {
    nb::class_<Hazard>(m, "Hazard")
        .def_ro("symbol", &Hazard::symbol)
        .def_ro("replacement", &Hazard::replacement)
        .def_ro("since", &Hazard::since)
        .def_ro("why", &Hazard::why);
    nb::class_<SlotEntry>(m, "SlotEntry")
        .def_ro("id", &SlotEntry::id)
        .def_ro("value", &SlotEntry::value)
        .def_ro("value_is_pointer", &SlotEntry::value_is_pointer);
    nb::class_<SlotArray>(m, "SlotArray")
        .def_ro("address", &SlotArray::address)
        .def_ro("pyslot", &SlotArray::pyslot)
        .def_ro("referenced", &SlotArray::referenced)
        .def_ro("from_module_def", &SlotArray::from_module_def)
        .def_ro("zero_initialised", &SlotArray::zero_initialised)
        .def_ro("entries", &SlotArray::entries);
    nb::class_<ModuleAudit>(m, "ModuleAudit")
        .def_ro("path", &ModuleAudit::path)
        .def_ro("error", &ModuleAudit::error)
        .def_ro("is_extension", &ModuleAudit::is_extension)
        .def_ro("format", &ModuleAudit::format)
        .def_ro("arch", &ModuleAudit::arch)
        .def_ro("bits", &ModuleAudit::bits)
        .def_ro("abi_tag", &ModuleAudit::abi_tag)
        .def_ro("platform_tag", &ModuleAudit::platform_tag)
        .def_ro("module_name", &ModuleAudit::module_name)
        .def_ro("init_style", &ModuleAudit::init_style)
        .def_ro("gil", &ModuleAudit::gil)
        .def_ro("gil_confidence", &ModuleAudit::gil_confidence)
        .def_ro("gil_evidence", &ModuleAudit::gil_evidence)
        .def_ro("multiple_interpreters", &ModuleAudit::multiple_interpreters)
        .def_ro("slot_arrays", &ModuleAudit::slot_arrays)
        .def_ro("ft_abi", &ModuleAudit::ft_abi)
        .def_ro("ft_abi_evidence", &ModuleAudit::ft_abi_evidence)
        .def_ro("generator", &ModuleAudit::generator)
        .def_ro("generator_version", &ModuleAudit::generator_version)
        .def_ro("generator_evidence", &ModuleAudit::generator_evidence)
        .def_ro("generator_abi_tag", &ModuleAudit::generator_abi_tag)
        .def_ro("hazards", &ModuleAudit::hazards)
        .def_ro("libraries", &ModuleAudit::libraries)
        .def_ro("import_count", &ModuleAudit::import_count)
        .def_ro("size", &ModuleAudit::size);
    nb::class_<FileAudit>(m, "FileAudit")
        .def_ro("path", &FileAudit::path)
        .def_ro("kind", &FileAudit::kind)
        .def_ro("error", &FileAudit::error)
        .def_ro("wheel_text", &FileAudit::wheel_text)
        .def_ro("metadata_text", &FileAudit::metadata_text)
        .def_ro("unsafe_names", &FileAudit::unsafe_names)
        .def_ro("modules", &FileAudit::modules)
        .def_ro("other_binaries", &FileAudit::other_binaries);
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
            std::span<const std::byte> view(static_cast<const std::byte*>(data.data()),
                                            data.size());
            if (name.size() >= 4 && name.compare(name.size() - 4, 4, ".whl") == 0) {
                FileAudit f = audit_wheel_bytes(view, name);
                return f;
            }
            FileAudit f;
            f.path = name;
            f.kind = "binary";
            for (auto& mod : audit_module(view, name)) {
                if (mod.is_extension || !mod.error.empty())
                    f.modules.push_back(std::move(mod));
                else
                    ++f.other_binaries;
            }
            return f;
        },
        nb::arg("data"), nb::arg("name"),
        "Audit one file given as bytes; the name gives the ABI tag.");
}

// The GIL verdict rows, tried in order; each cites where its fact comes from.
#include <array>

#include "audit/gil_verdict.hpp"
#include "audit/slot_ids.hpp"

namespace ftkit::audit {
namespace {

using E = GilEvidence;
using V = GilVerdict;
using C = Confidence;

// An optional decoded value equal to Py_MOD_GIL_USED or Py_MOD_GIL_NOT_USED.
bool is(std::optional<std::int64_t> value, std::uint64_t gil) {
    return value && *value == static_cast<std::int64_t>(gil);
}
bool is_runtime_filler(const E& e) { return e.generator == "pybind11" || e.generator == "nanobind"; }
bool one_slot_value(const E& e) { return e.gil_values.size() == 1 && !e.array_without_gil; }
bool nanobind_tagged(const E& e) {
    return e.generator == "nanobind" && !e.generator_abi_tag.empty();
}
// nanobind's NB_PLATFORM_ABI_TAG ends in "_ft" exactly when NB_FREE_THREADED; NB_INTERNALS_KEY
// (nanobind 3) appends "_a<backend>_v<internals>" after it.
bool nanobind_ft(const E& e) {
    const std::string& t = e.generator_abi_tag;
    return (t.size() >= 3 && t.compare(t.size() - 3, 3, "_ft") == 0) ||
           t.find("_ft_a") != std::string::npos;
}
bool multi_phase(const E& e) {
    return e.init_style == InitStyle::multi_phase || e.init_style == InitStyle::export_hook;
}

constexpr std::array kRules = {
    // 1. A module-def slot array in zero-initialised data is either really empty or filled by
    //    PyInit at run time: pybind11 3's PYBIND11_MODULE keeps it in a function-local static
    //    (include/pybind11/pybind11.h); read the immediate stores PyInit makes into it.
    GilRule{"runtime-slots-not-decoded-generator",
            [](const E& e) { return e.runtime_array && !e.stores_found && is_runtime_filler(e); },
            V::unknown, C::unknown,
            "PyModuleDef.m_slots at {address} is zero-initialised; {generator} fills it at run "
            "time {how}",
            "pybind11 3 pybind11.h PYBIND11_MODULE; nanobind nb_module_new (both fill slots in "
            "PyInit); stores the decoder (call_args.cpp stores_into) does not follow"},
    GilRule{"runtime-slots-no-store",
            [](const E& e) { return e.runtime_array && !e.stores_found; }, V::undeclared,
            C::inferred,
            "PyModuleDef.m_slots at {address} is zero-initialised; no code found storing into it "
            "{how}",
            "Include/moduleobject.h: an empty m_slots ({0, NULL}) has no Py_mod_gil"},
    GilRule{"runtime-slots-store-not-used",
            [](const E& e) { return e.runtime_array && is(e.stored_gil, kGilNotUsed); },
            V::not_used, C::inferred,
            "PyInit stores {Py_mod_gil, Py_MOD_GIL_NOT_USED} into PyModuleDef.m_slots at "
            "{address}",
            "Include/moduleobject.h: Py_mod_gil = 4, Py_MOD_GIL_NOT_USED = (void *)1"},
    GilRule{"runtime-slots-store-used",
            [](const E& e) { return e.runtime_array && is(e.stored_gil, kGilUsed); }, V::used,
            C::inferred,
            "PyInit stores {Py_mod_gil, Py_MOD_GIL_USED} into PyModuleDef.m_slots at {address}",
            "Include/moduleobject.h: Py_MOD_GIL_USED = (void *)0"},
    GilRule{"runtime-slots-exec-only",
            [](const E& e) { return e.runtime_array && e.stored_exec && !e.stored_gil; },
            V::undeclared, C::inferred,
            "PyInit fills PyModuleDef.m_slots at {address} with Py_mod_exec but no Py_mod_gil",
            "Python/import.c: a module without Py_mod_gil is treated as Py_MOD_GIL_USED"},
    GilRule{"runtime-slots-not-decoded", [](const E& e) { return e.runtime_array; }, V::unknown,
            C::unknown,
            "PyModuleDef.m_slots at {address} is filled at run time in a way not decoded", ""},

    // 2. Slot arrays read straight from the bytes: when they declare Py_mod_gil, that is proof.
    GilRule{"slot-not-used",
            [](const E& e) { return one_slot_value(e) && *e.gil_values.begin() == kGilNotUsed; },
            V::not_used, C::proven, "{slots} at {address} has {Py_mod_gil, Py_MOD_GIL_NOT_USED}",
            "Include/moduleobject.h: PyModuleDef_Slot {int slot; void *value}, Py_mod_gil = 4 "
            "(87 in 3.15), Py_MOD_GIL_NOT_USED = (void *)1"},
    GilRule{"slot-used", one_slot_value, V::used, C::proven,
            "{slots} at {address} has {Py_mod_gil, Py_MOD_GIL_USED}",
            "Include/moduleobject.h: Py_MOD_GIL_USED = (void *)0"},
    GilRule{"slots-disagree",
            [](const E& e) {
                return e.gil_values.size() > 1 || (!e.gil_values.empty() && e.array_without_gil);
            },
            V::unknown, C::unknown, "{arrays} slot arrays that disagree on Py_mod_gil", ""},
    GilRule{"slot-missing",
            [](const E& e) { return e.array_without_gil && !e.imports_set_gil; }, V::undeclared,
            C::proven, "{slots} at {address} has no Py_mod_gil entry",
            "Python/import.c _PyImport_CheckGILForModule: no Py_mod_gil means Py_MOD_GIL_USED"},

    // 3. Single-phase modules declare with PyUnstable_Module_SetGIL(m, value). Importing it proves
    //    nothing: Cython and PyO3 0.23-0.27 pass Py_MOD_GIL_USED too, so decode the value.
    GilRule{"set-gil-not-used",
            [](const E& e) { return e.imports_set_gil && is(e.set_gil_value, kGilNotUsed); },
            V::not_used, C::inferred,
            "calls PyUnstable_Module_SetGIL(module, Py_MOD_GIL_NOT_USED) at {calls} call site(s)",
            "Include/moduleobject.h PyUnstable_Module_SetGIL (3.13+)"},
    GilRule{"set-gil-used",
            [](const E& e) { return e.imports_set_gil && is(e.set_gil_value, kGilUsed); }, V::used,
            C::inferred,
            "calls PyUnstable_Module_SetGIL(module, Py_MOD_GIL_USED) at {calls} call site(s)",
            "Include/moduleobject.h PyUnstable_Module_SetGIL (3.13+)"},
    //    pybind11 and nanobind call it only with Py_MOD_GIL_NOT_USED, and only when the module
    //    asks: the import alone proves nothing (matplotlib 3.9.4's pybind11 modules on macOS
    //    import it, never call it, and turn the GIL on; issue 11). A call site must be found.
    GilRule{"set-gil-generator-not-used",
            [](const E& e) {
                return e.imports_set_gil && is_runtime_filler(e) && e.set_gil_calls > 0;
            },
            V::not_used, C::inferred,
            "calls PyUnstable_Module_SetGIL at {calls} call site(s), which {generator} calls only "
            "with Py_MOD_GIL_NOT_USED",
            "pybind11 2.13 pybind11.h create_extension_module; nanobind 2.x nb_module_new under "
            "NB_FREE_THREADED"},
    GilRule{"set-gil-generator-no-call",
            [](const E& e) {
                return e.imports_set_gil && is_runtime_filler(e) && e.call_args_decodable;
            },
            V::unknown, C::unknown,
            "imports PyUnstable_Module_SetGIL but no call to it was found; {generator} calls it "
            "only when the module asks (pybind11 py::mod_gil_not_used(), nanobind FREE_THREADED), "
            "so the import alone does not declare support",
            "pybind11 2.13 pybind11.h create_extension_module: the call is under "
            "`if (gil_not_used.flag())`"},
    //    PyO3 0.23-0.27 call it in ModuleDef::make_module with the flag PyInit passes as a
    //    literal: `if gil_used { Py_MOD_GIL_USED } else { Py_MOD_GIL_NOT_USED }`.
    GilRule{"pyo3-make-module-not-used",
            [](const E& e) { return e.pyo3_make_module && is(e.make_module_gil_used, 0); },
            V::not_used, C::inferred,
            "PyInit passes gil_used = false to PyO3's ModuleDef::make_module at "
            "{make_module_calls} call site(s), which then calls PyUnstable_Module_SetGIL(module, "
            "Py_MOD_GIL_NOT_USED)",
            "PyO3 0.23-0.27 src/impl_/pymodule.rs ModuleDef::make_module; pyo3-macros-backend "
            "src/module.rs __pyo3_init: _PYO3_DEF.make_module(py, #gil_used)"},
    GilRule{"pyo3-make-module-used",
            [](const E& e) { return e.pyo3_make_module && is(e.make_module_gil_used, 1); },
            V::used, C::inferred,
            "PyInit passes gil_used = true to PyO3's ModuleDef::make_module at "
            "{make_module_calls} call site(s), which then calls PyUnstable_Module_SetGIL(module, "
            "Py_MOD_GIL_USED) (the default without #[pymodule(gil_used = false)])",
            "PyO3 0.23-0.27 src/impl_/pymodule.rs ModuleDef::make_module; pyo3-macros-backend "
            "src/module.rs: gil_used defaults to true"},
    GilRule{"set-gil-arch-not-decoded",
            [](const E& e) { return e.imports_set_gil && !e.call_args_decodable; }, V::unknown,
            C::unknown,
            "imports PyUnstable_Module_SetGIL, which can be called with Py_MOD_GIL_USED too; call "
            "arguments are decoded only in x86-64 code and arm64 Mach-O/PE code",
            "src/audit/call_args.cpp"},
    GilRule{"set-gil-pyo3-not-decoded",
            [](const E& e) { return e.imports_set_gil && e.generator == "pyo3"; }, V::unknown,
            C::unknown,
            "imports PyUnstable_Module_SetGIL, which can be called with Py_MOD_GIL_USED too; "
            "{unread} (PyO3 passes the gil_used flag of its ModuleDef, read at run time)",
            "PyO3 0.23-0.27 src/impl_/pymodule.rs"},
    GilRule{"set-gil-not-decoded", [](const E& e) { return e.imports_set_gil; }, V::unknown,
            C::unknown,
            "imports PyUnstable_Module_SetGIL, which can be called with Py_MOD_GIL_USED too; "
            "{unread}",
            "Cython Utility/ModuleSetupCode.c passes Py_MOD_GIL_USED without the directive"},

    // 4. Generator fingerprints and the init style, when no declaration was read.
    GilRule{"nanobind-ft-tag", [](const E& e) { return nanobind_tagged(e) && nanobind_ft(e); },
            V::not_used, C::inferred,
            "nanobind ABI tag \"{abi_tag}\" has the _ft suffix of FREE_THREADED",
            "nanobind include/nanobind/nb_platform.h NB_PLATFORM_ABI_TAG, NB_FREE_THREADED_ABI"},
    GilRule{"nanobind-gil-tag", nanobind_tagged, V::undeclared, C::inferred,
            "nanobind ABI tag \"{abi_tag}\" lacks the _ft suffix of FREE_THREADED",
            "nanobind include/nanobind/nb_platform.h NB_PLATFORM_ABI_TAG"},
    //    cffi's out-of-line modules import neither init function: PyInit calls _cffi_backend's
    //    _init_cffi_1_0_external_module, which creates the module object. The declaration is
    //    that of the _cffi_backend installed: Py_MOD_GIL_NOT_USED since cffi 2.0, the first cffi
    //    with free-threaded wheels (measured: argon2-cffi-bindings 25.1.0 cp314t keeps the GIL
    //    off beside cffi 2.1.1 on 3.14t).
    GilRule{"cffi-backend-creates-module",
            [](const E& e) {
                return e.generator == "cffi" && e.init_style == InitStyle::unknown &&
                       e.slot_arrays == 0 && !e.imports_set_gil;
            },
            V::not_used, C::inferred,
            "cffi module: _cffi_backend creates the module object "
            "(_init_cffi_1_0_external_module), and declares Py_MOD_GIL_NOT_USED for it since cffi "
            "2.0 (free-threaded interpreters have no older cffi wheels)",
            "cffi src/cffi/_cffi_include.h _cffi_init; src/c/cffi1_module.c _my_Py_InitModule: "
            "PyModule_Create2, then PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED) (read in "
            "cffi 2.1.1's _cffi_backend)"},
    GilRule{"single-phase-undeclared",
            [](const E& e) { return e.init_style == InitStyle::single_phase; }, V::undeclared,
            C::proven, "single-phase init (PyModule_Create2) without PyUnstable_Module_SetGIL",
            "Python/import.c: a single-phase module is GIL-using unless it calls "
            "PyUnstable_Module_SetGIL"},
    GilRule{"multi-phase-pybind11-no-array",
            [](const E& e) { return multi_phase(e) && e.generator == "pybind11"; }, V::unknown,
            C::unknown,
            "no module slot array found in data (built at run time?); pybind11 3 fills its slot "
            "array at run time",
            "pybind11 3 pybind11.h PYBIND11_MODULE"},
    GilRule{"multi-phase-no-array", multi_phase, V::unknown, C::unknown,
            "no module slot array found in data (built at run time?)", ""},
    GilRule{"no-init", [](const E&) { return true; }, V::unknown, C::unknown,
            "neither PyModuleDef_Init nor PyModule_Create2 is imported", ""},
};

}  // namespace

std::span<const GilRule> gil_rules() { return kRules; }

}  // namespace ftkit::audit

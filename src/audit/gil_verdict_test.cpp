// The GIL verdict rows and their walker, on evidence written out in the test (no binaries).
#include "audit/gil_verdict.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

using ftkit::audit::Confidence;
using ftkit::audit::decide_gil;
using ftkit::audit::fill_evidence;
using ftkit::audit::gil_rules;
using ftkit::audit::GilEvidence;
using ftkit::audit::GilVerdict;
using ftkit::audit::InitStyle;

GilEvidence slots(std::set<std::uint64_t> values, bool without = false) {
    GilEvidence e;
    e.slot_arrays = without && !values.empty() ? 2 : 1;
    e.first_array = 0x4a20;
    e.from_module_def = true;
    e.gil_values = std::move(values);
    e.array_without_gil = without;
    e.init_style = InitStyle::multi_phase;
    return e;
}

GilEvidence runtime(std::string generator, bool decodable = true) {
    GilEvidence e;
    e.slot_arrays = 1, e.first_array = 0x8000, e.from_module_def = true, e.runtime_array = true;
    e.stores_decodable = decodable;
    e.generator = std::move(generator);
    return e;
}

GilEvidence set_gil(std::string generator = "c-api") {
    GilEvidence e;
    e.imports_set_gil = true, e.call_args_decodable = true;
    e.generator = std::move(generator);
    e.init_style = InitStyle::single_phase;
    return e;
}

struct Case {
    const char* name;
    GilEvidence evidence;
    const char* rule;
    GilVerdict verdict;
    Confidence confidence;
    const char* text;
};

std::vector<Case> cases() {
    std::vector<Case> out;
    auto add = [&](const char* name, GilEvidence e, const char* rule, GilVerdict v, Confidence c,
                   const char* text) { out.push_back({name, std::move(e), rule, v, c, text}); };
    using V = GilVerdict;
    using C = Confidence;
    add("pybind11 3, stores not found", runtime("pybind11"), "runtime-slots-not-decoded-generator",
        V::unknown, C::unknown,
        "PyModuleDef.m_slots at 0x8000 is zero-initialised; pybind11 fills it at run time in a "
        "way not decoded");
    add("empty bss array, stores not decoded", runtime("c-api", false), "runtime-slots-no-store",
        V::undeclared, C::inferred,
        "PyModuleDef.m_slots at 0x8000 is zero-initialised; no code found storing into it "
        "(stores are decoded only in x86-64 and arm64 code)");
    GilEvidence stores = runtime("pybind11");
    stores.stores_found = true, stores.stored_exec = true, stores.stored_gil = 1;
    add("pybind11 3 mod_gil_not_used", stores, "runtime-slots-store-not-used", V::not_used,
        C::inferred,
        "PyInit stores {Py_mod_gil, Py_MOD_GIL_NOT_USED} into PyModuleDef.m_slots at 0x8000");
    stores.stored_gil = 0;
    add("pybind11 3 gil used", stores, "runtime-slots-store-used", V::used, C::inferred,
        "PyInit stores {Py_mod_gil, Py_MOD_GIL_USED} into PyModuleDef.m_slots at 0x8000");
    stores.stored_gil.reset();
    add("pybind11 3 default", stores, "runtime-slots-exec-only", V::undeclared, C::inferred,
        "PyInit fills PyModuleDef.m_slots at 0x8000 with Py_mod_exec but no Py_mod_gil");
    stores.stored_exec = false, stores.stored_gil = 7;
    add("odd stored value", stores, "runtime-slots-not-decoded", V::unknown, C::unknown,
        "PyModuleDef.m_slots at 0x8000 is filled at run time in a way not decoded");
    add("multi-phase NOT_USED", slots({1}), "slot-not-used", V::not_used, C::proven,
        "PyModuleDef.m_slots at 0x4a20 has {Py_mod_gil, Py_MOD_GIL_NOT_USED}");
    GilEvidence found = slots({0});
    found.from_module_def = false;
    add("multi-phase USED, found by scan", found, "slot-used", V::used, C::proven,
        "slot array at 0x4a20 has {Py_mod_gil, Py_MOD_GIL_USED}");
    add("two arrays, one without", slots({1}, true), "slots-disagree", V::unknown, C::unknown,
        "2 slot arrays that disagree on Py_mod_gil");
    add("multi-phase without Py_mod_gil", slots({}, true), "slot-missing", V::undeclared,
        C::proven, "PyModuleDef.m_slots at 0x4a20 has no Py_mod_gil entry");
    GilEvidence call = set_gil();
    call.set_gil_calls = 2, call.set_gil_value = 1;
    add("SetGIL(NOT_USED)", call, "set-gil-not-used", V::not_used, C::inferred,
        "calls PyUnstable_Module_SetGIL(module, Py_MOD_GIL_NOT_USED) at 2 call site(s)");
    call.set_gil_value = 0;
    add("SetGIL(USED)", call, "set-gil-used", V::used, C::inferred,
        "calls PyUnstable_Module_SetGIL(module, Py_MOD_GIL_USED) at 2 call site(s)");
    GilEvidence pb_call = set_gil("pybind11");
    pb_call.set_gil_calls = 1, pb_call.set_gil_undecoded = true;
    add("pybind11 2.13 SetGIL called", pb_call, "set-gil-generator-not-used", V::not_used,
        C::inferred,
        "calls PyUnstable_Module_SetGIL at 1 call site(s), which pybind11 calls only with "
        "Py_MOD_GIL_NOT_USED");
    add("pybind11 2.13 SetGIL imported, not called", set_gil("pybind11"),
        "set-gil-generator-no-call", V::unknown, C::unknown,
        "imports PyUnstable_Module_SetGIL but no call to it was found; pybind11 calls it only "
        "when the module asks (pybind11 py::mod_gil_not_used(), nanobind FREE_THREADED), so the "
        "import alone does not declare support");
    GilEvidence pb_x86_mac = set_gil("pybind11");
    pb_x86_mac.call_args_decodable = false;
    add("pybind11 SetGIL on x86-64 Mach-O", pb_x86_mac, "set-gil-arch-not-decoded", V::unknown,
        C::unknown,
        "imports PyUnstable_Module_SetGIL, which can be called with Py_MOD_GIL_USED too; call "
        "arguments are decoded only in x86-64 code and arm64 Mach-O/PE code");
    GilEvidence other_arch = set_gil("cython");
    other_arch.call_args_decodable = false;
    add("Cython on x86-64 Mach-O", other_arch, "set-gil-arch-not-decoded", V::unknown,
        C::unknown,
        "imports PyUnstable_Module_SetGIL, which can be called with Py_MOD_GIL_USED too; call "
        "arguments are decoded only in x86-64 code and arm64 Mach-O/PE code");
    GilEvidence pyo3 = set_gil("pyo3");
    pyo3.set_gil_calls = 1, pyo3.set_gil_undecoded = true;
    add("PyO3 0.25", pyo3, "set-gil-pyo3-not-decoded", V::unknown, C::unknown,
        "imports PyUnstable_Module_SetGIL, which can be called with Py_MOD_GIL_USED too; the "
        "value passed could not be decoded (PyO3 passes the gil_used flag of its ModuleDef, read "
        "at run time)");
    GilEvidence pyo3_ft = set_gil("pyo3");
    pyo3_ft.set_gil_calls = 1, pyo3_ft.set_gil_undecoded = true, pyo3_ft.pyo3_make_module = true;
    pyo3_ft.make_module_calls = 1, pyo3_ft.make_module_gil_used = 0;
    add("PyO3 0.23 gil_used = false", pyo3_ft, "pyo3-make-module-not-used", V::not_used,
        C::inferred,
        "PyInit passes gil_used = false to PyO3's ModuleDef::make_module at 1 call site(s), which "
        "then calls PyUnstable_Module_SetGIL(module, Py_MOD_GIL_NOT_USED)");
    pyo3_ft.make_module_gil_used = 1;
    add("PyO3 0.26 default", pyo3_ft, "pyo3-make-module-used", V::used, C::inferred,
        "PyInit passes gil_used = true to PyO3's ModuleDef::make_module at 1 call site(s), which "
        "then calls PyUnstable_Module_SetGIL(module, Py_MOD_GIL_USED) (the default without "
        "#[pymodule(gil_used = false)])");
    add("SetGIL, no call followed", set_gil(), "set-gil-not-decoded", V::unknown, C::unknown,
        "imports PyUnstable_Module_SetGIL, which can be called with Py_MOD_GIL_USED too; no call "
        "site could be followed");
    GilEvidence nb;
    nb.generator = "nanobind", nb.generator_abi_tag = "v16_system_libstdcpp_ft_avx2";
    nb.init_style = InitStyle::multi_phase;
    add("nanobind 2 FREE_THREADED", nb, "nanobind-ft-tag", V::not_used, C::inferred,
        "nanobind ABI tag \"v16_system_libstdcpp_ft_avx2\" has the _ft suffix of FREE_THREADED");
    nb.generator_abi_tag = "nanobind_gcc_libstdcpp_ft";
    add("nanobind tag ending _ft", nb, "nanobind-ft-tag", V::not_used, C::inferred,
        "nanobind ABI tag \"nanobind_gcc_libstdcpp_ft\" has the _ft suffix of FREE_THREADED");
    nb.generator_abi_tag = "v16_system_libstdcpp";
    add("nanobind without FREE_THREADED", nb, "nanobind-gil-tag", V::undeclared, C::inferred,
        "nanobind ABI tag \"v16_system_libstdcpp\" lacks the _ft suffix of FREE_THREADED");
    GilEvidence cffi;
    cffi.generator = "cffi", cffi.init_style = InitStyle::unknown;
    add("cffi out-of-line module", cffi, "cffi-backend-creates-module", V::not_used, C::inferred,
        "cffi module: _cffi_backend creates the module object (_init_cffi_1_0_external_module), "
        "and declares Py_MOD_GIL_NOT_USED for it since cffi 2.0 (free-threaded interpreters have "
        "no older cffi wheels)");
    GilEvidence single;
    single.init_style = InitStyle::single_phase;
    add("single-phase", single, "single-phase-undeclared", V::undeclared, C::proven,
        "single-phase init (PyModule_Create2) without PyUnstable_Module_SetGIL");
    GilEvidence multi;
    multi.init_style = InitStyle::export_hook, multi.generator = "pybind11";
    add("pybind11 slots built at run time", multi, "multi-phase-pybind11-no-array", V::unknown,
        C::unknown,
        "no module slot array found in data (built at run time?); pybind11 3 fills its slot "
        "array at run time");
    multi.generator = "c-api";
    add("multi-phase, no array", multi, "multi-phase-no-array", V::unknown, C::unknown,
        "no module slot array found in data (built at run time?)");
    add("nothing known", GilEvidence{}, "no-init", V::unknown, C::unknown,
        "neither PyModuleDef_Init nor PyModule_Create2 is imported");
    return out;
}

TEST(GilVerdict, EachRowDecidesItsCase) {
    for (const Case& c : cases()) {
        auto d = decide_gil(c.evidence);
        EXPECT_EQ(d.rule, c.rule) << c.name;
        EXPECT_EQ(d.verdict, c.verdict) << c.name;
        EXPECT_EQ(d.confidence, c.confidence) << c.name;
        EXPECT_EQ(d.evidence, c.text) << c.name;
    }
}

TEST(GilVerdict, EveryRowIsReachedAndIdsAreUnique) {
    std::set<std::string_view> reached, ids;
    for (const Case& c : cases()) reached.insert(decide_gil(c.evidence).rule);
    for (const auto& rule : gil_rules()) {
        EXPECT_TRUE(ids.insert(rule.id).second) << rule.id;
        EXPECT_TRUE(reached.count(rule.id)) << "no case reaches " << rule.id;
        EXPECT_FALSE(rule.evidence.empty()) << rule.id;
    }
}

TEST(GilVerdict, TheLastRowAlwaysHolds) {
    EXPECT_TRUE(gil_rules().back().when(GilEvidence{}));
    auto d = decide_gil(GilEvidence{}, {});
    EXPECT_EQ(d.verdict, GilVerdict::unknown);
    EXPECT_EQ(d.rule, "");
}

TEST(GilVerdict, FillLeavesUnknownBracesAlone) {
    GilEvidence e;
    e.first_array = 0x10, e.generator = "cython";
    EXPECT_EQ(fill_evidence("{generator} at {address} {Py_mod_gil, 1} {", e),
              "cython at 0x10 {Py_mod_gil, 1} {");
}

TEST(GilVerdict, NamesAreTheReportNames) {
    using ftkit::audit::text;
    EXPECT_EQ(text(std::optional(GilVerdict::not_used)), "not-used");
    EXPECT_EQ(text(std::optional(Confidence::inferred)), "inferred");
    EXPECT_EQ(text(std::optional(InitStyle::export_hook)), "export-hook");
    EXPECT_EQ(text(std::optional<GilVerdict>()), "");
}

}  // namespace

// The rule tables. Each row cites where its fact comes from.
#include "audit/rules.hpp"

#include <array>

namespace ftkit::audit {
namespace {

// Doc/howto/free-threading-extensions.rst (CPython 3.14.7), "Borrowed References" and
// "PyDict_Next"; replacements checked against the 3.14t headers by tests/test_audit_rules.py.
constexpr std::array kHazards = {
    HazardRule{"PyList_GetItem", "PyList_GetItemRef", "3.13",
               "returns a borrowed reference; the list may be mutated concurrently"},
    HazardRule{"PyDict_GetItem", "PyDict_GetItemRef", "3.13",
               "returns a borrowed reference and suppresses errors"},
    HazardRule{"PyDict_GetItemWithError", "PyDict_GetItemRef", "3.13",
               "returns a borrowed reference"},
    HazardRule{"PyDict_GetItemString", "PyDict_GetItemStringRef", "3.13",
               "returns a borrowed reference"},
    HazardRule{"PyDict_SetDefault", "PyDict_SetDefaultRef", "3.13", "returns a borrowed reference"},
    HazardRule{"PyDict_Next", "", "3.13",
               "does not lock the dictionary: wrap the loop in Py_BEGIN_CRITICAL_SECTION(dict)"},
    HazardRule{"PyWeakref_GetObject", "PyWeakref_GetRef", "3.13",
               "returns a borrowed reference to an object another thread may free"},
    HazardRule{"PyImport_AddModule", "PyImport_AddModuleRef", "3.13",
               "returns a borrowed reference"},
    // Include/ceval.h (3.13): PyEval_GetFrameBuiltins/Globals/Locals return strong references.
    HazardRule{"PyEval_GetBuiltins", "PyEval_GetFrameBuiltins", "3.13",
               "returns a borrowed reference"},
    HazardRule{"PyEval_GetGlobals", "PyEval_GetFrameGlobals", "3.13",
               "returns a borrowed reference"},
    HazardRule{"PyEval_GetLocals", "PyEval_GetFrameLocals", "3.13", "returns a borrowed reference"},
    // Include/sysmodule.h (3.15): PySys_GetAttr/PySys_GetAttrString return strong references.
    HazardRule{"PySys_GetObject", "PySys_GetAttrString", "3.15",
               "returns a borrowed reference to a sys attribute another thread may replace"},
};

// Hazards in the generators' own runtime code (checked against the sources of Cython 3.3.1,
// pybind11 3.1 and nanobind 3.1 as installed from tools/requirements-dev.txt). Calls a generator
// makes when it translates the user's own operations (Cython's list indexing, dict.setdefault)
// are not listed: those are the user's to change.
constexpr std::array kRuntimeHazards = {
    RuntimeHazardRule{"cython", "PyDict_GetItemString",
                      "Utility/ImportExport.c: importing C-API capsules of cimported modules"},
    RuntimeHazardRule{"cython", "PyDict_Next",
                      "Utility/FunctionArguments.c, ObjectHandling.c: keyword argument parsing"},
    RuntimeHazardRule{"cython", "PyDict_SetDefault",
                      "Utility/ModuleSetupCode.c: de-duplicating code objects' varnames"},
    RuntimeHazardRule{"cython", "PyEval_GetBuiltins",
                      "Utility/ObjectHandling.c, Builtins.c: looking up builtin names"},
    RuntimeHazardRule{"cython", "PyImport_AddModule", "Utility/ModuleSetupCode.c: module init"},
    RuntimeHazardRule{"pybind11", "PyDict_GetItemWithError",
                      "include/pybind11/pytypes.h: dict item access"},
    RuntimeHazardRule{"pybind11", "PyDict_Next", "include/pybind11/pytypes.h: dict iteration"},
    RuntimeHazardRule{"pybind11", "PyDict_SetDefault", "include/pybind11/pytypes.h"},
    RuntimeHazardRule{"pybind11", "PyList_GetItem", "include/pybind11/pytypes.h: list accessors"},
    RuntimeHazardRule{"pybind11", "PyEval_GetBuiltins",
                      "include/pybind11/pybind11.h, detail/internals.h"},
    RuntimeHazardRule{"nanobind", "PyDict_Next",
                      "src/common.cpp, include/nanobind/nb_types.h: dict iteration"},
    RuntimeHazardRule{"pyo3", "PyDict_Next", "src/types/dict.rs: dict iteration"},
};

// Fingerprints, each from the generator's own source:
constexpr std::array kGenerators = {
    // Cython Utility/ModuleSetupCode.c: #define __PYX_ABI_MODULE_NAME "_cython_" CYTHON_ABI,
    // CYTHON_ABI starts with __PYX_ABI_VERSION, e.g. "3_1_2".
    GeneratorRule{"cython", "_cyt", "hon_", true, ""},
    // Cython Compiler/Naming.py: pyrex_prefix = "__pyx_" for every generated C name.
    GeneratorRule{"cython", "__p", "yx_", false, ""},
    // pybind11 include/pybind11/detail/internals.h: PYBIND11_INTERNALS_ID "__pybind11_internals_v"
    // N.
    GeneratorRule{"pybind11", "__pybind11_", "internals_v", true, "internals v"},
    // nanobind src/nb_internals.cpp: PyUnicode_FromFormat("__nb_internals_%s_%s__", ...) and
    // include/nanobind/nb_platform.h: NB_PLATFORM_ABI_TAG "nanobind" ... NB_FREE_THREADED_ABI.
    GeneratorRule{"nanobind", "__nb_in", "ternals_", false, ""},
    GeneratorRule{"nanobind", "nano", "bind_", false, ""},
    // PyO3's panic locations name its crate directory: ".../pyo3-0.23.3/src/...".
    GeneratorRule{"pyo3", "/py", "o3-", true, ""},
    GeneratorRule{"pyo3", "\\p", "yo3-", true, ""},
    // PyO3 src/impl_/pymodule.rs error text, present in every PyO3 module.
    GeneratorRule{"pyo3", "PyO3 m", "odules", false, ""},
    // cffi src/cffi/_cffi_include.h _cffi_init: an out-of-line module asks _cffi_backend to
    // create its module object by calling this method (cffi src/c/cffi1_module.c).
    GeneratorRule{"cffi", "_init_cffi_1_0_", "external_module", false, ""},
};

}  // namespace

std::span<const HazardRule> hazard_rules() { return kHazards; }
std::span<const GeneratorRule> generator_rules() { return kGenerators; }
std::span<const RuntimeHazardRule> runtime_hazard_rules() { return kRuntimeHazards; }

bool called_by_runtime(std::string_view generator, std::string_view symbol) {
    for (const auto& r : kRuntimeHazards)
        if (r.generator == generator && r.symbol == symbol) return true;
    return false;
}

}  // namespace ftkit::audit

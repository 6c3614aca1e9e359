// ftkit._core: bindings only; every decision lives in ftkit_core or in Python.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>

#include <Python.h>

namespace nb = nanobind;

void bind_stress(nb::module_& m);
void bind_audit(nb::module_& m);

namespace {

// What this binary was built as, so `ftkit doctor` can tell a user whether the installed
// ftkit matches the interpreter (a GIL-built _core on 3.14t would re-enable the GIL).
nb::dict build_info() {
    nb::dict info;
#ifdef Py_GIL_DISABLED
    info["free_threaded"] = true;
#else
    info["free_threaded"] = false;
#endif
    info["python_headers"] = PY_VERSION;
    info["nanobind"] = std::to_string(NB_VERSION_MAJOR) + "." + std::to_string(NB_VERSION_MINOR) +
                       "." + std::to_string(NB_VERSION_PATCH);
    info["compiler"] = std::string(__VERSION__);
    info["cplusplus"] = static_cast<long>(__cplusplus);
    return info;
}

}  // namespace

NB_MODULE(_core, m) {
    m.doc() = "ftkit's C++ core (bindings only)";
    m.def("build_info", &build_info, "How this extension was compiled.");
    bind_stress(m);
    bind_audit(m);
}

"""What the test suite needs before it runs: interpreters, wheels, PyO3 crates, venvs (the one list).

`make prepare` (tools/prepare.py) makes every entry exist under ${FTKIT_CACHE:-~/.cache/ftkit},
each once; tests and benchmarks only look entries up (harness.interpreters, .corpus, .pyo3, .venvs)
and fail naming `make prepare` when one is missing, so no test function builds or downloads.
A test that needs something new adds it here first.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- interpreters ------------------------------------------------------------------------------
# Every variant a test runs: 3.14t is the suite's own; 3.13t/3.15t for gilcheck, audit and the lock
# helpers; GIL builds 3.9-3.14 for the lock helpers' matrix and the "GIL build" error paths.
INTERPRETERS = ("3.14t", "3.13t", "3.15t", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
# GIL builds come from pyenv when it has them (saves a 4-5 minute build each). The bootstrap's own
# GIL path (configure without --disable-gil) is exercised by 3.14, which pyenv lacks here and the
# bench needs built from the same tarball as 3.14t; Debian's .tar.gz tarballs (3.11) by
# tests/test_bootstrap.py. (3.11 used to be built here too: a whole build in every cold prepare.)
# -- ThreadSanitizer (issue 17, `ftkit stress --tsan`, tests/test_stress_tsan.py): free-threaded 3.14
# configured --with-thread-sanitizer by ftkit's bootstrap (CC=clang), CPython's suppressions beside it.
TSAN_INTERPRETER = "3.14t-tsan"
INTERPRETERS = (*INTERPRETERS, TSAN_INTERPRETER)


# -- wheels from PyPI ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Wheel:
    project: str
    version: str
    platforms: tuple[str, ...] = ("linux", "macos", "windows")
    python: str = "3.14"
    abi: str = "cp314t"
    sha256: str = ""  # pinned file hash, for a wheel fetched for one platform only
    platform_tags: tuple[str, ...] = ()  # pip --platform tags, when not corpus.PLATFORMS' for the platform


# The audit's real-wheel corpus, chosen to cover every generator the audit detects, on the three
# platforms users ship: numpy (C API + Cython), cffi (C API, single-phase with
# PyUnstable_Module_SetGIL), contourpy (pybind11 3: slot array filled at run time), gemmi and
# pyopencl (nanobind, not FREE_THREADED: they really re-enable the GIL), msgpack and pyyaml
# (Cython), rpds-py (PyO3). cffi 1.17.1 is the release before cffi declared free-threading support
# (2.0): no cp313t/cp314t wheels exist, so its cp313 wheel stands for "before".
CORPUS = (
    Wheel("numpy", "2.5.5"),
    Wheel("cffi", "2.1.1"),
    Wheel("cffi", "1.17.1", ("linux",), python="3.13", abi="cp313"),
    Wheel("contourpy", "1.4.0"),
    Wheel("gemmi", "0.7.5"),
    Wheel("pyopencl", "2026.1.4", ("linux",)),
    Wheel("msgpack", "1.2.4"),
    Wheel("pyyaml", "6.0.4"),
    Wheel("rpds-py", "2026.9.1"),
)
# gilcheck's real wheel that predates declaring support: greenlet 3.1.1 shipped cp313t wheels whose
# _greenlet does not declare Py_mod_gil. (PyPI has no cffi cp313t wheel at all: cffi's first
# free-threaded wheels are 2.0.0b1's cp314t ones, and they declare support; checked 2026-11-25.)
GREENLET = Wheel("greenlet", "3.1.1", ("linux",), python="3.13", abi="cp313t",
                 sha256="8320f64b777d00dd7ccdade271eaf0cad6636343293a25074cc5566160e4de7b",
                 platform_tags=("manylinux_2_17_x86_64",))  # the file pinned; a manylinux_2_28 one exists too
# One release as `python -m build` + cibuildwheel ship it: a GIL cp312 wheel and a cp314t wheel, both
# with METADATA claiming 'Free Threading :: 2 - Beta'. The claim is judged only against the cp314t
# wheel (a free-threaded interpreter never loads the cp312 one); issue 11 item 1.
BITARRAY_GIL = Wheel("bitarray", "3.12.3", ("linux",), python="3.12", abi="cp312")
BITARRAY_FT = Wheel("bitarray", "3.12.3", ("linux",), python="3.14", abi="cp314t")
# pybind11 2.13 modules that import PyUnstable_Module_SetGIL but never call it (macOS), and really
# turn the GIL on: matplotlib 3.9.4's first cp313t wheels; the Linux one is loaded to measure it.
MATPLOTLIB = Wheel("matplotlib", "3.9.4", ("linux", "macos"), python="3.13", abi="cp313t")
# -- decoders (issue 11 items 14-15): one real wheel per verdict the call/slot decoders settle.
# pybind11 3 whose run-time slot array MSVC puts in the zero padding of .data (was "proven").
HIGHSPY = Wheel("highspy", "1.16.0", ("linux", "windows"))
# A GIL-built cp313 .pyd, repacked by the test as a cp313-none-win_amd64 wheel pip installs on 3.13t.
MSGPACK_GIL_WIN = Wheel("msgpack", "1.2.4", ("windows",), python="3.13", abi="cp313")
# PyUnstable_Module_SetGIL call sites on x86-64 Mach-O and arm64 PE (numpy's single-phase modules).
NUMPY_OTHER_ARCH = Wheel("numpy", "2.5.5", ("macos-x86_64", "windows-arm64"))
# pybind11 3's run-time slot array on x86-64 Mach-O: PyInit's RIP-relative stores into it.
CONTOURPY_X86_MAC = Wheel("contourpy", "1.4.0", ("macos-x86_64",))
# PyO3 0.23.3 (single-phase, gil_used passed to ModuleDef::make_module) on the three platforms.
RPDS_PYO3_023 = Wheel("rpds-py", "0.22.3", ("linux", "macos", "windows"), python="3.13", abi="cp313t")
# A cffi out-of-line module: _cffi_backend (cffi 2.1.1 in CORPUS) creates its module object.
ARGON2_CFFI = Wheel("argon2-cffi-bindings", "25.1.0", ("linux",))
DECODERS = (HIGHSPY, MSGPACK_GIL_WIN, NUMPY_OTHER_ARCH, CONTOURPY_X86_MAC, RPDS_PYO3_023, ARGON2_CFFI)

WHEELS = (*CORPUS, GREENLET, BITARRAY_GIL, BITARRAY_FT, MATPLOTLIB, *DECODERS)


# -- PyO3 extension modules built with cargo (crates.io) ---------------------------------------
# (PyO3 version, gil_used) for the audit's fixture tests, built for 3.14t. PyO3 0.26 is
# single-phase and calls PyUnstable_Module_SetGIL with a flag read at run time; 0.29.3, the newest
# pinned here, writes a static slot array. gil_used None means the attribute is left out.
PYO3_PYTHON = "3.14t"
PYO3 = (("0.26.0", False), ("0.26.0", None), ("0.29.3", False), ("0.29.3", None), ("0.29.3", True))


# -- virtual environments ------------------------------------------------------------------------
@dataclass(frozen=True)
class Venv:
    name: str
    python: str  # an entry of INTERPRETERS
    requirements: tuple[str, ...]
    checkout: bool = False  # also pip-installs ftkit from this checkout, rebuilt when its sources change
    env: tuple[tuple[str, str], ...] = ()  # set for pip install (compiler flags of the checkout build)


# The GIL build 3.14 with pytest: the pytest plugin's behaviour on a GIL build, end to end.
GIL_PYTEST = Venv("gil-pytest-3.14", "3.14", ("pytest>=8",))
# ftkit built for the oldest Python it supports (requires-python >= 3.9), GIL build, from this
# checkout: audit, the pytest plugin and the refusals of gilcheck/stress run there (issue 13).
FTKIT_39 = Venv("ftkit-3.9", "3.9", ("pytest>=8",), checkout=True)
VENVS = (GIL_PYTEST, FTKIT_39)

# -- stress on real packages (issue 17: `ftkit stress --auto` and written scenarios, tests/realworld/stress/)
# Pinned releases with free-threaded cp314t wheels on PyPI (binary only: the wheel as users get it),
# imported by the stress workers from this venv's site-packages. python-flint is the seed's library
# (fmpz_mat/nmod_mat, polynomials); bitarray a mutable C buffer; msgpack stateful Packer/Unpacker;
# rpds-py (PyO3) persistent maps; pyyaml's C loader. Versions checked on PyPI 2026-12-01.
STRESS_REAL = Venv("stress-real-3.14t", "3.14t", ("--only-binary=:all:", "python-flint==0.9.0", "bitarray==3.12.3",
                                                   "msgpack==1.2.4", "rpds-py==2026.9.1", "pyyaml==6.0.4"))
VENVS = (*VENVS, STRESS_REAL)

# -- ThreadSanitizer (issue 17): ftkit from this checkout, its C++ engine compiled with
# -fsanitize=thread by clang (the interpreter's own TSan runtime; gcc's libtsan would be a second
# one), in its own scikit-build-core build directory so the .venv's incremental build is untouched.
TSAN_FLAGS = (("CC", "clang"), ("CXX", "clang++"), ("CFLAGS", "-fsanitize=thread"),
              ("CXXFLAGS", "-fsanitize=thread"), ("LDFLAGS", "-fsanitize=thread"))
FTKIT_TSAN = Venv("ftkit-3.14t-tsan", TSAN_INTERPRETER, ("--config-settings=build-dir=build/tsan-{wheel_tag}",),
                  checkout=True, env=TSAN_FLAGS)
VENVS = (*VENVS, FTKIT_TSAN)


# -- Go modules ----------------------------------------------------------------------------------
# Porcupine, the reference linearizability checker: its recorded histories are test data for
# ftkit's checker and its code the other side of bench/checker_vs_porcupine.py. Pinned: the
# expected verdicts are read from this version's porcupine_test.go.
PORCUPINE = ("github.com/anishathalye/porcupine", "v1.3.1")


# -- ftkit's own artefacts (check: issue 13 `make wheel`; issue 11 "our own audit on our own wheels") --
# The sdist and the manylinux wheel `make wheel` makes (tools/make_wheel.py, the wheel built from the
# sdist), for the interpreter running prepare (the .venv's 3.14t), one build per checkout digest.
OWN_WHEEL = "3.14t"
# The pre-commit hook (.pre-commit-hooks.yaml) installed by pre-commit from PyPI into the cache's store,
# from this repository at HEAD (harness.precommit).
PRE_COMMIT_HOOK = "ftkit-check"


# -- real projects: gilcheck's real-project suite (tests/realworld/; issue 11 items 5 and 13) --------
# Built from pinned sdists the ways maintainers ship and develop them (tools/harness/realworld.py):
# msgpack (Cython, setuptools) with and without its `freethreading_compatible` directive; bitarray
# (single-phase C calling PyUnstable_Module_SetGIL, setuptools); contourpy (pybind11, meson-python),
# installed from PyPI and editable; a scikit-build-core project (CMake, one undeclared C module).
@dataclass(frozen=True)
class Sdist:
    project: str
    version: str


@dataclass(frozen=True)
class RealDist:
    sdist: Sdist
    pythons: tuple[str, ...]  # each builds one wheel (3.14t free-threaded, 3.12 a GIL build)
    patches: tuple[tuple[str, str, str], ...] = ()  # (file name, text, replacement) in the unpacked sdist
    cythonize: tuple[str, ...] = ()  # .pyx files regenerated after patching (the sdist ships their .c)


@dataclass(frozen=True)
class RealVenv:
    name: str
    python: str
    abi: str = "cp314t"
    requirements: tuple[str, ...] = ()  # from PyPI
    wheels_from: tuple[str, ...] = ()  # REALWORLD_DISTS built here
    editable: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (project, pip install args) installed with -e
    greenlet: bool = False  # manifest.GREENLET's cp313t wheel

    def describe(self) -> str:
        return " ".join([*self.requirements, *self.wheels_from, *(f"-e {p}" for p, _ in self.editable),
                         *(["greenlet 3.1.1"] if self.greenlet else [])])


MSGPACK_SDIST = Sdist("msgpack", "1.2.4")
BITARRAY_SDIST = Sdist("bitarray", "3.12.3")
CONTOURPY_SDIST = Sdist("contourpy", "1.4.0")
REALWORLD_SDISTS = (MSGPACK_SDIST, BITARRAY_SDIST, CONTOURPY_SDIST)
MSGPACK_DIRECTIVE = "#cython: freethreading_compatible = True"  # msgpack/_cmsgpack.pyx, line 2
REALWORLD_DISTS = {
    "msgpack": RealDist(MSGPACK_SDIST, ("3.14t", "3.12")),
    "msgpack-nodirective": RealDist(MSGPACK_SDIST, ("3.14t",),
                                    (("_cmsgpack.pyx", MSGPACK_DIRECTIVE, "# directive removed by ftkit"),),
                                    ("msgpack/_cmsgpack.pyx",)),
    "bitarray": RealDist(BITARRAY_SDIST, ("3.14t", "3.12")),
}
CYTHON = "Cython==3.3.0"  # the version that generated msgpack 1.2.4's shipped _cmsgpack.c
REALWORLD_SKBUILD = "ftkit_skbuild_demo"
# meson-python editable installs rebuild on import, so their build tools stay in the venv.
MESON_BUILD = ("meson-python==0.22.1", "meson==1.12.1", "ninja==1.13.2", "pybind11==3.1.0", "numpy==2.5.5")
REALWORLD_VENVS = (
    RealVenv("installed", "3.14t", requirements=("rpds-py==2026.9.1", "contourpy==1.4.0", "numpy==2.5.5"),
             wheels_from=("msgpack", "bitarray")),
    RealVenv("nodirective", "3.14t", wheels_from=("msgpack-nodirective",)),
    RealVenv("editable", "3.14t", requirements=MESON_BUILD,
             editable=(("contourpy", ("--no-build-isolation",)), ("msgpack", ()),
                       ("bitarray", ("--config-settings", "editable_mode=compat")), (REALWORLD_SKBUILD, ()))),
    RealVenv("greenlet", "3.13t", abi="cp313t", greenlet=True),
    # matplotlib 3.9.4's cp313t wheel with its dependencies, pinned as pip resolved them (2026-12-01): its
    # package imports _c_internal_utils first, which hid the other eight modules' own verdicts (item 13).
    RealVenv("matplotlib", "3.13t", abi="cp313t", requirements=(
        "matplotlib==3.9.4", "contourpy==1.3.3", "cycler==0.12.1", "fonttools==4.68.0", "kiwisolver==1.5.0",
        "numpy==2.4.6", "packaging==26.4", "pillow==12.2.0", "pyparsing==3.3.3", "python-dateutil==4.0.0",
        "tzdata==2026.6")),
)

# -- the pytest plugin on real projects' own test suites (issue 11, tests/realworld/test_realworld_pytest.py) --
# greenlet 3.1.1's own tests ship in its wheel (greenlet/tests) and import psutil and objgraph; pytest and
# pytest-xdist run them on 3.13t. ftkit's plugin is pure Python and comes from this checkout's python/ on
# PYTHONPATH, so no 3.13t build of ftkit is needed. Pinned as the package lists had them (2026-12-01).
GREENLET_TESTS = RealVenv("greenlet-tests", "3.13t", abi="cp313t", greenlet=True, requirements=(
    "pytest==9.2.0", "pytest-xdist==3.8.0", "execnet==2.1.2", "psutil==7.2.2", "objgraph==3.7.0"))
REALWORLD_VENVS = (*REALWORLD_VENVS, GREENLET_TESTS)

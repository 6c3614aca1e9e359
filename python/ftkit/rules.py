"""Every rule id ftkit reports, as data: severity (per target ABI), title, help and fix text.

audit, gilcheck, stress and strict mode take their severities and fix lines from here, and
docs/rules.md is generated from it (`python -m ftkit.rules --markdown > docs/rules.md`; a test
fails when the committed file is stale). A Finding's rule must be a key of RULES.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

from .report import Finding, Severity, Subject
from .tags import is_free_threaded_tag

# Target ABIs a module or wheel is built for, from its ABI tag.
FREE_THREADED, GIL, ANY = "free-threaded", "gil", "any"

DECLARE_FIX: Mapping[str, str] = {
    # Cython 3.1 docs, "Free threading": the module directive freethreading_compatible.
    "cython": "add `# cython: freethreading_compatible = True` at the top of each .pyx "
              "(or `-X freethreading_compatible=True`; Cython 3.1+)",
    # pybind11 2.13 include/pybind11/pybind11.h: mod_gil_not_used tag of PYBIND11_MODULE.
    "pybind11": "pass `py::mod_gil_not_used()`: `PYBIND11_MODULE(name, m, py::mod_gil_not_used())` "
                "(pybind11 2.13+)",
    # nanobind docs, "Free-threaded Python": the FREE_THREADED option of nanobind_add_module.
    "nanobind": "build with `nanobind_add_module(name FREE_THREADED ...)` (nanobind 2.2+)",
    # PyO3 guide, "Supporting free-threaded CPython": #[pymodule(gil_used = false)].
    "pyo3": "declare `#[pymodule(gil_used = false)]` (PyO3 0.23+)",
    # cffi 2.0's _cffi_backend declares Py_MOD_GIL_NOT_USED for the modules it creates.
    "cffi": "require `cffi>=2.0` (its _cffi_backend creates the module and declares it free-threading safe)",
    # CPython Doc/howto/free-threading-extensions.rst, "Module initialization".
    "c-api": "add `{Py_mod_gil, Py_MOD_GIL_NOT_USED}` to the module's PyModuleDef slots "
             "(single-phase init: call `PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED)`)",
}


def declare_fix(generator: str | None) -> str:
    """The one fix line for a module made by `generator`; all of them when it is not known."""
    if generator in DECLARE_FIX:
        return DECLARE_FIX[generator]
    return "declare free-threading support: " + "; ".join(f"{g}: {t}" for g, t in DECLARE_FIX.items())


def fix_for_file(path: str) -> str:
    """declare_fix for the generator the audit reads from one extension module file."""
    from .audit import generator_of

    return declare_fix(generator_of(path))


def target_of(abi_tag: str) -> str:
    """FREE_THREADED for cp3XXt and abi3t, GIL for cp3XX, ANY for abi3 or no tag."""
    if is_free_threaded_tag(abi_tag):
        return FREE_THREADED
    return GIL if abi_tag.startswith("cp") else ANY


@dataclass(frozen=True)
class Rule:
    id: str  # "<component>/<slug>", stable
    severity: Severity  # when the target ABI does not change it
    title: str  # a few words, the heading in docs/rules.md
    help: str  # what it means and why it matters
    fix: str | None = None  # how to fix it; None when the fix depends on the finding
    by_target: Mapping[str, Severity] = field(default_factory=dict)

    def severity_for(self, target: str = ANY) -> Severity:
        return self.by_target.get(target, self.severity)

    @property
    def anchor(self) -> str:
        return self.id.replace("/", "-")


# A module that re-enables the GIL is an error where it is meant to run free-threaded, a warning
# where nothing says, and context on a GIL build (which never loads on a free-threaded interpreter).
_GIL_ON = {FREE_THREADED: Severity.ERROR, ANY: Severity.WARNING, GIL: Severity.INFO}
_DECLARE = "declare support as its binding generator does (the fix line names the one detected)"
_ATOMIC = ("make the operations atomic with respect to each other: a per-object critical section "
           "(Py_BEGIN_CRITICAL_SECTION, or ftkit's critical_section(obj)) or a PyMutex around shared state")

_RULES = (
    # audit: one module
    Rule("audit/gil-undeclared", Severity.WARNING, "Module does not declare free-threading support",
         "Without Py_mod_gil (or PyUnstable_Module_SetGIL) CPython re-enables the GIL when it "
         "imports the module, for the whole process.", _DECLARE, _GIL_ON),
    Rule("audit/gil-used", Severity.WARNING, "Module declares Py_MOD_GIL_USED",
         "The module says it needs the GIL (Cython's default without the directive): importing it "
         "re-enables the GIL, exactly as an undeclared module does.", _DECLARE, _GIL_ON),
    Rule("audit/gil-unknown", Severity.REVIEW, "GIL declaration not determined",
         "The bytes did not decide the declaration (the evidence says why); the verdict is not "
         "guessed.", "confirm by importing it in a free-threaded interpreter (`ftkit gilcheck`, or "
         "`ftkit audit --verify-import`)"),
    Rule("audit/gil-not-used", Severity.INFO, "Module declares Py_MOD_GIL_NOT_USED",
         "The module keeps the GIL off when imported."),
    Rule("audit/unreadable-module", Severity.ERROR, "Module could not be parsed",
         "The file is truncated, corrupt or of an unsupported format. The run exits 2."),
    Rule("audit/unreadable-input", Severity.ERROR, "Input could not be read",
         "A file given to the audit is not a wheel or extension binary it can read (not a zip, a "
         "hostile zip, a folder it may not list). The run exits 2.",
         "pass wheels, extension modules or folders holding them"),
    Rule("audit/skipped-input", Severity.INFO, "Input skipped",
         "An sdist (it holds sources, not built modules), a build-tool folder (meson-private, "
         "CMakeFiles, build/temp.*, .eggs, __pycache__, .git, .tox, .nox, venvs, ...) or a path "
         "matching --exclude was not audited.",
         "audit the wheels built from an sdist; pass a build-tool folder itself to audit it"),
    Rule("audit/built-with-gil-headers", Severity.ERROR, "Free-threaded tag, GIL headers",
         "Named for a free-threaded interpreter but compiled against GIL headers (it imports "
         "_Py_Dealloc): reference counts will be corrupted.",
         "rebuild with the free-threaded interpreter's headers (Py_GIL_DISABLED)"),
    Rule("audit/built-with-ft-headers", Severity.ERROR, "GIL tag, free-threaded headers",
         "Named for a GIL interpreter but compiled against free-threaded headers.",
         "rebuild with the GIL interpreter's headers"),
    Rule("audit/c-api-hazard", Severity.REVIEW, "C-API call that is unsafe without the GIL",
         "The module imports a function that returns a borrowed reference or does not lock "
         "(src/audit/rules.cpp lists them with their replacements). In a module built for a GIL "
         "interpreter it is context: no free-threaded interpreter loads that module.",
         by_target={FREE_THREADED: Severity.REVIEW, ANY: Severity.REVIEW, GIL: Severity.INFO}),
    Rule("audit/generator-runtime-hazard", Severity.INFO, "Hazards in the binding generator's runtime",
         "Borrowed-reference C-API functions that the generator's own runtime code calls (the table "
         "in src/audit/rules.cpp cites where), collapsed into one finding per module. The imports "
         "cannot tell whether your code calls them too.",
         "keep the generator at its newest release; look for these calls in your own code"),
    # audit: one wheel
    Rule("audit/unsafe-zip-name", Severity.WARNING, "Wheel entry escapes the install directory",
         "An entry name with '..' or an absolute path would be written outside site-packages.",
         "rebuild the wheel; never install it"),
    Rule("audit/wheel-metadata-missing", Severity.WARNING, "Wheel has no WHEEL file",
         "Without *.dist-info/WHEEL its tags cannot be checked and pip refuses it.",
         "rebuild the wheel with a PEP 427 build backend"),
    Rule("audit/not-utf8", Severity.INFO, "Wheel text that is not UTF-8",
         "METADATA, WHEEL or an entry name holds bytes that are not UTF-8 (PEP 566 and the zip "
         "format's UTF-8 flag expect it); they are read with U+FFFD in place of those bytes.",
         "write METADATA and file names as UTF-8"),
    Rule("audit/abi3-only", Severity.INFO, "Wheel is abi3 only",
         "Free-threaded 3.13/3.14 do not support the limited API, so pip does not install abi3 "
         "wheels there.", "build cp3XXt wheels, or abi3t for 3.15+"),
    Rule("audit/ft-wheel-gil-module", Severity.ERROR, "Free-threaded wheel holds a GIL module",
         "The wheel is tagged for free-threaded CPython (cp3XXt, abi3t, or an ABI of 'none' that pip "
         "installs there too) but a module in it was built for the GIL ABI.",
         "rebuild every module with the free-threaded interpreter"),
    Rule("audit/classifier-overclaims", Severity.ERROR, "Free Threading classifier overclaims",
         "METADATA claims 'Free Threading :: 2 - Beta' or higher but a module of a wheel a "
         "free-threaded interpreter installs re-enables the GIL (GIL-only wheels are never judged).",
         "declare support in those modules, or claim 'Free Threading :: 1 - Unstable'"),
    Rule("audit/classifier-not-judged", Severity.INFO, "Free Threading classifier not judged",
         "A wheel built only for the GIL ABI claims 'Free Threading :: 2 - Beta' or higher. A "
         "free-threaded interpreter never loads its modules, so only the release's free-threaded "
         "wheels (cp3XXt, abi3t) can show whether the claim holds, and none were in the audited set.",
         "audit the release's free-threaded wheels together with it (`ftkit audit dist/*`)"),
    Rule("audit/supported-classifier", Severity.INFO, "Classifier the evidence supports",
         "The Free Threading tier the modules' declarations support (2 at most: tiers 3 and 4 claim "
         "testing no static audit can show)."),
    # audit --verify-import
    Rule("audit/verify-import", Severity.INFO, "Import confirmed the verdict",
         "Loading the module in a free-threaded interpreter agreed with (or decided) the static "
         "verdict."),
    Rule("audit/verify-import-disagrees", Severity.ERROR, "Import contradicts the static verdict",
         "Loading the module turned the GIL on when the bytes said it would not, or the reverse: "
         "please report it with the module."),
    Rule("audit/verify-import-failed", Severity.REVIEW, "Module could not be loaded to verify",
         "The module failed to load on its own (missing dependency, crash), so its verdict stays "
         "static."),
    # gilcheck
    Rule("gilcheck/gil-enabled", Severity.ERROR, "Import enabled the GIL",
         "Importing the module in a fresh free-threaded interpreter turned the GIL on.", _DECLARE),
    Rule("gilcheck/gil-enabled-by-import", Severity.WARNING, "A module it imports enabled the GIL",
         "Importing it turned the GIL on through another module, named with the import chain."),
    Rule("gilcheck/import-error", Severity.ERROR, "Import failed",
         "The import raised; the module could not be judged."),
    Rule("gilcheck/import-crash", Severity.ERROR, "Import crashed the interpreter",
         "The interpreter died with a signal during the import."),
    Rule("gilcheck/import-hang", Severity.ERROR, "Import hung",
         "The import did not finish within --timeout and was killed."),
    Rule("gilcheck/import-exit", Severity.ERROR, "Import exited the interpreter",
         "The interpreter exited during the import (sys.exit or os._exit in module code)."),
    Rule("gilcheck/checked-installed", Severity.INFO, "Installed package checked, not the folder of its name",
         "A target named like a folder of the working directory (a source checkout's package) is also "
         "installed: the installed package was checked, because that is what an import loads.",
         "write ./NAME to check the folder instead"),
    Rule("gilcheck/not-loadable", Severity.WARNING, "Module built for another interpreter",
         "Its file suffix names another interpreter, so it was not imported.",
         "pass --python an interpreter of the tag in the file name, e.g. `ftkit bootstrap 3.13t`"),
    # stress
    Rule("stress/crash", Severity.ERROR, "Crash under concurrency",
         "The scenario crashed the interpreter; a minimised repro script is written.", _ATOMIC),
    Rule("stress/hang", Severity.ERROR, "Hang under concurrency",
         "A trial did not finish within its timeout (deadlock or livelock).", _ATOMIC),
    Rule("stress/unexpected-exception", Severity.ERROR, "Unexpected exception",
         "An operation raised an exception it does not raise when run alone.", _ATOMIC),
    Rule("stress/invariant-broken", Severity.ERROR, "Invariant broken",
         "The scenario's invariant failed after concurrent operations.", _ATOMIC),
    Rule("stress/not-linearizable", Severity.ERROR, "History not linearizable",
         "No serial order of the operations explains the results the threads saw.", _ATOMIC),
    Rule("stress/inconclusive", Severity.REVIEW, "Linearizability not decided",
         "The checker's search budget ran out before it could decide."),
    Rule("stress/not-run", Severity.ERROR, "Stress run failed to start",
         "The scenario could not be run (it failed to import, or the worker could not start)."),
    Rule("stress/incomplete", Severity.ERROR, "Fewer trials judged than planned",
         "The run judged no trial, lost trials without a --duration asking for fewer, or was "
         "interrupted: an \"ok\" would claim more than was tested.",
         "give the worker what it needs to run every trial (the trials and verdicts say where it "
         "stopped), or ask for a time budget with --duration"),
    # stress --tsan: ThreadSanitizer's reports from the workers (python/ftkit/stress/tsan.py, docs/tsan.md)
    Rule("stress/tsan-data-race", Severity.ERROR, "Data race (ThreadSanitizer)",
         "Two threads accessed the same memory, at least one writing, with nothing ordering them; "
         "ThreadSanitizer saw it happen in a trial. The evidence holds both accesses' stacks, their "
         "threads and the memory (heap block or global). Races need not show as wrong results in "
         "a trial to be real: the compiler and the CPU may reorder or tear unsynchronised accesses.",
         "guard the shared state: a critical section (`Py_BEGIN_CRITICAL_SECTION(obj)`) or a "
         "`PyMutex` around both accesses, or make the field atomic"),
    Rule("stress/tsan-heap-use-after-free", Severity.ERROR, "Use after free (ThreadSanitizer)",
         "One thread used heap memory another thread had freed; the evidence holds the access's and "
         "the free's stacks.",
         "keep the memory alive while it is used: take a strong reference, or hold the lock that "
         "guards the resize or free across the use"),
    Rule("stress/tsan-report", Severity.ERROR, "ThreadSanitizer report",
         "ThreadSanitizer reported another concurrency error (e.g. a lock-order inversion, a "
         "potential deadlock, or a misused mutex); its text and stacks are in the evidence.",
         "read the report's stacks; the rule title is ThreadSanitizer's own words"),
    Rule("stress/tsan-not-instrumented", Severity.WARNING, "Module not built with ThreadSanitizer",
         "An extension module the scenario imports has no ThreadSanitizer instrumentation "
         "(`__tsan_` symbols): races in its code are invisible, and its synchronisation unseen, so "
         "a clean --tsan run says nothing about it and reports may be false.",
         "rebuild it with the TSan interpreter and `-fsanitize=thread` in CFLAGS, CXXFLAGS and "
         "LDFLAGS (docs/tsan.md gives the command for setuptools, meson-python and scikit-build-core)"),
    # check: the whole package (python/ftkit/check/)
    Rule("check/verdict", Severity.INFO, "Overall verdict",
         "ready, declared but untested, GIL required or broken, with the evidence for it "
         "(docs/check.md says what each needs). The findings behind it fail the run, not this one."),
    Rule("check/classifier", Severity.INFO, "Classifier the evidence supports",
         "The Free Threading tier the whole evidence supports (1 needs the GIL or is broken, 2 keeps "
         "the GIL off, 3 also passed the project's scenarios or tests on free-threaded CPython), next "
         "to the one the wheels' METADATA and pyproject.toml claim."),
    Rule("check/classifier-overclaims", Severity.WARNING, "Claimed classifier above the evidence",
         "The package claims a higher Free Threading tier than the verdict's evidence supports."),
    Rule("check/classifier-not-judged", Severity.INFO, "Claimed classifier not judged",
         "The package claims '4 - Resilient' (every misuse raises instead of crashing), which "
         "sampled runs cannot show; the evidence supports 3."),
    Rule("check/pytest-failed", Severity.ERROR, "Tests failed on free-threaded CPython",
         "The project's tests, run with --ftkit-strict-gil on a free-threaded interpreter, failed.",
         "run the failing tests on free-threaded CPython (the finding names them)"),
    Rule("check/pytest-gil-enabled", Severity.ERROR, "The GIL came on during the tests",
         "An import during the project's test session turned the GIL on; the module and import "
         "chain are named.", _DECLARE),
    Rule("check/pytest-not-run", Severity.ERROR, "Test session did not complete",
         "pytest could not start, was interrupted, found no tests or hit a usage or internal error.",
         "install pytest and ftkit in that interpreter, and check the arguments given to --pytest"),
    Rule("check/ignored", Severity.INFO, "Findings ignored by [tool.ftkit]",
         "Findings matching an [[tool.ftkit.ignore]] entry no longer fail the run; the entry's "
         "reason is repeated."),
    Rule("check/baselined", Severity.INFO, "Known findings in the baseline",
         "Findings whose fingerprint is in the baseline file no longer fail the run; a finding whose "
         "evidence changed has a new fingerprint and fails again.",
         "`ftkit check --write-baseline` records the current findings"),
    # bench
    Rule("bench/variant-failed", Severity.ERROR, "Variant failed under threads",
         "A workload variant raised, crashed or hung for one interpreter and thread count; that point "
         "has no number, and the rest of the run went on.",
         "run the variant under `ftkit stress` to see why, or leave it out with --variants"),
    Rule("bench/gil-enabled", Severity.WARNING, "GIL on in the free-threaded workers",
         "An import in the workload turned the GIL on in the free-threaded interpreter, so its "
         "numbers are GIL numbers.", "`ftkit gilcheck` names the module; declare free-threading support in it"),
    Rule("bench/threads-exceed-cores", Severity.REVIEW, "More threads than cores",
         "Threads beyond the core count wait for a core: throughput stops scaling for the machine's sake."),
    Rule("bench/busy-machine", Severity.REVIEW, "Machine busy while measuring",
         "The load average was above the core count: other processes shared the CPUs during the run.",
         "rerun on an idle machine, or with a larger --budget"),
    Rule("bench/wide-spread", Severity.REVIEW, "Spread too wide to conclude",
         "Some points did not reach the --ci target in the --budget: compare their intervals, not their medians.",
         "rerun with a larger --budget or --min-time, on a quieter machine"),
    Rule("bench/different-sources", Severity.REVIEW, "Interpreters built from different sources",
         "The GIL build and the free-threaded build are different CPython versions, so their ratio is not "
         "the free-threading cost alone.", "pass --python-gil the GIL build of the same version "
         "(`ftkit bootstrap 3.14` builds it from the same tarball as 3.14t)"),
)

RULES: Mapping[str, Rule] = {r.id: r for r in _RULES}


def rule(rule_id: str) -> Rule:
    return RULES[rule_id]


def finding(rule_id: str, subject: Subject, message: str, target: str = ANY, **kw) -> Finding:
    """A Finding whose severity (for `target`) and default fix come from the rule table."""
    r = RULES[rule_id]
    kw.setdefault("fix", r.fix)
    return Finding(rule_id, r.severity_for(target), subject, message, **kw)


def markdown() -> str:
    """docs/rules.md: every rule id with its severity, meaning and fix."""
    out = ["# Rule index", "",
           "Generated from `python/ftkit/rules.py` by `python -m ftkit.rules --markdown`; do not "
           "edit by hand.", "",
           "Severity: `error` and `warning` fail a run, `review` asks a person to look, `info` is "
           "context. Where it depends on the target ABI (from the file name's tag) all are given.",
           "", "| rule | severity | title |", "| --- | --- | --- |"]
    for r in _RULES:
        out.append(f"| [`{r.id}`](#{r.anchor}) | {_severity_text(r)} | {r.title} |")
    out.append("")
    for r in _RULES:
        out += [f"## {r.anchor}", "", f"`{r.id}`: **{r.title}** ({_severity_text(r)})", "", r.help, ""]
        if r.fix:
            out += [f"Fix: {r.fix}.", ""]
    out += ["## How to declare support, per binding generator", "",
            "The fix line of a finding names the one for the generator the audit detected.", "",
            "| generator | fix |", "| --- | --- |"]
    out += [f"| {g} | {t} |" for g, t in DECLARE_FIX.items()]
    out += ["", _gil_rows_markdown()]
    return "\n".join(out).rstrip() + "\n"


def _severity_text(r: Rule) -> str:
    if not r.by_target:
        return r.severity.value
    return ", ".join(f"{s.value} ({t})" for t, s in r.by_target.items())


def _gil_rows_markdown() -> str:
    """The C++ GIL verdict rows (src/audit/gil_verdict_rules.cpp), in the order they are tried."""
    from . import _core
    from .audit.fields import text

    out = ["## How the GIL verdict is decided", "",
           "The audit reads evidence from the bytes, then tries these rows of "
           "`src/audit/gil_verdict_rules.cpp` in order; the first that holds decides.", "",
           "| row | verdict | confidence | evidence | source |", "| --- | --- | --- | --- | --- |"]
    for row_id, verdict, confidence, evidence, source in _core.gil_rules():
        cells = [f"`{row_id}`", text(verdict), text(confidence), evidence, source or "-"]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["--markdown"]:
        print("usage: python -m ftkit.rules --markdown", file=sys.stderr)
        return 2
    sys.stdout.write(markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())

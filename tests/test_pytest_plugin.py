"""The ftkit pytest plugin, end to end: pytest children (runpytest_subprocess) on 3.14t with real modules.

(ftkit's own suite runs under this plugin with --ftkit-strict-gil --ftkit-require-free-threaded.)

The plugin is loaded by its entry point (no -p): the children see the ftkit installed in .venv.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from conftest import REPO
from harness import venvs
from harness.manifest import GIL_PYTEST
from harness.sources import multi_phase
from pytester_words import words

pytest_plugins = ["pytester"]


@pytest.fixture
def sample(pytester, compile_extension, ft_python):
    """A project dir with `silent` and `fine` modules and a package `pkg` (its _core declares or not)."""
    for name, gil in (("silent", None), ("fine", "not_used")):
        shutil.copy(compile_extension(multi_phase(name, gil), name, ft_python), pytester.path)
    pytester._monkeypatch.delenv("FTKIT_STRICT_GIL", raising=False)
    pytester._monkeypatch.setenv("PYTHONPATH", str(pytester.path))

    def make_pkg(declares: bool) -> None:
        core = compile_extension(multi_phase("_core", "not_used" if declares else None), "_core", ft_python)
        (pytester.path / "pkg").mkdir(exist_ok=True)
        shutil.copy(core, pytester.path / "pkg" / core.name)
        (pytester.path / "pkg" / "__init__.py").write_text("from . import _core\n")

    def run(*args):
        return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)

    run.make_pkg = make_pkg
    return run


@pytest.mark.slow
def test_passive_without_the_flag_says_the_gil_stayed_off(pytester, sample):
    pytester.makepyfile(test_a="def test_a():\n    import fine\n")
    result = sample()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["ftkit: GIL stayed disabled for the whole run"])


@pytest.mark.slow
def test_passive_without_the_flag_names_a_lazy_import_but_does_not_fail(pytester, sample):
    pytester.makepyfile(test_a="""
        def test_lazy():
            import silent
        def test_after():
            pass
    """)
    result = sample()
    result.assert_outcomes(passed=2)
    assert result.ret == 0
    result.stdout.fnmatch_lines([
        "ftkit: GIL ENABLED during call of test_a.py::test_lazy by extension module 'silent' (*silent*.so); "
        "import chain: test_a.py:? (test_lazy) -> silent"])


@pytest.mark.slow
def test_lazy_import_of_a_package_keeps_the_test_in_the_chain(pytester, sample):
    """Issue 11 item 12: the chain of `import pkg` inside a test was `pkg/__init__.py -> pkg._core`, without
    the test that docs/gilcheck.md promises; pytest's own importing functions stay out of it."""
    sample.make_pkg(declares=False)
    pytester.makepyfile(test_a="def test_lazy():\n    import pkg\n")
    sample().stdout.fnmatch_lines(["ftkit: GIL ENABLED during call of test_a.py::test_lazy by extension module "
                                   "'pkg._core' (*); import chain: test_a.py:2 (test_lazy) -> pkg/__init__.py -> "
                                   "pkg._core"])
    pytester.makepyfile(test_a="import pkg\n\ndef test_a():\n    pass\n")
    sample().stdout.fnmatch_lines(["ftkit: GIL ENABLED during collection of test_a.py by extension module "
                                   "'pkg._core' (*); import chain: test_a.py -> pkg/__init__.py -> pkg._core"])


@pytest.mark.slow
def test_strict_conftest_import_fails_naming_module_and_chain(pytester, sample):
    sample.make_pkg(declares=False)
    pytester.makeconftest("import pkg\n")
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    result = sample("--ftkit-strict-gil")
    assert result.ret == pytest.ExitCode.USAGE_ERROR  # pytest's code for a conftest that fails to import
    result.stderr.fnmatch_lines([
        "*GILEnabledError: ftkit strict GIL: during conftest loading, the GIL was enabled by loading "
        "extension module 'pkg._core' (*pkg/_core.cpython-314t*.so)*"
        "import chain: conftest.py -> pkg/__init__.py -> pkg._core"])


@pytest.mark.slow
def test_strict_same_project_passes_when_the_module_declares_support(pytester, sample):
    sample.make_pkg(declares=True)
    pytester.makeconftest("import pkg\n")
    pytester.makepyfile(test_a="def test_a():\n    import fine\n")
    result = sample("--ftkit-strict-gil")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["ftkit strict GIL: GIL stayed disabled for the whole run"])


def test_strict_lazy_import_fails_that_test_and_stops_the_session(pytester, sample):
    pytester.makepyfile(test_a="""
        def test_first():
            pass
        def test_lazy():
            import silent
        def test_never_runs():
            pass
    """)
    result = sample("--ftkit-strict-gil")
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "*GILEnabledError: ftkit strict GIL: during call of test_a.py::test_lazy, the GIL was enabled by "
        "loading extension module 'silent'*import chain: test_a.py:? (test_lazy) -> silent",
        "ftkit strict GIL: GIL ENABLED during call of test_a.py::test_lazy by extension module 'silent' "
        "(*silent.cpython-314t*.so)*",
        "! ftkit strict GIL: during call of test_a.py::test_lazy*"])  # the session stopped here
    assert "test_never_runs" not in result.stdout.str()


@pytest.mark.slow
@pytest.mark.parametrize("phase, source", [
    ("call", "def test_a():\n    load('silent')\n"),
    ("setup", "import pytest\n@pytest.fixture\ndef fx():\n    load('silent')\n"
              "def test_a(fx):\n    pass\n"),
], ids=["call", "setup"])
def test_strict_flip_the_hook_cannot_see_still_fails_that_phase(pytester, sample, phase, source):
    # _imp.create_dynamic makes the module without ExtensionFileLoader.create_module, so no import
    # hook sees it; the GIL's state read after the phase still does, naming the new module.
    pytester.makepyfile(test_u="import _imp, importlib.util, sys\n"
                                "def load(name):\n"
                                "    spec = importlib.util.find_spec(name)\n"
                                "    sys.modules[name] = module = _imp.create_dynamic(spec)\n"
                                "    module.__file__ = spec.origin\n"
                        + source)
    result = sample("--ftkit-strict-gil")
    result.assert_outcomes(**({"failed": 1} if phase == "call" else {"errors": 1}))
    result.stdout.fnmatch_lines([
        f"*ftkit strict GIL: during {phase} of test_u.py::test_a, the GIL was enabled, by no import the watcher "
        "saw; extension modules loaded since the last check: silent (*silent.cpython-314t*.so)*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


@pytest.mark.slow
def test_require_free_threaded_refuses_python_gil_0(pytester, sample):
    pytester._monkeypatch.setenv("PYTHON_GIL", "0")
    pytester.makepyfile(test_w="def test_a():\n    import silent\n")
    assert sample().ret == pytest.ExitCode.OK  # without the option, PYTHON_GIL=0 is the user's choice
    result = sample("--ftkit-require-free-threaded")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*ftkit: PYTHON_GIL=0 / -X gil=0 would hide every module that re-enables the "
                                 "GIL (--ftkit-require-free-threaded); unset it*"])
    pytester._monkeypatch.delenv("PYTHON_GIL")
    pytester.makeini("[pytest]\nftkit_require_free_threaded = true\n")
    pytester.makepyfile(test_w="def test_a():\n    import fine\n")
    sample().assert_outcomes(passed=1)  # a free-threaded build with the GIL free to flip: runs


@pytest.mark.slow
def test_strict_swallowed_import_error_still_fails_the_test(pytester, sample):
    pytester.makepyfile(test_a="""
        def test_optional_speedup():
            try:
                import silent
            except Exception:
                pass
    """)
    result = sample("--ftkit-strict-gil")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ftkit strict GIL: during call of test_a.py::test_optional_speedup*"])


@pytest.mark.slow
def test_strict_collection_import_names_the_collection_step(pytester, sample):
    pytester.makepyfile(test_v="import silent\n\ndef test_a():\n    pass\n")
    result = sample("--ftkit-strict-gil")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*ERROR collecting test_v.py*",
                                 "*during collection of test_v.py, the GIL was enabled*'silent'*"])


@pytest.mark.slow
@pytest.mark.parametrize("phase, source", [
    ("setup", "import pytest\n@pytest.fixture\ndef fx():\n    import silent\n    yield\n"
              "def test_a(fx):\n    pass\n"),
    ("teardown", "import pytest\n@pytest.fixture\ndef fx():\n    yield\n    import silent\n"
                 "def test_a(fx):\n    pass\n"),
])
def test_strict_fixture_setup_and_teardown_are_named(pytester, sample, phase, source):
    pytester.makepyfile(test_f=source)
    result = sample("--ftkit-strict-gil")
    result.assert_outcomes(passed=1 if phase == "teardown" else 0, errors=1)
    result.stdout.fnmatch_lines([f"*ftkit strict GIL: during {phase} of test_f.py::test_a, the GIL was enabled*"])


@pytest.mark.slow
def test_ini_option_and_environment_switch_turn_strict_on(pytester, sample):
    pytester.makepyfile(test_a="def test_lazy():\n    import silent\n")
    pytester.makeini("[pytest]\nftkit_strict_gil = true\n")
    sample().assert_outcomes(failed=1)
    pytester.makeini("[pytest]\n")
    pytester._monkeypatch.setenv("FTKIT_STRICT_GIL", "1")
    result = sample()  # pytest reports it (the plugin takes over from the .pth hook's exit)
    result.assert_outcomes(failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED


@pytest.mark.slow
def test_junit_xml_gets_the_verdict(pytester, sample):
    pytester.makepyfile(test_a="def test_a():\n    import silent\n")
    sample("--junitxml=out.xml").assert_outcomes(passed=1)
    xml = (pytester.path / "out.xml").read_text()
    assert '<property name="ftkit_gil" value="enabled" />' in xml
    assert "call of test_a.py::test_a by extension module 'silent'" in xml
    pytester.makepyfile(test_a="def test_a():\n    import fine\n")
    sample("--junitxml=out.xml").assert_outcomes(passed=1)
    assert '<property name="ftkit_gil" value="disabled" />' in (pytester.path / "out.xml").read_text()


@pytest.mark.slow
def test_strict_with_the_gil_already_on_is_a_usage_error(pytester, sample):
    pytester._monkeypatch.setenv("PYTHON_GIL", "1")
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    result = sample("--ftkit-strict-gil")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*the GIL was already enabled when pytest started (PYTHON_GIL=1*"])


@pytest.mark.slow
def test_disabled_with_p_no_ftkit(pytester, sample):
    pytester.makepyfile(test_a="def test_a():\n    import silent\n")
    result = sample("-p", "no:ftkit")
    result.assert_outcomes(passed=1)
    assert "ftkit:" not in result.stdout.str() and "GIL ENABLED" not in result.stdout.str()


@pytest.mark.slow
def test_p_ftkit_loads_it_when_autoload_is_off(pytester, sample):
    pytester._monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makepyfile(test_a="def test_a():\n    import silent\n")
    sample("-p", "ftkit", "--ftkit-strict-gil").assert_outcomes(failed=1)


@pytest.fixture(scope="module")
def gil_venv():
    """A venv of the GIL build 3.14 with pytest; ftkit's pure-Python plugin comes from the source tree."""
    return venvs.python(GIL_PYTEST)


@pytest.mark.slow
def test_on_a_gil_build_the_plugin_is_passive_and_strict_says_so(pytester, gil_venv):
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    env = {k: v for k, v in os.environ.items() if k != "FTKIT_STRICT_GIL"}
    env["PYTHONPATH"] = str(REPO / "python")

    def run(*args):
        return subprocess.run([gil_venv, "-m", "pytest", "-p", "ftkit.pytest_plugin", "-p", "no:cacheprovider",
                               *args], capture_output=True, text=True, cwd=pytester.path, env=env, timeout=120)

    plain = run()
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "ftkit" not in plain.stdout.replace(str(pytester.path), "")
    strict = run("--ftkit-strict-gil")
    assert strict.returncode == 0, strict.stdout + strict.stderr
    assert "ftkit strict GIL: " in strict.stdout and "is a GIL build: nothing to check" in strict.stdout
    required = run("--ftkit-require-free-threaded")
    assert required.returncode == pytest.ExitCode.USAGE_ERROR, required.stdout + required.stderr
    assert (f"ftkit: {gil_venv} is a GIL build; --ftkit-require-free-threaded needs free-threaded CPython"
            in required.stderr), required.stderr


@pytest.mark.slow
def test_xdist_verdict_is_the_worst_worker_s_naming_worker_and_module(pytester, sample):
    """Issue 11 item 2: under -n 2 the controller imports no test module, so its own watch saw nothing;
    the summary and JUnit said "disabled" while a worker had enabled the GIL."""
    pytester.makepyfile(test_a="def test_lazy():\n    import silent\n",
                        test_b="def test_clean():\n    import fine\n")
    result = sample("-n", "2", "--junitxml=out.xml")
    result.assert_outcomes(passed=2)
    assert re.search(r"ftkit: on xdist worker gw\d+, GIL ENABLED during call of test_a\.py::test_lazy by "
                     r"extension module 'silent' \(\S*silent\S*\.so\); import chain: test_a\.py:2 \(test_lazy\) "
                     r"-> silent", words(result)), result.stdout.str()
    assert "stayed disabled" not in result.stdout.str()
    xml = (pytester.path / "out.xml").read_text()
    assert '<property name="ftkit_gil" value="enabled" />' in xml
    assert "call of test_a.py::test_lazy by extension module 'silent'" in xml

    # A worker that crashes takes its verdict with it: the run's verdict is unknown, not disabled.
    (pytester.path / "test_a.py").unlink()
    pytester.makepyfile(test_c="import os\ndef test_crash():\n    os._exit(3)\n")
    crashed = sample("-n", "2", "--junitxml=out.xml")
    crashed.assert_outcomes(passed=1, failed=1)  # "worker 'gw0' crashed while running 'test_c.py::test_crash'"
    assert re.search(r"ftkit: on xdist worker gw\d+, the worker ended without ftkit's verdict \(it crashed",
                     words(crashed)), crashed.stdout.str()
    assert '<property name="ftkit_gil" value="unknown" />' in (pytester.path / "out.xml").read_text()

    (pytester.path / "test_c.py").unlink()
    pytester.makepyfile(test_d="def test_other():\n    import fine\n")
    clean = sample("-n", "2", "--junitxml=out.xml")
    clean.assert_outcomes(passed=2)
    clean.stdout.fnmatch_lines(["ftkit: GIL stayed disabled for the whole run (the controller and 2 xdist "
                                "worker(s))"])
    assert '<property name="ftkit_gil" value="disabled" />' in (pytester.path / "out.xml").read_text()


@pytest.mark.slow
def test_xdist_strict_fails_the_test_and_the_summary_names_the_worker(pytester, sample):
    pytester.makepyfile(test_a="def test_lazy():\n    import silent\n", test_b="def test_clean():\n    pass\n")
    result = sample("-n", "2", "--ftkit-strict-gil")
    assert result.ret == pytest.ExitCode.INTERRUPTED  # xdist stops the run on a worker's session.shouldfail
    result.stdout.fnmatch_lines(["FAILED test_a.py::test_lazy - *GILEnabledError*"])
    assert re.search(r"ftkit strict GIL: on xdist worker gw\d+, GIL ENABLED during call of test_a\.py::test_lazy "
                     r"by extension module 'silent'", words(result)), result.stdout.str()


@pytest.mark.slow
def test_pytest_run_parallel_and_tests_that_start_their_own_threads(pytester, sample):
    """The flip happens on a thread that is not pytest's: run-parallel's workers, or the test's own."""
    pytester.makepyfile(test_a="def test_lazy():\n    import silent\n")
    result = sample("--parallel-threads=2")
    # pytest-run-parallel stops the session on CPython's GIL warning; ftkit's summary still names it.
    result.stdout.fnmatch_lines(["ftkit: GIL ENABLED during call of test_a.py::test_lazy by extension module "
                                 "'silent' (*silent*.so); import chain: test_a.py:2 (test_lazy) -> silent"])
    pytester.makepyfile(test_a="""
        import threading
        def test_own_thread():
            def work():
                import silent
            t = threading.Thread(target=work)
            t.start()
            t.join()
    """)
    result = sample("--ftkit-strict-gil")
    result.assert_outcomes(failed=1)  # the error is raised on the test's thread; the phase still fails
    result.stdout.fnmatch_lines([
        "ftkit strict GIL: GIL ENABLED during call of test_a.py::test_own_thread by extension module 'silent' "
        "(*silent*.so); import chain: test_a.py:4 (work) -> silent"])


def test_worst_verdict_ranks_workers():
    from ftkit.pytest_plugin import worst_verdict

    own = ("disabled", "GIL stayed disabled for the whole run")
    assert worst_verdict(own, {}) == own
    assert worst_verdict(own, {"gw0": own, "gw1": own})[0] == "disabled"
    value, sentence = worst_verdict(own, {"gw0": ("unknown", "it crashed"), "gw1": ("enabled", "GIL ENABLED x")})
    assert value == "enabled"
    assert sentence == "on xdist worker gw0, it crashed; on xdist worker gw1, GIL ENABLED x"
    assert worst_verdict(("gil-build", "g"), {"gw0": ("gil-build", "g")})[0] == "gil-build"


@pytest.mark.slow
@pytest.mark.parametrize("warnings", ["default", "ignore"])
def test_gil_on_at_start_names_the_module_that_needed_it(pytester, sample, warnings):
    """Issue 11 item 4: the summary listed every extension module loaded before the plugin (25, the
    stdlib's included). CPython's warning names the culprit; with warnings ignored (nothing kept),
    each module is loaded alone in a fresh interpreter instead."""
    pytester.makepyfile(sitecustomize="import fine, silent\n", test_a="def test_a():\n    pass\n")
    pytester._monkeypatch.setenv("PYTHONWARNINGS", warnings)
    result = sample()
    result.assert_outcomes(passed=1)
    text = words(result)
    how = ("CPython enabled it to load extension module 'silent' (" if warnings == "default" else
           "loaded alone in a fresh interpreter, these turn the GIL on: 'silent' (")
    assert "ftkit: the GIL was already enabled when pytest started (" in text
    assert how in text, result.stdout.str()
    assert re.search(r"\(\d+ extension modules were loaded before the plugin", text)
    # Not the list of all of them: no clean module, no stdlib module.
    assert not re.search(r"\bfine\b|\b_struct\b|\bmath\b", text), result.stdout.str()
    strict = sample("--ftkit-strict-gil")
    assert strict.ret == pytest.ExitCode.USAGE_ERROR
    assert how in " ".join(strict.stderr.str().split())

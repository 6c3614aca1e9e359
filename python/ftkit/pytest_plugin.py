"""pytest plugin (entry point `ftkit`): says whether the GIL stayed off; --ftkit-strict-gil makes a flip fail.

Passive by default: on a free-threaded interpreter it only watches extension-module loads
(ftkit.strict.hook) and adds one line to the terminal summary and a JUnit property. With
--ftkit-strict-gil (ini `ftkit_strict_gil = true`, or FTKIT_STRICT_GIL=1) the import that turns
the GIL on raises GILEnabledError where it happens (conftest, collection, fixture, test,
teardown), that phase fails and the session stops: the GIL stays on once enabled (DESIGN.md),
so every later test would run with it. Strict mode also reads the GIL's state after every phase,
so a flip no import hook sees (a module created by `_imp.create_dynamic` directly, say) fails
the phase it happened in too, naming the extension modules loaded since the last check.
--ftkit-require-free-threaded (ini `ftkit_require_free_threaded`) refuses to run at all on a GIL
build or with PYTHON_GIL=0, which would hide every flip: for suites that must run free-threaded
(ftkit's own runs with both, see pyproject.toml).
Under pytest-xdist each worker watches its own process and hands its verdict to the controller
(xdist's `workeroutput`, read in `pytest_testnodedown`): the summary and the JUnit property are
the worst of them, naming the worker (issue 11 item 2); a worker that ended without a verdict
(crashed) makes the run's verdict "unknown", never "disabled".
"""

from __future__ import annotations

import os
import sys
import sysconfig

import pytest

from .strict import enabled_by_environment, hook
from .strict.culprit import explain_gil_at_start

OPTION = "--ftkit-strict-gil"
INI = "ftkit_strict_gil"
REQUIRE_OPTION = "--ftkit-require-free-threaded"
REQUIRE_INI = "ftkit_require_free_threaded"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ftkit", "ftkit: free-threading checks")
    group.addoption(OPTION, action="store_true", default=False, dest="ftkit_strict_gil",
                    help="fail the session, naming the module, its import chain and the test or "
                         "collection step, if the GIL is enabled at any point (free-threaded CPython)")
    parser.addini(INI, type="bool", default=False, help=f"same as {OPTION}")
    group.addoption(REQUIRE_OPTION, action="store_true", default=False, dest="ftkit_require_free_threaded",
                    help="refuse to run (usage error) on a GIL build of CPython or with PYTHON_GIL=0 / "
                         "-X gil=0, which keeps the GIL off and so hides every module that would enable it")
    parser.addini(REQUIRE_INI, type="bool", default=False, help=f"same as {REQUIRE_OPTION}")


def require_free_threaded(executable: str, free_threaded: bool, environ, xoptions) -> None:
    """Raise pytest.UsageError unless this is a free-threaded build with the GIL allowed to turn on."""
    if not free_threaded:
        raise pytest.UsageError(f"ftkit: {executable} is a GIL build; {REQUIRE_OPTION} needs free-threaded "
                                "CPython (3.13t or newer)")
    if environ.get("PYTHON_GIL") == "0" or xoptions.get("gil") == "0":
        raise pytest.UsageError(f"ftkit: PYTHON_GIL=0 / -X gil=0 would hide every module that re-enables the "
                                f"GIL ({REQUIRE_OPTION}); unset it")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # The earliest hook that knows the options and still runs before any conftest is imported.
    strict = bool(early_config.known_args_namespace.ftkit_strict_gil or early_config.getini(INI)
                  or enabled_by_environment(os.environ))
    if early_config.known_args_namespace.ftkit_require_free_threaded or early_config.getini(REQUIRE_INI):
        require_free_threaded(sys.executable, bool(sysconfig.get_config_var("Py_GIL_DISABLED")), os.environ,
                              sys._xoptions)
    early_config.pluginmanager.register(GilWatch(strict), "ftkit-gil-watch")


class GilWatch:
    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.workers: dict[str, tuple[str, str]] = {}  # on the xdist controller: each worker's verdict
        self.free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
        self.where = "conftest loading"
        self.flip: hook.Flip | None = None
        self.unseen: str | None = None  # a flip found by reading the GIL's state, not by the hook
        self.flip_where: str | None = None
        self.reported = False
        self.told = False  # an xdist worker: the controller has its flip (_tell_controller)
        self.at_start: str | None = None  # why the GIL was already on before we could watch
        self.watcher: hook.Watcher | None = None
        if not self.free_threaded:
            return
        if hook.gil_enabled():
            forced = os.environ.get("PYTHON_GIL") == "1" or sys._xoptions.get("gil") == "1"
            # Read now: the warnings registry that names the culprit is reset when filters change.
            self.at_start = ("PYTHON_GIL=1 / -X gil=1 forces it on" if forced else
                             explain_gil_at_start(_extension_modules(), sys.executable))
            if strict:
                raise pytest.UsageError(f"ftkit strict GIL: the GIL was already enabled when pytest "
                                        f"started ({self.at_start})")
            return
        previous = hook.installed()  # FTKIT_STRICT_GIL's start-up watcher: pytest reports instead
        if previous is not None:
            previous.uninstall()
        self.watcher = hook.Watcher(self._on_flip).install()
        self.known = _extension_modules()

    def _poll(self) -> None:
        """Catch a flip the hook did not see, by the GIL's state; the culprit is among the extension
        modules loaded since the last poll."""
        if not self.strict or self.watcher is None or self.flip is not None or self.unseen is not None:
            return
        now = _extension_modules()
        if hook.gil_enabled():
            new = ", ".join(f"{n} ({p})" for n, p in sorted(now.items()) if n not in self.known)
            self.unseen = ("the GIL was enabled, by no import the watcher saw; extension modules loaded since "
                           f"the last check: {new or 'none'}")
            self.flip_where = self.where
        self.known = now

    # -- the flip itself, in the importing thread ------------------------------------------
    def _on_flip(self, flip: hook.Flip) -> None:
        __tracebackhide__ = True
        self.flip, self.flip_where = flip, self.where
        if self.strict:
            raise hook.GILEnabledError(self.message())

    def flipped(self) -> bool:
        return self.flip is not None or self.unseen is not None

    def message(self) -> str:
        assert self.flipped()
        return f"ftkit strict GIL: during {self.flip_where}, {self.flip.message() if self.flip else self.unseen}"

    def _fail_once(self) -> str | None:
        """The message to fail the current report with, the first time a strict flip is seen."""
        self._poll()
        if not self.strict or not self.flipped() or self.reported:
            return None
        self.reported = True
        return self.message()

    # -- where are we: named in the message -------------------------------------------------
    def pytest_collectstart(self, collector: pytest.Collector) -> None:
        self._poll()  # a flip so far happened in the step named by self.where (e.g. conftest loading)
        self.where = f"collection of {collector.nodeid or 'the session'}"

    @pytest.hookimpl(hookwrapper=True)
    def pytest_make_collect_report(self, collector: pytest.Collector):
        outcome = yield
        message = self._fail_once()
        report = outcome.get_result()
        self._tell_controller(collector.config, report)
        if message:
            if report.outcome != "failed":  # the import error was swallowed: fail it ourselves
                report.outcome, report.longrepr = "failed", message

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._poll()
        self.where = "the session, after collection"
        if self.strict and self.flipped():
            session.shouldfail = self.message()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item):
        self.where = f"setup of {item.nodeid}"
        yield
        self._poll()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):
        self.where = f"call of {item.nodeid}"
        yield
        self._poll()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item):
        self.where = f"teardown of {item.nodeid}"
        yield
        self._poll()
        self.where = f"the session, after {item.nodeid}"

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        outcome = yield
        message = self._fail_once()
        report = outcome.get_result()
        self._tell_controller(item.config, report)
        if message:
            if report.outcome != "failed":
                report.outcome, report.longrepr = "failed", message
            item.session.shouldfail = message  # stop: later tests would all run with the GIL

    # -- verdict ---------------------------------------------------------------------------
    def verdict(self) -> tuple[str, str]:
        """(short value for JUnit, sentence for the terminal): this process's, or under xdist the
        worst of the controller's and its workers'."""
        return worst_verdict(self.own_verdict(), self.workers)

    def own_verdict(self) -> tuple[str, str]:
        if not self.free_threaded:
            return "gil-build", f"{sys.executable} is a GIL build: nothing to check"
        if self.at_start:
            return "enabled-at-start", f"the GIL was already enabled when pytest started ({self.at_start})"
        if self.unseen is not None:
            return "enabled", f"GIL ENABLED during {self.flip_where}: {self.unseen}"
        if self.flip is None:
            return "disabled", "GIL stayed disabled for the whole run"
        return "enabled", (f"GIL ENABLED during {self.flip_where} by extension module "
                           f"'{self.flip.module}' ({self.flip.path}); import chain: {self.flip.chain_text()}")

    @pytest.hookimpl(tryfirst=True)  # before junitxml writes its file in its own sessionfinish
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self._poll()  # a flip outside any test phase: a background thread, a late import
        self.where = "the end of the session"
        if self.strict and self.flipped() and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        workeroutput = getattr(session.config, "workeroutput", None)  # an xdist worker's (set after
        if workeroutput is not None:  # the early hooks), sent to the controller after this hook
            workeroutput[WORKER_OUTPUT] = list(self.own_verdict())
        try:
            from _pytest.junitxml import xml_key  # no public API adds a suite property from a plugin
        except ImportError:
            return
        xml = session.config.stash.get(xml_key, None)
        if xml is not None:
            value, sentence = self.verdict()
            xml.add_global_property("ftkit_gil", value)
            if _rank(value) >= RANK["unknown"]:
                xml.add_global_property("ftkit_gil_detail", sentence)

    # -- pytest-xdist: workers tell the controller ---------------------------------------------
    def _tell_controller(self, config: pytest.Config, report) -> None:
        """On an xdist worker, the first report after a flip carries the verdict to the controller
        (xdist serialises a report's attributes): it gets there even if the worker crashes later."""
        if hasattr(config, "workerinput") and self.flipped() and not self.told:
            self.told = True
            setattr(report, WORKER_OUTPUT, list(self.own_verdict()))

    def _heard(self, report) -> None:
        got, node = getattr(report, WORKER_OUTPUT, None), getattr(report, "node", None)  # xdist sets .node
        if got is not None and node is not None:
            self.workers[node.gateway.id] = (got[0], got[1])

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._heard(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self._heard(report)

    @pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook, called on the controller
    def pytest_testnodedown(self, node, error) -> None:
        worker = node.gateway.id
        got = (getattr(node, "workeroutput", None) or {}).get(WORKER_OUTPUT)
        if got is None and worker in self.workers:  # a flip it reported before it crashed
            return
        if got is None:
            why = f"it crashed ({error})" if error else "ftkit was not active on it"
            got = ("unknown", f"the worker ended without ftkit's verdict ({why}): whether the GIL turned on "
                              "there is unknown")
        self.workers[worker] = (got[0], got[1])

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.free_threaded and not self.strict:
            return
        value, sentence = self.verdict()
        prefix = "ftkit strict GIL" if self.strict else "ftkit"
        bad = _rank(value) >= RANK["unknown"]
        terminalreporter.write_line(f"{prefix}: {sentence}", red=bad, green=value == "disabled")

    def pytest_unconfigure(self) -> None:
        if self.watcher is not None:
            self.watcher.uninstall()


WORKER_OUTPUT = "ftkit_gil"  # key of a worker's [value, sentence] in xdist's workeroutput
# How bad a verdict is, for picking the run's verdict from its xdist workers'.
RANK = {"gil-build": 0, "disabled": 1, "unknown": 2, "enabled": 3, "enabled-at-start": 3}


def _rank(value: str) -> int:
    return RANK.get(value, RANK["unknown"])  # a value this version does not know is not a clean one


def worst_verdict(own: tuple[str, str], workers: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """The run's (value, sentence) from this process's verdict and, under xdist, each worker's:
    the worst value; the sentence names every worker (and the controller) that was not clean."""
    if not workers:
        return own
    entries = [("the xdist controller", own), *((f"xdist worker {w}", v) for w, v in sorted(workers.items()))]
    value = max((v for _, (v, _) in entries), key=_rank)
    if _rank(value) < RANK["unknown"]:
        return value, f"{own[1]} (the controller and {len(workers)} xdist worker(s))"
    bad = [f"on {who}, {sentence}" for who, (v, sentence) in entries if _rank(v) >= RANK["unknown"]]
    return value, "; ".join(bad)


def _extension_modules() -> dict[str, str]:
    """{name: file} of the extension modules in sys.modules."""
    return {name: getattr(sys.modules.get(name), "__file__", None) or "?"
            for name in hook.loaded_extension_modules()}

"""pytest plugin: the suite fails, naming the culprit, if the GIL is ever enabled during the run.

We practise what we sell: ftkit's own tests run on free-threaded CPython and must leave the GIL
off. The state is checked after conftest/collection and after every setup, call and teardown;
the phase where it flips fails, with the extension modules imported since the previous check.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
import sysconfig

import pytest

_EXT_SUFFIXES = tuple(importlib.machinery.EXTENSION_SUFFIXES)


def _gil_enabled() -> bool:
    return sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True


def _extension_modules() -> dict[str, str]:
    out = {}
    for name, mod in list(sys.modules.items()):
        path = getattr(mod, "__file__", None) or ""
        if path.endswith(_EXT_SUFFIXES):
            out[name] = path
    return out


# Taken when pytest imports this plugin (-p, or a conftest's pytest_plugins), before the other
# conftest files run: a flip between now and pytest_configure happened while loading them.
_GIL_AT_IMPORT = _gil_enabled()
_MODULES_AT_IMPORT = _extension_modules()


class GilGuard:
    def __init__(self, known_modules: dict[str, str]) -> None:
        self.culprit: str | None = None
        self._known = known_modules

    def _check(self, where: str) -> str | None:
        """A message if the GIL turned on since the last check, naming where and what."""
        if self.culprit is not None or not _gil_enabled():
            self._known = _extension_modules()
            return None
        now = _extension_modules()
        new = {n: p for n, p in now.items() if n not in self._known}
        self._known = now
        modules = ", ".join(f"{n} ({p})" for n, p in sorted(new.items())) or "none imported since the last check"
        self.culprit = f"the GIL was enabled during {where}; extension modules newly imported: {modules}"
        return self.culprit

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        message = self._check("conftest loading or collection")
        if message:
            raise pytest.UsageError(f"ftkit GIL guard: {message}")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        outcome = yield
        message = self._check(f"{call.when} of {item.nodeid}")
        if message:
            report = outcome.get_result()
            report.outcome = "failed"
            report.longrepr = f"ftkit GIL guard: {message}"

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # Catch flips outside any test phase (a background thread, a late import).
        if self._check("the session") and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        verdict = f"GIL WAS ENABLED: {self.culprit}" if self.culprit else "GIL stayed disabled for the whole run"
        terminalreporter.write_line(f"ftkit GIL guard: {verdict}")


def pytest_configure(config: pytest.Config) -> None:
    if not sysconfig.get_config_var("Py_GIL_DISABLED"):
        raise pytest.UsageError(
            f"ftkit's tests run on a free-threaded interpreter; {sys.executable} is a GIL build "
            "(use `make test`, which runs them in .venv on 3.14t)")
    if os.environ.get("PYTHON_GIL") == "0":
        raise pytest.UsageError("PYTHON_GIL=0 would hide every module that re-enables the GIL; unset it")
    if _GIL_AT_IMPORT:
        raise pytest.UsageError(
            "the GIL was already enabled before the tests started (PYTHON_GIL=1, -X gil=1, or a "
            f"module imported at start-up); extension modules loaded: {sorted(_MODULES_AT_IMPORT)}")
    guard = GilGuard(_MODULES_AT_IMPORT)
    message = guard._check("conftest loading")
    if message:
        raise pytest.UsageError(f"ftkit GIL guard: {message}")
    config.pluginmanager.register(guard, "ftkit-gil-guard")

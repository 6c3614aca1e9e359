"""Fixtures every ftkit test suite shares; what they need is made beforehand by `make prepare`.

The GIL is watched by ftkit's own pytest plugin (--ftkit-strict-gil and --ftkit-require-free-threaded
in pyproject.toml): a phase that turns it on fails, naming the module.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.compile_ext import build_extension
from harness.interpreters import interpreter
from harness.prepared import NotPrepared

REPO = Path(__file__).resolve().parent.parent

__all__ = ["REPO", "interpreter"]  # tests import these from here


@pytest.fixture(scope="session")
def ft_python() -> str:
    """The free-threaded 3.14t interpreter the suite runs on (the cache's, behind .venv)."""
    return interpreter("3.14t")


@pytest.fixture(scope="session")
def compile_extension():
    """Factory: compile_extension(source, name, python=sys.executable, lang="c") -> path."""

    def compile_(source: str, name: str, python: str = sys.executable, lang: str = "c",
                 extra_args: tuple[str, ...] = ()) -> Path:
        return build_extension(source, name, python, lang=lang, extra_args=extra_args)

    return compile_


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    # A missing prepared input is one line naming `make prepare`, not a traceback into the harness.
    outcome = yield
    if call.excinfo is not None and call.excinfo.errisinstance(NotPrepared):
        outcome.get_result().longrepr = f"NotPrepared: {call.excinfo.value}"

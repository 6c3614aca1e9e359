"""Fixtures every ftkit test suite shares; the GIL guard is loaded for the whole run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ftkit.interpreters import bootstrap
from ftkit.interpreters.cache import Variant
from harness.compile_ext import build_extension

pytest_plugins = ["harness.gil_guard"]

REPO = Path(__file__).resolve().parent.parent


def interpreter(variant: str) -> str:
    """The interpreter for variant, built by the bootstrap if the cache lacks it (never skipped)."""
    return str(bootstrap.ensure(Variant.parse(variant)))


@pytest.fixture(scope="session")
def ft_python() -> str:
    """The free-threaded 3.14t interpreter (the one the suite runs on, via .venv, or the cache's)."""
    return interpreter("3.14t")


@pytest.fixture(scope="session")
def compile_extension():
    """Factory: compile_extension(source, name, python=sys.executable, lang="c") -> path."""

    def compile_(source: str, name: str, python: str = sys.executable, lang: str = "c",
                 extra_args: tuple[str, ...] = ()) -> Path:
        return build_extension(source, name, python, lang=lang, extra_args=extra_args)

    return compile_

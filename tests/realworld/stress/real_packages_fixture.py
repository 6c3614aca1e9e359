"""The real-package stress suite's one fixture (not a conftest.py: a second module named conftest would
shadow tests/conftest.py for `from conftest import ...`): the prepared venv of cp314t wheels on PYTHONPATH."""

from __future__ import annotations

import pytest

from harness import manifest, venvs


@pytest.fixture
def real_packages(monkeypatch) -> str:
    """The site-packages of harness.manifest.STRESS_REAL (NotPrepared names `make prepare`), put on
    PYTHONPATH, where the stress workers (this interpreter, with ftkit) import the wheels from."""
    python = venvs.python(manifest.STRESS_REAL)
    path = str(next(python.parent.parent.glob("lib/python*/site-packages")))
    monkeypatch.setenv("PYTHONPATH", path)
    return path

"""The manifest's lookups never build or download: a missing entry is NotPrepared, naming `make prepare`."""

from __future__ import annotations

import pytest

from harness import corpus, interpreters, manifest, porcupine, pyo3, venvs
from harness.prepared import NotPrepared


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """An empty ftkit cache and no pyenv: nothing is prepared."""
    monkeypatch.setenv("FTKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    return tmp_path / "cache"


@pytest.mark.parametrize("lookup, what", [
    (lambda: interpreters.interpreter("3.15t"), "interpreter 3.15t"),
    (lambda: interpreters.interpreter("3.12"), "interpreter 3.12"),  # pyenv's when it has it
    (lambda: corpus.path(manifest.GREENLET, "linux"), "wheel greenlet==3.1.1 (cp313t) for linux"),
    (lambda: corpus.all_wheels(), "wheel numpy==2.5.5 (cp314t) for linux"),
    (lambda: pyo3.module("0.29.3", False), "interpreter 3.14t"),  # built for 3.14t, which comes first
    (lambda: venvs.python(manifest.GIL_PYTEST), "venv gil-pytest-3.14"),
    (porcupine.module_dir.__wrapped__, "Porcupine v1.3.1"),  # unwrapped: no answer cached from earlier
], ids=["interpreter-ft", "interpreter-gil", "wheel", "corpus", "pyo3", "venv", "porcupine"])
def test_missing_entry_names_make_prepare(empty_cache, lookup, what):
    with pytest.raises(NotPrepared) as e:
        lookup()
    assert str(e.value).startswith(what) and str(e.value).endswith(
        "is not prepared: run `make prepare` (tools/prepare.py) first"), str(e.value)
    assert not empty_cache.exists(), "a lookup must not create, download or build anything"


@pytest.mark.parametrize("lookup, what", [
    (lambda: interpreters.interpreter("3.16t"), "interpreter 3.16t"),
    (lambda: corpus.path(corpus.Wheel("numpy", "1.0"), "linux"), "wheel numpy==1.0 for linux"),
    (lambda: corpus.path(manifest.GREENLET, "windows"), "wheel greenlet==3.1.1 for windows"),
    (lambda: pyo3.module("0.20.0", None), "PyO3 0.20.0 module with gil_used=None"),
    (lambda: venvs.python(manifest.Venv("other", "3.14", ())), "venv other"),
], ids=["interpreter", "wheel", "platform", "pyo3", "venv"])
def test_entry_outside_the_manifest_says_to_add_it(lookup, what):
    with pytest.raises(NotPrepared, match="^" + what.replace("(", r"\(").replace(")", r"\)")
                       + r" is not in the test manifest \(tools/harness/manifest.py\): add it there, "
                         r"then run `make prepare`$"):
        lookup()


def test_prepared_entries_are_found_without_work(ft_python):
    # `make test` ran `make prepare`: every entry resolves to an existing file.
    assert interpreters.interpreter("3.14t") == ft_python
    assert all(interpreters.interpreter(name) for name in interpreters.matrix())
    assert len(corpus.all_wheels()) == sum(len(w.platforms) for w in manifest.CORPUS)
    assert corpus.path(manifest.GREENLET, "linux").name.startswith("greenlet-3.1.1-cp313-cp313t-manylinux_2_17")
    assert all(pyo3.module(*entry).is_file() for entry in manifest.PYO3)
    assert venvs.python(manifest.GIL_PYTEST).is_file()
    assert (porcupine.module_dir() / "porcupine_test.go").is_file()


def test_a_file_that_does_not_match_its_pin_is_refused(empty_cache):
    wheel = corpus.wheel_dir() / "linux" / "greenlet-3.1.1-cp313-cp313t-manylinux_2_17_x86_64.whl"
    wheel.parent.mkdir(parents=True)
    wheel.write_bytes(b"not the pinned wheel")
    with pytest.raises(RuntimeError, match="does not match its pinned sha256 8320f64b"):
        corpus.path(manifest.GREENLET, "linux")

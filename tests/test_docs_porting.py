"""docs/porting.md: every command of its console blocks, run as written, prints what the page says."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import REPO
from harness import doc_console
from harness.compile_ext import build_extension, interpreter_build_info
from harness.examples import build_matrix

PAGE = REPO / "docs" / "porting.md"
COMMANDS = doc_console.commands(PAGE)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory, ft_python) -> Path:
    """What the page assumes: an ftkit checkout after `make demo` (build/demo, build/demo-matrix
    compiled for 3.14t), laid out in a folder of its own so that the runs cannot touch the repo."""
    root = tmp_path_factory.mktemp("checkout")
    for name in ("examples", "include", "docs"):
        shutil.copytree(REPO / name, root / name)
    demo = root / "build" / "demo"
    demo.mkdir(parents=True)
    for mod in ("declares", "forgets"):
        source = (REPO / "examples" / "gil_declaration" / f"{mod}.c").read_text()
        built = build_extension(source, mod, ft_python, lang="c", extra_args=("-O1",))
        shutil.copy(built, demo / built.name)
    matrix = root / "build" / "demo-matrix"
    matrix.mkdir()
    for variant in ("unsafe", "locked", "borrow"):
        built = build_matrix(ft_python, variant)
        shutil.copy(built, matrix / built.name)
    assert interpreter_build_info(ft_python)["free_threaded"]
    return root


def user_environment() -> dict[str, str]:
    """A shell like the reader's: the 3.14t venv with ftkit first on PATH, nothing of this pytest run."""
    keep = ("HOME", "LANG", "LC_ALL", "TMPDIR", "FTKIT_CACHE", "PYENV_ROOT", "TERM")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"])
    env["NO_COLOR"] = "1"
    return env


def test_the_page_has_commands_to_run():
    assert len(COMMANDS) >= 8


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS, ids=[f"line{c.line}" for c in COMMANDS])
def test_command_prints_what_the_page_says(command, checkout):
    returncode, output = doc_console.run(command, checkout, user_environment())
    problem = doc_console.mismatch(command, returncode, output)
    assert problem is None, problem

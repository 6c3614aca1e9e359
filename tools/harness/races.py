"""The race corpus (tests/stress_support/races): small C modules, each with one kind of race and a
corrected twin (-DFIXED=1, same API), built for an interpreter and placed beside its scenario.
One place for tests/ and bench/ (which must not import tests/); the older racy fixtures
(tests/stress_support/racy.py) are built by the same function."""

from __future__ import annotations

import shutil
from pathlib import Path

from .compile_ext import build_extension

REPO = Path(__file__).resolve().parents[2]
SUPPORT = REPO / "tests" / "stress_support"
RACES_DIR = SUPPORT / "races"
COMMON_H = SUPPORT / "fixtures" / "common.h"

# race -> what it is (the scenario's module is race_<name>, its scenario races/<name>.py)
RACES = {
    "resize": "realloc'd buffer read during resize",
    "lost_update": "lost update of a Python-int total",
    "borrowed": "borrowed list item used after a concurrent clear()",
    "scratch": "static scratch buffer",
    "ring": "ring-buffer queue",
    "registry": "lazily created registry (narrow lazy init)",
    "torn_pair": "torn pair of fields",
}


def source(c_file: Path) -> str:
    """The C source with common.h inlined (build_extension compiles one file)."""
    return c_file.read_text().replace('#include "common.h"', COMMON_H.read_text())


def place(c_file: Path, module: str, scenario_file: Path, fixed: bool, folder: Path, build) -> Path:
    """folder/<scenario> beside `module` compiled from c_file by build(source, module, extra_args=...)
    (build_extension for one interpreter, or the tests' compile_extension); returns the scenario path."""
    built = build(source(c_file), module, extra_args=(f"-DMODULE_NAME={module}", f"-DFIXED={int(fixed)}"))
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(built, folder / built.name)
    return Path(shutil.copy(scenario_file, folder / scenario_file.name))


def race_scenario(name: str, fixed: bool, python: str, folder: Path) -> Path:
    """Race `name` of the corpus (or its corrected twin) and its scenario in folder."""
    if name not in RACES:
        raise ValueError(f"no race {name!r} in the corpus ({', '.join(RACES)})")
    return place(RACES_DIR / f"{name}.c", f"race_{name}", RACES_DIR / f"{name}.py", fixed, folder,
                 lambda src, module, extra_args: build_extension(src, module, python, extra_args=extra_args))

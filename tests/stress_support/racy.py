"""Build a racy fixture module (or its corrected twin) next to its scenario in a fresh folder.
The seed's race is the Matrix example: harness.examples.matrix_example."""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).parent

# scenario name -> (C source, import name used by the scenario)
FIXTURES = {
    "counter": ("counter.c", "fcounter"),
    "lazy_cache": ("lazy_cache.c", "flazy"),
    "stack": ("stack.c", "fstack"),
}


def source(name: str) -> str:
    """The fixture's C source with common.h inlined (compile_extension takes one file)."""
    c_file, _ = FIXTURES[name]
    common = (HERE / "fixtures" / "common.h").read_text()
    return (HERE / "fixtures" / c_file).read_text().replace('#include "common.h"', common)


def scenario_dir(name: str, fixed: bool, compile_extension, folder: Path) -> Path:
    """folder/NAME.py (the scenario) beside the compiled module; returns the scenario path."""
    _, module = FIXTURES[name]
    built = compile_extension(source(name), module,
                              extra_args=(f"-DMODULE_NAME={module}", f"-DFIXED={int(fixed)}"))
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(built, folder / built.name)
    target = folder / f"{name}.py"
    shutil.copy(HERE / "scenarios" / f"{name}.py", target)
    return target


"""Build a racy fixture module (or its corrected twin) next to its scenario in a fresh folder.
The seed's race is the Matrix example: harness.examples.matrix_example; the race corpus is
harness.races."""

from __future__ import annotations

from pathlib import Path

from harness.races import place

HERE = Path(__file__).parent

# scenario name -> (C source, import name used by the scenario)
FIXTURES = {
    "counter": ("counter.c", "fcounter"),
    "lazy_cache": ("lazy_cache.c", "flazy"),
    "stack": ("stack.c", "fstack"),
}


def scenario_dir(name: str, fixed: bool, compile_extension, folder: Path) -> Path:
    """folder/NAME.py (the scenario) beside the compiled module; returns the scenario path."""
    c_file, module = FIXTURES[name]
    return place(HERE / "fixtures" / c_file, module, HERE / "scenarios" / f"{name}.py", fixed, folder,
                 compile_extension)

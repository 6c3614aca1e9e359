"""A regression test for the Matrix race, as docs/porting.md section 3 writes it: the scenario that
found the race runs in the project's own test suite, on the fixed variant, so the race cannot
come back unnoticed. Run it with the variants on the path:

    PYTHONPATH=build/demo-matrix python -m pytest -q examples/matrix/test_matrix_stress.py
"""

from pathlib import Path

import pytest

SCENARIO = str(Path(__file__).parent / "scenario.py")


@pytest.mark.ftkit_stress(trials=300)
def test_locked_matrix_survives_concurrent_growth(ftkit_stress, monkeypatch):
    monkeypatch.setenv("MATRIX_VARIANT", "locked")  # the scenario's workers read it at import
    ftkit_stress(SCENARIO)

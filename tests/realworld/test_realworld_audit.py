"""`ftkit audit dist/*` on what `pip wheel` builds from real sdists, against CPython's word.

Each dist/ folder holds the free-threaded cp314t wheel and the GIL cp312 wheel built from the pinned
sdist (and the sdist itself): the files a release job hands to `ftkit audit dist/*`. Every cp314t
module's static GIL verdict is compared with what importing the very same wheel (installed in the
prepared venv) makes CPython say (gil_truth.py). "unknown" is honest, never a contradiction; any
other verdict must agree.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from gil_truth import requires_gil

from harness import realworld
from harness.manifest import REALWORLD_VENVS

pytestmark = pytest.mark.slow  # real projects: a few seconds each, prepared by `make prepare`
VENVS = {v.name: v for v in REALWORLD_VENVS}
SAYS = {"not-used": False, "used": True, "undeclared": True}


@pytest.mark.parametrize("dist, venv", [("msgpack", "installed"), ("msgpack-nodirective", "nodirective"),
                                        ("bitarray", "installed")])
def test_audit_of_a_dist_folder_agrees_with_importing(dist, venv, tmp_path):
    files = sorted(realworld.dist_dir(dist).iterdir())
    assert any(f.name.endswith(".whl") for f in files)
    proc = subprocess.run([sys.executable, "-m", "ftkit", "audit", *map(str, files), "--format", "json"],
                          capture_output=True, text=True, timeout=600)
    assert "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    # The sdist beside the wheels is skipped with a note (issue 11 item 6), and exit code and verdict agree.
    assert proc.returncode == (1 if report["failed"] else 0), proc.stderr
    skipped = [s["path"] for s in report["data"]["skipped"]]
    assert skipped == [str(f) for f in files if f.name.endswith(".tar.gz")]
    python = realworld.venv_python(VENVS[venv])
    rows = []
    for f in report["data"]["files"]:
        for m in f["modules"]:
            if m["abi_tag"] != "cp314t":
                continue
            member = m["path"].split("!", 1)[1]
            name = member.split(".", 1)[0].replace("/", ".")  # msgpack/_cmsgpack.cpython-314t-...so
            verdict = m["gil"]["verdict"]
            truth, _ = requires_gil(python, name, tmp_path)
            rows.append((name, verdict, m["gil"]["confidence"], truth, SAYS.get(verdict, truth) == truth))
            print("audit verdict vs truth:", dist, *rows[-1])
    assert rows, f"no cp314t module audited in {files}"
    assert all(r[-1] for r in rows), f"audit contradicts importing (module, verdict, confidence, GIL): {rows}"

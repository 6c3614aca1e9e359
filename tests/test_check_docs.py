"""docs/check.md, run as written: every `ftkit` command of its walk-through (bitarray 3.12.3's real wheels
in dist/, with a small threaded test suite), in order, with the exit code the doc gives; the summary
line it shows; its [tool.ftkit] example read by the config loader."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import REPO
from ftkit.check.config import load
from harness import corpus, manifest
from test_check import ftkit_check

DOC = REPO / "docs" / "check.md"
TESTS = """import threading
from bitarray import bitarray


def test_bitarrays_from_threads():
    out = []

    def work():
        a = bitarray(1000)
        a.setall(1)
        out.append(a.count())

    ts = [threading.Thread(target=work) for _ in range(8)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert out == [1000] * 8
"""


def commands() -> list[tuple[list[str], int]]:
    """(argv after `ftkit`, exit code) for each command line of the doc's sh blocks."""
    out = []
    for block in re.findall(r"```sh\n(.*?)```", DOC.read_text(), re.S):
        for line in block.splitlines():
            m = re.match(r"(ftkit .*?)\s+# exit (\d)$", line)
            assert m, f"docs/check.md: a command line without '# exit N': {line!r}"
            out.append((shlex.split(m.group(1))[1:], int(m.group(2))))
    return out


@pytest.mark.slow
def test_every_command_of_the_walk_through_gives_the_exit_code_the_doc_says(tmp_path):
    (tmp_path / "dist").mkdir()
    for w in (manifest.BITARRAY_GIL, manifest.BITARRAY_FT):
        shutil.copy(corpus.path(w, "linux"), tmp_path / "dist")
    with zipfile.ZipFile(corpus.path(manifest.BITARRAY_FT, "linux")) as z:
        z.extractall(tmp_path / "site")  # the tests import bitarray from here, as if installed
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text(
        f"import sys\nsys.path.insert(0, {str(tmp_path / 'site')!r})\n")
    (tmp_path / "tests" / "test_bits.py").write_text(TESTS)
    ran = commands()
    assert len(ran) >= 6
    for argv, code in ran:
        assert argv[0] == "check"
        proc = subprocess.run([sys.executable, "-m", "ftkit", *argv, "--color", "never"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == code, f"ftkit {shlex.join(argv)}: {proc.stdout[-3000:]}{proc.stderr}"
        if argv == ["check"] and not (tmp_path / "ftkit-baseline.json").exists():
            shown = re.search(r"```\n(ftkit check: .*?)\n```", DOC.read_text()).group(1)
            assert proc.stdout.strip().splitlines()[-1] == shown
        if argv[:2] == ["check", "--pytest"]:
            assert "verdict: ready; supports '3 - Stable', claims '2 - Beta'" in proc.stdout
    assert (tmp_path / "build" / "check.json").is_file()
    code, report, err = ftkit_check(tmp_path, "--static")
    assert code == 0 and report["data"]["verdict"] == "declared but untested", err


def test_the_tool_ftkit_example_is_a_valid_configuration(tmp_path):
    (toml,) = [b for b in re.findall(r"```toml\n(.*?)```", DOC.read_text(), re.S) if "[tool.ftkit]" in b]
    (tmp_path / "pyproject.toml").write_text(toml)
    config = load(tmp_path / "pyproject.toml", tmp_path)
    assert config.paths == ("dist",) and config.baseline == "ftkit-baseline.json"
    assert [s.path for s in config.scenarios] == ["tests/stress_cache.py", "tests/stress_matrix.py:scenario"]
    assert config.ignores[0].reason == "vendored code, reviewed in #123"

"""Finding interpreters: one entry per interpreter and environment, uv's folder, the probe's errors."""

from __future__ import annotations

import subprocess
import sys

from ftkit.interpreters.discover import dedupe, probe, uv_root


def test_a_link_is_merged_but_a_venv_stays_its_own_entry(tmp_path, ft_python):
    link = tmp_path / "python3.14t"
    link.symlink_to(ft_python)
    subprocess.run([ft_python, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True, timeout=300)
    venv_python = str(tmp_path / "venv" / "bin" / "python")
    found = dedupe([(ft_python, "ftkit cache"), (str(link), "PATH"), (venv_python, "running")])
    assert found == [(ft_python, "ftkit cache, PATH"), (venv_python, "running")]


def test_uv_folder_follows_its_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(tmp_path / "uv"))
    assert uv_root() == tmp_path / "uv"
    monkeypatch.delenv("UV_PYTHON_INSTALL_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert uv_root() == tmp_path / "data" / "uv" / "python"


def test_probe_answers_with_facts_or_one_error(tmp_path):
    me = probe(sys.executable, "running")
    assert me.error is None and me.free_threaded is True and me.ext_suffix and me.ftkit
    assert probe("/bin/true").error == "not a Python interpreter (exit 0, it sent no result)"
    assert probe(str(tmp_path / "nope")).error == "cannot run it (No such file or directory)"
    assert probe(sys.executable, timeout=0.001).error == "did not answer within 0.001s"

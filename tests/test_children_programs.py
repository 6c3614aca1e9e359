"""Each child program of ftkit.children, run as the runner runs it: by path, under a real interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import ftkit
from ftkit.children import program_path, run_child
from ftkit.children.channel import ENV_VAR

CHILDREN = Path(program_path("interpreter")).parent
STRICT = CHILDREN.parent / "strict"


def module_dir(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / f"{name}.py").write_text(text)
    return tmp_path


def test_interpreter_reports_this_interpreter():
    r = run_child(sys.executable, "interpreter", timeout=60)
    assert r.ok, r.describe()
    facts = r.result
    assert facts["version"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
    assert facts["implementation"] == "cpython" and facts["free_threaded"] is True
    assert facts["gil_enabled"] is False and facts["ext_suffix"] == sysconfig.get_config_var("EXT_SUFFIX")
    assert facts["ftkit"] == [os.path.dirname(ftkit.__file__)]


def test_interpreter_sees_python_gil_1_and_a_missing_ftkit(ft_python):
    r = run_child(ft_python, "interpreter", env=os.environ | {"PYTHON_GIL": "1"}, timeout=60)
    assert r.result["free_threaded"] is True and r.result["gil_enabled"] is True
    assert r.result["ftkit"] is None  # the cache's interpreter: ftkit lives in .venv, not there


def test_a_program_run_by_hand_prints_its_result():
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    proc = subprocess.run([sys.executable, program_path("interpreter")], capture_output=True, text=True,
                          env=env, timeout=60)
    assert json.loads(proc.stdout)["free_threaded"] is True


def test_the_channel_is_gone_before_the_target_runs(tmp_path):
    # The module under test looks for the channel and for ftkit's folders on sys.path.
    probe_target = ("import os, sys\n"
                    f"seen = {{'env': {ENV_VAR!r} in os.environ, 'path': sys.path}}\n"
                    f"open({str(tmp_path / 'seen.json')!r}, 'w').write(__import__('json').dumps(seen))\n")
    r = run_child(sys.executable, "import_probe", ["target"], timeout=60,
                  env=os.environ | {"PYTHONPATH": str(module_dir(tmp_path, target=probe_target))})
    assert r.ok and r.result["error"] is None, (r.describe(), r.result)
    seen = json.loads((tmp_path / "seen.json").read_text())
    assert seen["env"] is False
    assert not {str(CHILDREN), str(STRICT)} & {os.path.abspath(p or ".") for p in seen["path"]}


def test_the_targets_own_channel_and_hook_modules_are_the_ones_imported(tmp_path):
    # Names of ftkit's child-side files must not shadow a target's modules of the same name.
    root = module_dir(tmp_path, channel="raise ValueError('the target channel')\n",
                      hook="raise ValueError('the target hook')\n")
    env = os.environ | {"PYTHONPATH": str(root)}
    for name in ("channel", "hook"):
        r = run_child(sys.executable, "import_probe", [name], env=env, timeout=60)
        assert r.result["error"] == f"ValueError: the target {name}", r.result


def test_import_probe_of_a_pure_python_module_keeps_the_gil_off_despite_stdout_noise(tmp_path):
    root = module_dir(tmp_path, noisy='print(\'{"flip": {"module": "forged"}}\')\nprint("x" * 100000)\n')
    r = run_child(sys.executable, "import_probe", ["noisy"], env=os.environ | {"PYTHONPATH": str(root)},
                  timeout=60)
    assert r.result == {"gil_at_start": False, "error": None, "gil_after": False, "flip": None}


def test_import_probe_reports_a_raising_module_body(tmp_path):
    root = module_dir(tmp_path, bad="raise SystemExit('module body exits')\n")
    r = run_child(sys.executable, "import_probe", ["bad"], env=os.environ | {"PYTHONPATH": str(root)},
                  timeout=60)
    assert r.result["error"] == "SystemExit: module body exits" and r.returncode == 0


def test_locate_finds_a_distribution_a_module_and_nothing():
    dist = run_child(sys.executable, "locate", ["pytest"], timeout=60).result
    assert dist["kind"] == "distribution" and any(f.endswith("pytest/__init__.py") for f in dist["files"])
    module = run_child(sys.executable, "locate", ["json"], timeout=60).result
    assert module["kind"] == "module" and module["origin"].endswith(os.path.join("json", "__init__.py"))
    assert module["locations"]
    assert run_child(sys.executable, "locate", ["no_such_mod_xyz"], timeout=60).result == {}
    broken = run_child(sys.executable, "locate", ["json.no.such"], timeout=60).result
    assert broken["error"].startswith("ModuleNotFoundError")


def test_load_module_creates_or_imports(tmp_path, compile_extension):
    from harness.sources import multi_phase

    silent = compile_extension(multi_phase("lm_silent", None), "lm_silent")
    created = run_child(sys.executable, "load_module", ["lm_silent", silent, "create"], timeout=60).result
    assert created == {"gil_enabled": True, "error": None}
    imported = run_child(sys.executable, "load_module", ["json", "", "import"], timeout=60).result
    assert imported == {"gil_enabled": False, "error": None}
    missing = run_child(sys.executable, "load_module", ["nope", str(tmp_path / "nope.so"), "create"],
                        timeout=60).result
    assert missing["gil_enabled"] is False and "cannot open shared object file" in missing["error"]


def test_the_channel_writes_json_without_importing_json():
    import signal

    from ftkit.children.channel import encode

    nasty = {"quote\"back\\slash": ["\n\t\r\x00\x1f\x7f", "é€😀", 1, -2.5, 1e300, True, False, None],
             "signal": signal.SIGINT, "nan": float("nan"), "tuple": (1, "a"), "path": Path("/x"),
             "surrogate": "\udcff"}
    expected = {"quote\"back\\slash": ["\n\t\r\x00\x1f\x7f", "é€😀", 1, -2.5, 1e300, True, False, None],
                "signal": 2, "nan": None, "tuple": [1, "a"], "path": "/x", "surrogate": "\udcff"}
    line = encode(nasty).encode("utf-8", "backslashreplace")
    assert b"\n" not in line and json.loads(line) == expected
    proc = subprocess.run([sys.executable, "-X", "importtime", program_path("interpreter")],
                          capture_output=True, text=True, timeout=60, env={k: v for k, v in os.environ.items()
                                                                             if k != ENV_VAR})
    assert json.loads(proc.stdout)["free_threaded"] is True
    assert not [line for line in proc.stderr.splitlines() if line.rstrip().endswith(("| json", "| re"))]

"""Porcupine (the Go linearizability checker) from the Go module proxy, cached under ${FTKIT_CACHE}.

Its module zip carries its recorded histories (test_data/jepsen/etcd_NNN.log, test_data/kv/*.txt)
and porcupine_test.go, whose assertions are the expected verdicts. `make prepare` fetches it
(download(), which `go mod download` verifies against Go's checksum database); tests and
bench/checker_* only look it up (module_dir()).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from ftkit.interpreters.cache import cache_root

from .manifest import PORCUPINE
from .prepared import NotPrepared

MODULE, VERSION = PORCUPINE


def go() -> str:
    found = shutil.which("go") or ("/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None)
    if not found:
        raise RuntimeError("the Go toolchain (go) is needed to fetch Porcupine from the Go module proxy")
    return found


def go_env() -> dict[str, str]:
    root = cache_root() / "porcupine"
    # -modcacherw: Go makes its module cache read-only by default, which `rm -rf` then trips on.
    return {**os.environ, "GOMODCACHE": str(root / "gomod"), "GOCACHE": str(root / "gocache"),
            "GOFLAGS": "-modcacherw", "GOTOOLCHAIN": "local"}


def download() -> Path:
    """Fetch the pinned module into the cache (`make prepare`; verified against Go's checksum db)."""
    return _go_mod_download(go_env())


@functools.cache
def module_dir() -> Path:
    """The unpacked Porcupine module, looked up in the cache only (GOPROXY=off: never downloads)."""
    unpacked = Path(go_env()["GOMODCACHE"]) / f"{MODULE}@{VERSION}"  # where go puts it; checked first so
    if not unpacked.is_dir():  # that a lookup in an empty cache creates nothing there either
        raise NotPrepared(f"Porcupine {VERSION} ({unpacked})")
    try:
        return _go_mod_download({**go_env(), "GOPROXY": "off"})
    except RuntimeError as e:
        raise NotPrepared(f"Porcupine {VERSION} ({e})") from None


def is_prepared() -> bool:
    try:
        module_dir()
    except NotPrepared:
        module_dir.cache_clear()
        return False
    return True


def _go_mod_download(env: dict) -> Path:
    out = subprocess.run([go(), "mod", "download", "-json", f"{MODULE}@{VERSION}"], env=env,
                         capture_output=True, text=True, timeout=600, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"go mod download {MODULE}@{VERSION} failed: {(out.stderr or out.stdout).strip()}")
    return Path(json.loads(out.stdout)["Dir"])


def etcd_logs() -> dict[int, tuple[Path, bool]]:
    """Log number -> (path, linearizable?) for every etcd log Porcupine's tests check."""
    src = (module_dir() / "porcupine_test.go").read_text()
    asserted = re.findall(r"func TestEtcdJepsen(\d+)\(t \*testing\.T\) \{\s*"
                          r"checkJepsen\(t, (\d+), (true|false)\)", src)
    return {int(n): (module_dir() / "test_data" / "jepsen" / f"etcd_{int(m):03d}.log", ok == "true")
            for n, m, ok in asserted}


def kv_logs() -> dict[str, tuple[Path, bool, bool]]:
    """Test name -> (path, linearizable?, partitioned?) for Porcupine's kv tests."""
    src = (module_dir() / "porcupine_test.go").read_text()
    # Each test's body up to its checkKv call (some first skip in -short mode); never past
    # the next func.
    asserted = re.findall(r"func Test(Kv\w+)\(t \*testing\.T\) \{(?:(?!\nfunc ).)*?checkKv\(t, \"([\w-]+)\", "
                          r"(true|false), (true|false)\)", src, re.DOTALL)
    return {name: (module_dir() / "test_data" / "kv" / f"{log}.txt", ok == "true", part == "true")
            for name, log, ok, part in asserted}

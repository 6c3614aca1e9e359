"""The pre-commit hook of this repository (.pre-commit-hooks.yaml), installed by pre-commit itself.

pre-commit installs a `language: python` hook by `pip install .` of the hook's repository at a
git rev: here a clone of this checkout at HEAD, which compiles ftkit's C++ core (minutes). That is
`make prepare`'s job: prepare() runs `pre-commit install-hooks` with the cache's store
(PRE_COMMIT_HOME), and the test then runs the hook from that store. `pre-commit try-repo` cannot be
cached (it installs into a new temporary store every time), so the test uses a config naming this
repository and rev, which is the same install from the same source.

The store maps (repo, rev) to an installed clone. A new commit that leaves every file the package
and the hook are built from alone (git's blob ids of harness.venvs.PACKAGE_SOURCES and
.pre-commit-hooks.yaml) reuses the clone installed for an earlier rev with the same files.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from ftkit.interpreters.cache import cache_root

from .manifest import PRE_COMMIT_HOOK as HOOK
from .prepared import NotPrepared
from .venvs import PACKAGE_SOURCES, REPO


def store() -> Path:
    return cache_root() / "pre-commit"


def head() -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True,
                          check=True).stdout.strip()


def _tree_digest(rev: str) -> str:
    listing = subprocess.run(["git", "ls-tree", "-r", rev, "--", *PACKAGE_SOURCES, ".pre-commit-hooks.yaml"],
                             cwd=REPO, capture_output=True, check=True).stdout
    return hashlib.sha256(listing).hexdigest()[:16]


def _installed(rev: str) -> str | None:
    db = store() / "db.db"
    if not db.is_file():
        return None
    with sqlite3.connect(db) as c:
        row = c.execute("SELECT path FROM repos WHERE repo = ? AND ref = ?", (str(REPO), rev)).fetchone()
    return row[0] if row and Path(row[0]).is_dir() else None


def config(rev: str) -> str:
    """A .pre-commit-config.yaml using this repository's hook at rev."""
    return f"repos:\n  - repo: {json.dumps(str(REPO))}\n    rev: {rev}\n    hooks:\n      - id: {HOOK}\n"


def environ() -> dict:
    return {**{k: v for k, v in os.environ.items() if k not in ("PYTHON_GIL", "FTKIT_STRICT_GIL", "PYTHONPATH")},
            "PRE_COMMIT_HOME": str(store())}


def rev() -> str:
    """HEAD, whose hook environment the store holds; NotPrepared if it does not."""
    at = head()
    if _installed(at) is None:
        raise NotPrepared(f"pre-commit's environment for the {HOOK} hook at {at[:12]} ({store()})")
    return at


def missing() -> bool:
    return _installed(head()) is None


def prepare() -> None:
    at, digest = head(), _tree_digest(head())
    index_file = store() / "ftkit-builds.json"
    index = json.loads(index_file.read_text()) if index_file.is_file() else {}
    if digest in index and Path(index[digest]).is_dir() and (store() / "db.db").is_file():
        with sqlite3.connect(store() / "db.db") as c:  # the same sources, installed for an earlier rev
            c.execute("INSERT OR REPLACE INTO repos (repo, ref, path) VALUES (?, ?, ?)",
                      (str(REPO), at, index[digest]))
        return
    with tempfile.TemporaryDirectory(prefix="ftkit-pre-commit-") as tmp:
        subprocess.run(["git", "init", "-q", tmp], check=True)
        Path(tmp, ".pre-commit-config.yaml").write_text(config(at))
        pre_commit = Path(sys.executable).parent / "pre-commit"
        subprocess.run([str(pre_commit), "install-hooks"], cwd=tmp, env=environ(), check=True)
    path = _installed(at)
    if path is None:
        raise RuntimeError(f"pre-commit install-hooks left no environment for {REPO} at {at}")
    index[digest] = path
    index_file.write_text(json.dumps(index, indent=1))

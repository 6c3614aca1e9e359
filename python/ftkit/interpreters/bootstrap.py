"""Build CPython (free-threaded or GIL) from pinned source tarballs into the ftkit cache.

Runs on the system Python before any virtual environment exists, so it uses the standard
library only. Guarantees: a finished build is found in well under a second; concurrent runs
serialise on a lock file; a build becomes visible only by one rename of a complete prefix;
every failure is a BootstrapError carrying one clear line and the log it came from.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

from . import cache, sources
from .cache import Variant

LOG_TAIL_LINES = 12
TSAN_SUPPRESSIONS = "tsan-suppressions.txt"  # inside a "-tsan" variant's prefix


class BootstrapError(Exception):
    """A failure the user can act on: what failed, and the log that says why."""

    def __init__(self, message: str, log: Path | None = None):
        super().__init__(message)
        self.log = log

    def render(self) -> str:
        text = f"ftkit bootstrap: {self}"
        if self.log is not None:
            text += f" (log: {self.log})"
            tail = _tail(self.log)
            if tail:
                text += "\n" + "\n".join("  | " + line for line in tail)
        return text


def _tail(log: Path, n: int = LOG_TAIL_LINES) -> list[str]:
    try:
        return log.read_text(errors="replace").splitlines()[-n:]
    except OSError:
        return []


# The download step is a parameter so tests can fake the network without touching it.
Fetch = Callable[[str, Path], None]
# Told each step as it starts ("wait" for another build, "download", "configure", "compile",
# "install") and its log, if it has one.
OnStep = Callable[[str, "Path | None"], None]


def _quiet(step: str, log: Path | None) -> None:
    pass


def log_path(variant: Variant, step: str) -> Path:
    return cache.logs_dir() / f"{variant.name}-{step}.log"


def fetch_url(url: str, dest: Path) -> None:
    """Download url to dest; raises FileNotFoundError on 404, OSError on any other failure."""
    # Imported on use: urllib pulls in http, ssl and email (~40 ms), which every `ftkit` command
    # would pay at start-up, since the CLI imports this module for BootstrapError.
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=60) as resp, open(dest, "wb") as out:
            shutil.copyfileobj(resp, out, 1 << 20)
    except urllib.error.HTTPError as e:
        if e.code == 404:
            raise FileNotFoundError(url) from None
        raise OSError(f"HTTP {e.code} for {url}") from None
    except urllib.error.URLError as e:
        raise OSError(f"{url}: {e.reason}") from None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@contextlib.contextmanager
def _locked(variant: Variant, on_step: OnStep) -> Iterator[None]:
    lock_dir = cache.cache_root() / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{variant.name}.lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_step("wait", None)  # another process is building it: say why nothing moves
            fcntl.flock(f, fcntl.LOCK_EX)  # released when the file closes, even on a crash
        yield


def _download(minor: str, fetch: Fetch) -> tuple[sources.Tarball, Path]:
    """First candidate that is cached or downloads, with a matching sha256."""
    tried: list[str] = []
    downloads = cache.downloads_dir()
    downloads.mkdir(parents=True, exist_ok=True)
    for tarball in sources.candidates(minor):
        dest = downloads / tarball.filename
        if dest.is_file() and _sha256(dest) == tarball.sha256:
            return tarball, dest
        url = f"{sources.mirror()}{tarball.package}/{tarball.filename}"
        part = dest.with_name(dest.name + f".part{os.getpid()}")
        try:
            fetch(url, part)
        except FileNotFoundError:
            tried.append(f"{tarball.filename}: not found (404)")
            continue
        except OSError as e:
            part.unlink(missing_ok=True)
            raise BootstrapError(f"download of {url} failed: {e}") from None
        got = _sha256(part)
        if got != tarball.sha256:
            part.unlink(missing_ok=True)
            raise BootstrapError(
                f"checksum mismatch for {tarball.filename}: expected {tarball.sha256}, got {got}"
            )
        os.replace(part, dest)
        return tarball, dest
    if not tried:
        raise BootstrapError(f"no source tarball is known for CPython {minor}")
    raise BootstrapError(f"no CPython {minor} source tarball could be downloaded: " + "; ".join(tried))


def _run(step: str, variant: Variant, cmd: list[str], cwd: Path, on_step: OnStep,
         env: dict[str, str] | None = None) -> None:
    log = log_path(variant, step)
    on_step(step, log)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        out.write("$ " + " ".join(cmd) + "\n")
        out.flush()
        try:
            rc = subprocess.call(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
        except OSError as e:
            out.write(f"{e}\n")
            rc = 127
    if rc != 0:
        raise BootstrapError(f"{step} failed for CPython {variant} (exit {rc})", log)


def _unpack(tar_path: Path, into: Path) -> Path:
    import tarfile  # only a real build needs it

    with tarfile.open(tar_path) as tar:
        # The "data" filter refuses absolute paths, links out of the tree and device files.
        tar.extractall(into, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(into)
    (top,) = [p for p in into.iterdir() if p.is_dir()]
    return top


def _probe(python: Path) -> dict:
    from .discover import probe  # the one interpreter probe (children/interpreter.py)

    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}
    found = probe(str(python), "built", env=env, timeout=60)
    if found.error is not None:
        raise BootstrapError(f"the built interpreter {python} does not start: {found.error}")
    return {"version": found.version, "free_threaded": found.free_threaded, "gil_enabled": found.gil_enabled}


def is_usable(variant: Variant) -> bool:
    """Whether the cache holds a working build of variant: its marker and interpreter are there, and
    the interpreter runs and answers the probe as the variant it is filed under. A 0-byte or damaged
    file beside an intact marker is not a build (issue 12): ensure() rebuilds it, doctor flags it."""
    if not cache.is_built(variant):
        return False
    try:
        info = _probe(cache.interpreter_path(variant))
    except BootstrapError:
        return False
    version = info["version"] or ""
    return info["free_threaded"] == variant.free_threaded and version.startswith(variant.minor + ".")


def _remove_abandoned_builds(variant: Variant) -> None:
    # Called under the variant's lock: no live process is building it, so any work directory
    # left behind belongs to a run that was killed.
    for leftover in (cache.cache_root() / "build").glob(f"{variant.name}.*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _build(variant: Variant, fetch: Fetch, jobs: int, on_step: OnStep) -> None:
    on_step("download", None)
    tarball, tar_path = _download(variant.minor, fetch)
    build_root = cache.cache_root() / "build"
    work = build_root / f"{variant.name}.{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    final = cache.prefix_dir(variant)
    try:
        src = _unpack(tar_path, work)
        # --disable-test-modules (3.10+): no _testcapi & co. and no Lib/test installed or byte-compiled;
        # nothing ftkit runs needs them, and they are a good part of a cold build's time.
        configure = ["./configure", f"--prefix={final}", "--with-ensurepip=install", "--disable-test-modules"]
        if variant.free_threaded:
            configure.insert(1, "--disable-gil")
        env = None
        if variant.sanitizer == "tsan":
            # TSan needs clang or gcc's libtsan; clang is what CPython's own TSan CI uses
            # (.github/workflows/reusable-tsan.yml). CC/CXX from the environment win.
            configure.insert(1, "--with-thread-sanitizer")
            env = {"CC": "clang", "CXX": "clang++", **os.environ}
        _run("configure", variant, configure, src, on_step, env)
        _run("compile", variant, ["make", f"-j{jobs}"], src, on_step)
        stage = work / "stage"
        # DESTDIR stages the install under its final prefix path, so the rename below is the
        # only moment the cache changes: an interrupted build leaves nothing half-installed.
        _run("install", variant, ["make", "install", f"DESTDIR={stage}"], src, on_step)
        staged = stage / final.relative_to(final.anchor)
        if variant.sanitizer == "tsan":
            # CPython's own list of known, accepted races in the interpreter (ftkit stress --tsan
            # passes it in TSAN_OPTIONS): kept beside the build it belongs to.
            shutil.copy2(src / "Tools" / "tsan" / "suppressions_free_threading.txt",
                         staged / TSAN_SUPPRESSIONS)
        info = _probe(staged / "bin" / f"python{variant.binary_suffix}")
        if info["free_threaded"] != variant.free_threaded or info["gil_enabled"] == variant.free_threaded:
            raise BootstrapError(
                f"the built {variant} interpreter reports free_threaded={info['free_threaded']}, "
                f"GIL enabled at start-up={info['gil_enabled']}"
            )
        info.update(source=tarball.filename, sha256=tarball.sha256, built=time.strftime("%Y-%m-%dT%H:%M:%S"))
        (staged / cache.MARKER).write_text(json.dumps(info, indent=2) + "\n")
        if final.exists():  # a prefix without marker, or whose interpreter does not run: replace it
            shutil.rmtree(final)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staged, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def ensure(variant: Variant, fetch: Fetch = fetch_url, jobs: int | None = None,
           on_step: OnStep = _quiet) -> Path:
    """Return the interpreter for variant, building it first if the cache does not hold it.
    on_step hears each build step as it starts (nothing when the cache already holds it)."""
    if variant.free_threaded and variant.minor_number < 13:
        raise BootstrapError(f"CPython {variant.minor} has no free-threaded build (3.13 is the first)")
    if is_usable(variant):  # fast path: no lock, one probe (a file that does not run is no build)
        return cache.interpreter_path(variant)
    try:
        cache.cache_root().mkdir(parents=True, exist_ok=True)
        with _locked(variant, on_step):
            if not is_usable(variant):  # another run may have finished it while we waited
                _remove_abandoned_builds(variant)
                _build(variant, fetch, jobs or os.cpu_count() or 1, on_step)
    except OSError as e:
        raise BootstrapError(f"cannot use the cache {cache.cache_root()}: {e.strerror or e}") from None
    return cache.interpreter_path(variant)

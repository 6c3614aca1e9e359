"""The interpreter bootstrap: caching, locking, atomic installs and honest errors, with fake sources.

A fake "CPython" tarball (a configure script and a Makefile that install a tiny interpreter
stand-in) runs the real build pipeline in a second; the download step is faked in-process or
served by a local HTTP server, never the network.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import pytest

from ftkit.interpreters import bootstrap, cache, resolve
from ftkit.interpreters.cache import Variant

REPO = Path(__file__).resolve().parent.parent

CONFIGURE = f"#!{sys.executable}\n" + (Path(__file__).parent / "bootstrap" / "fake_configure.py").read_text()


def make_tarball(configure: str = CONFIGURE, compression: str = "xz") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=f"w:{compression}") as tar:
        data = configure.encode()
        info = tarfile.TarInfo("Python-3.99.0/configure")
        info.size, info.mode = len(data), 0o755
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


FILENAME = "python3.99_3.99.0.orig.tar.xz"


@pytest.fixture
def fake_env(tmp_path, monkeypatch):
    """An empty cache and a sources table whose only 3.99 candidate is the fake tarball."""
    tarball = make_tarball()
    monkeypatch.setenv("FTKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("BUILD_COUNT_FILE", str(tmp_path / "builds.txt"))
    table = tmp_path / "sources.json"
    table.write_text(json.dumps({"3.99": [
        {"filename": "python3.99_3.99.1.orig.tar.xz", "sha256": "0" * 64},  # a candidate that 404s
        {"filename": FILENAME, "sha256": hashlib.sha256(tarball).hexdigest()},
    ]}))
    monkeypatch.setenv("FTKIT_CPYTHON_SOURCES", str(table))
    return {"tarball": tarball, "tmp": tmp_path}


class FakeFetch:
    """The download step: serves files by name, 404s everything else, counts calls."""

    def __init__(self, files: dict[str, bytes], error: OSError | None = None):
        self.files, self.error, self.calls = files, error, []

    def __call__(self, url: str, dest: Path) -> None:
        self.calls.append(url)
        if self.error:
            raise self.error
        name = url.rsplit("/", 1)[1]
        if name not in self.files:
            raise FileNotFoundError(url)
        dest.write_bytes(self.files[name])


def builds(env) -> int:
    f = env["tmp"] / "builds.txt"
    return len(f.read_text().splitlines()) if f.exists() else 0


def test_builds_installs_and_then_reuses_without_work(fake_env, monkeypatch):
    fetch = FakeFetch({FILENAME: fake_env["tarball"]})
    path = bootstrap.ensure(Variant.parse("3.99"), fetch=fetch)
    assert path == cache.interpreter_path(Variant.parse("3.99")) and path.is_file()
    marker = json.loads((cache.prefix_dir(Variant.parse("3.99")) / cache.MARKER).read_text())
    assert marker["source"] == FILENAME and marker["gil_enabled"] is True
    assert not list((cache.cache_root() / "build").iterdir()), "work directories must be removed"
    assert [u.rsplit("/", 1)[1] for u in fetch.calls] == ["python3.99_3.99.1.orig.tar.xz", FILENAME]

    # The warm path takes no lock and builds nothing; it only asks the interpreter whether it runs.
    def no_work(*args, **kwargs):
        raise AssertionError("a warm ensure() must not lock or build")

    monkeypatch.setattr(bootstrap, "_locked", no_work)
    monkeypatch.setattr(bootstrap, "_build", no_work)
    again = bootstrap.ensure(Variant.parse("3.99"), fetch=fetch)
    assert again == path
    assert len(fetch.calls) == 2 and builds(fake_env) == 1, "a second run must not download or build"


def test_an_announced_build_says_what_how_long_where_then_each_step(fake_env):
    lines: list[str] = []
    variant = Variant.parse("3.99t")
    path = resolve.build(variant, lines.append, "no free-threaded interpreter found; ",
                         fetch=FakeFetch({FILENAME: fake_env["tarball"]}))
    assert path == cache.interpreter_path(variant)
    plan, *steps = lines
    assert plan == (f"ftkit: no free-threaded interpreter found; building CPython 3.99t from source into "
                    f"{cache.prefix_dir(variant)} (once, about 5 minutes on 2 cores; logs: "
                    f"{cache.logs_dir()}/3.99t-*.log)")
    assert [s.rpartition(": ")[2] for s in steps] == ["downloading the source tarball", "configure", "compiling",
                                                       "installing"]
    assert all(s.startswith("ftkit: building CPython 3.99t: ") for s in steps)
    lines.clear()
    assert resolve.build(variant, lines.append) == path and lines == [], "a built variant is not announced"


def test_free_threaded_variant_configures_with_disable_gil(fake_env):
    path = bootstrap.ensure(Variant.parse("3.99t"), fetch=FakeFetch({FILENAME: fake_env["tarball"]}))
    assert path.name == "python3.99t"
    assert "--disable-gil" in (fake_env["tmp"] / "builds.txt").read_text()


def test_free_threaded_build_with_gil_on_at_start_is_refused(fake_env, monkeypatch):
    monkeypatch.setenv("FAKE_REPORT_GIL", "true")
    with pytest.raises(bootstrap.BootstrapError, match="GIL enabled at start-up=True"):
        bootstrap.ensure(Variant.parse("3.99t"), fetch=FakeFetch({FILENAME: fake_env["tarball"]}))
    assert not cache.prefix_dir(Variant.parse("3.99t")).exists()


def test_every_candidate_404(fake_env):
    with pytest.raises(bootstrap.BootstrapError) as e:
        bootstrap.ensure(Variant.parse("3.99"), fetch=FakeFetch({}))
    assert "no CPython 3.99 source tarball could be downloaded" in str(e.value)
    assert "python3.99_3.99.1.orig.tar.xz: not found (404)" in str(e.value)


def test_checksum_mismatch_keeps_nothing(fake_env):
    with pytest.raises(bootstrap.BootstrapError, match="checksum mismatch for " + FILENAME):
        bootstrap.ensure(Variant.parse("3.99"), fetch=FakeFetch({FILENAME: b"not the tarball"}))
    assert not any(cache.downloads_dir().iterdir()), "a bad download must not stay in the cache"


def test_network_error_is_one_clear_error(fake_env):
    fetch = FakeFetch({}, error=OSError("http://mirror/x: [Errno -3] Temporary failure in name resolution"))
    with pytest.raises(bootstrap.BootstrapError, match="download of .* failed: .*name resolution"):
        bootstrap.ensure(Variant.parse("3.99"), fetch=fetch)


@pytest.mark.parametrize("step, env", [
    ("configure", {}),  # the tarball's configure is replaced by one that fails, below
    ("compile", {"FAKE_COMPILE_CMD": "echo 'error: boom in ceval.c' && false"}),
])
def test_failed_step_names_it_and_its_log_and_leaves_no_partial_install(fake_env, monkeypatch, step, env):
    tarball = fake_env["tarball"]
    if step == "configure":
        tarball = make_tarball("#!/bin/sh\necho 'checking for gcc... no'\nexit 1\n")
        table = json.loads(Path(os.environ["FTKIT_CPYTHON_SOURCES"]).read_text())
        table["3.99"][1]["sha256"] = hashlib.sha256(tarball).hexdigest()
        Path(os.environ["FTKIT_CPYTHON_SOURCES"]).write_text(json.dumps(table))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(bootstrap.BootstrapError) as e:
        bootstrap.ensure(Variant.parse("3.99"), fetch=FakeFetch({FILENAME: tarball}))
    # configure exits 1 itself; make reports a failed recipe as exit 2
    assert str(e.value) == f"{step} failed for CPython 3.99 (exit {1 if step == 'configure' else 2})"
    rendered = e.value.render()
    assert f"log: {cache.logs_dir() / f'3.99-{step}.log'}" in rendered
    assert ("checking for gcc... no" if step == "configure" else "boom in ceval.c") in rendered
    assert not cache.prefix_dir(Variant.parse("3.99")).exists()
    assert not list((cache.cache_root() / "build").iterdir())


def test_unwritable_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("FTKIT_CACHE", str(blocker / "cache"))
    with pytest.raises(bootstrap.BootstrapError, match="cannot use the cache .*a-file/cache"):
        bootstrap.ensure(Variant.parse("3.14t"), fetch=FakeFetch({}))


def test_concurrent_runs_build_once(fake_env, monkeypatch):
    monkeypatch.setenv("FAKE_COMPILE_SECONDS", "0.5")
    fetch = FakeFetch({FILENAME: fake_env["tarball"]})
    results, errors = [], []

    def run():
        try:
            results.append(bootstrap.ensure(Variant.parse("3.99"), fetch=fetch))
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(results)) == 1 and len(results) == 3
    assert builds(fake_env) == 1


def test_abandoned_work_directory_is_removed(fake_env):
    stale = cache.cache_root() / "build" / "3.99.99999"
    (stale / "half").mkdir(parents=True)
    bootstrap.ensure(Variant.parse("3.99"), fetch=FakeFetch({FILENAME: fake_env["tarball"]}))
    assert not stale.exists()


def test_free_threading_needs_3_13():
    with pytest.raises(bootstrap.BootstrapError, match="3.12 has no free-threaded build"):
        bootstrap.ensure(Variant.parse("3.12t"))


# --- the command line, as CI and users run it: exit code 2, a clear message, no traceback ---

@pytest.fixture
def local_mirror(tmp_path):
    """A real HTTP server on loopback serving an empty pool: every download is a real 404."""
    root = tmp_path / "pool"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.log_message = lambda *a: None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", root
    server.shutdown()


def run_cli(*args, env_extra):
    env = os.environ | env_extra
    return subprocess.run([sys.executable, str(REPO / "tools" / "bootstrap.py"), *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_cli_404_from_a_real_server_exits_2_without_traceback(fake_env, local_mirror):
    url, _ = local_mirror
    proc = run_cli("3.99", env_extra={"FTKIT_CPYTHON_MIRROR": url})
    assert proc.returncode == 2
    assert proc.stderr.startswith("ftkit bootstrap: no CPython 3.99 source tarball could be downloaded")
    assert "Traceback" not in proc.stderr


def test_cli_downloads_from_a_mirror_and_builds(fake_env, local_mirror):
    url, root = local_mirror
    (root / "python3.99").mkdir()
    (root / "python3.99" / FILENAME).write_bytes(fake_env["tarball"])
    proc = run_cli("--print-path", "3.99", env_extra={"FTKIT_CPYTHON_MIRROR": url})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(cache.interpreter_path(Variant.parse("3.99")))


def test_cli_no_network_exits_2(fake_env):
    proc = run_cli("3.99", env_extra={"FTKIT_CPYTHON_MIRROR": "http://127.0.0.1:9/"})
    assert proc.returncode == 2
    assert "ftkit bootstrap: download of http://127.0.0.1:9/python3.99/" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_configure_failure_shows_log_tail(fake_env, local_mirror):
    url, root = local_mirror
    tarball = make_tarball("#!/bin/sh\necho 'configure: error: no acceptable C compiler found'\nexit 77\n")
    table = json.loads(Path(os.environ["FTKIT_CPYTHON_SOURCES"]).read_text())
    table["3.99"] = [{"filename": FILENAME, "sha256": hashlib.sha256(tarball).hexdigest()}]
    Path(os.environ["FTKIT_CPYTHON_SOURCES"]).write_text(json.dumps(table))
    (root / "python3.99").mkdir()
    (root / "python3.99" / FILENAME).write_bytes(tarball)
    proc = run_cli("3.99", env_extra={"FTKIT_CPYTHON_MIRROR": url})
    assert proc.returncode == 2
    first, *rest = proc.stderr.splitlines()
    assert first.startswith("ftkit bootstrap: configure failed for CPython 3.99 (exit 77) (log: ")
    assert any("no acceptable C compiler found" in line for line in rest)
    assert "Traceback" not in proc.stderr


def test_cli_rejects_a_bad_version(fake_env):
    proc = run_cli("python4", env_extra={})
    assert proc.returncode == 2 and "not an interpreter version: 'python4'" in proc.stderr


@pytest.mark.parametrize("content", [b"", b"#!/bin/sh\nexit 0\n", b"#!/bin/sh\necho broken >&2; exit 1\n"],
                         ids=["zero-bytes", "answers-nothing", "fails"])
def test_a_cached_interpreter_that_does_not_run_is_rebuilt(fake_env, content):
    # The cache's layout, with its marker intact but an interpreter that cannot answer the probe.
    variant = Variant.parse("3.99")
    exe = cache.interpreter_path(variant)
    exe.parent.mkdir(parents=True)
    exe.write_bytes(content)
    exe.chmod(0o755)
    (cache.prefix_dir(variant) / cache.MARKER).write_text("{}")
    assert cache.is_built(variant) and not bootstrap.is_usable(variant)
    path = bootstrap.ensure(variant, fetch=FakeFetch({FILENAME: fake_env["tarball"]}))
    assert builds(fake_env) == 1, "a cached file that does not run is no build: it must be rebuilt"
    assert path == exe and exe.read_bytes() != content and bootstrap.is_usable(variant)


def test_a_cached_interpreter_of_the_wrong_kind_is_rebuilt(fake_env):
    # A GIL build filed as 3.99t (a prefix copied by hand) answers, but not as the variant it is filed under.
    fetch = FakeFetch({FILENAME: fake_env["tarball"]})
    bootstrap.ensure(Variant.parse("3.99"), fetch=fetch)
    gil, ft = cache.prefix_dir(Variant.parse("3.99")), cache.prefix_dir(Variant.parse("3.99t"))
    gil.rename(ft)
    (ft / "bin" / "python3.99").rename(ft / "bin" / "python3.99t")
    assert not bootstrap.is_usable(Variant.parse("3.99t"))
    bootstrap.ensure(Variant.parse("3.99t"), fetch=fetch)
    assert builds(fake_env) == 2 and bootstrap.is_usable(Variant.parse("3.99t"))


def test_cli_rebuilds_a_zero_byte_cached_interpreter(fake_env, local_mirror):
    exe = cache.interpreter_path(Variant.parse("3.99"))
    exe.parent.mkdir(parents=True)
    exe.touch(mode=0o755)
    (cache.prefix_dir(Variant.parse("3.99")) / cache.MARKER).write_text("{}")
    url, root = local_mirror
    (root / "python3.99").mkdir()
    (root / "python3.99" / FILENAME).write_bytes(fake_env["tarball"])
    proc = run_cli("3.99", env_extra={"FTKIT_CPYTHON_MIRROR": url})
    assert proc.returncode == 0, proc.stderr
    assert builds(fake_env) == 1 and exe.stat().st_size > 0


def test_builds_leave_out_cpythons_test_modules(fake_env):
    # They are not needed to test extensions and cost a good part of a cold `make prepare`.
    bootstrap.ensure(Variant.parse("3.99t"), fetch=FakeFetch({FILENAME: fake_env["tarball"]}))
    assert "--disable-test-modules" in (fake_env["tmp"] / "builds.txt").read_text()


def test_a_gzip_tarball_builds_as_an_xz_one(tmp_path, monkeypatch):
    # Debian ships 3.11's source as .orig.tar.gz, 3.13+ as .tar.xz: both unpack through the same code.
    tarball = make_tarball(compression="gz")
    monkeypatch.setenv("FTKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("BUILD_COUNT_FILE", str(tmp_path / "builds.txt"))
    table = tmp_path / "sources.json"
    name = "python3.99_3.99.0.orig.tar.gz"
    table.write_text(json.dumps({"3.99": [{"filename": name, "sha256": hashlib.sha256(tarball).hexdigest()}]}))
    monkeypatch.setenv("FTKIT_CPYTHON_SOURCES", str(table))
    path = bootstrap.ensure(Variant.parse("3.99"), fetch=FakeFetch({name: tarball}))
    assert path.name == "python3.99" and path.is_file()


def test_a_sanitizer_variant_has_its_own_prefix_and_the_plain_binary_name():
    tsan = Variant.parse("3.14t-tsan")
    assert (tsan.minor, tsan.free_threaded, tsan.sanitizer, tsan.name) == ("3.14", True, "tsan", "3.14t-tsan")
    assert cache.interpreter_path(tsan) == cache.prefix_dir(tsan) / "bin" / "python3.14t"
    assert cache.prefix_dir(tsan) != cache.prefix_dir(Variant.parse("3.14t"))
    assert Variant.parse("3.14t") == Variant("3.14", True)  # the names users know are unchanged
    with pytest.raises(ValueError, match="3.14t-tsan"):
        Variant.parse("3.14-tsan")  # ThreadSanitizer is offered for the free-threaded build only

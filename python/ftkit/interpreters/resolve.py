"""Which free-threaded interpreter a command runs targets under: one policy for gilcheck, stress, verify.

In order (DESIGN.md, "Interpreters"): `--python`; the running interpreter if it is free-threaded;
one found installed (PATH, pyenv, uv); one ftkit built into its cache; only then a bootstrap, which
is announced (what, how long, where the log goes) and shows its steps. `--no-bootstrap`, or a
command that cannot use a fresh build (stress needs ftkit inside the interpreter), makes the last
step an InterpreterError naming the command that provides one.
"""

from __future__ import annotations

import os
import re
import sys
import sysconfig
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from . import bootstrap, cache, discover
from .discover import Interpreter

DEFAULT_VARIANT = "3.14t"
BOOTSTRAP_MINUTES = 5  # measured: configure + make -j2 + install of 3.14t (DESIGN.md)
LOOKED_AT = "--python, the running interpreter, PATH, pyenv, uv's interpreters and the ftkit cache"


class InterpreterError(Exception):
    """No usable interpreter: one line for the user, exit code 2."""


Announce = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def problem(i: Interpreter, command: str, needs_ftkit: bool = False) -> str | None:
    """Why i cannot run `command`'s targets (one line), or None if it can."""
    if i.error is not None:
        plain = i.error.startswith(("cannot run it", "not a Python"))
        return f"{i.path}: {i.error}" if plain else f"{i.path}: cannot use it ({i.error})"
    if i.implementation != "cpython":
        return f"{i.path} is {i.implementation} {i.version}, not CPython: {command} needs free-threaded CPython"
    if not i.free_threaded:
        return (f"{i.path} is CPython {i.version} with the GIL: {command} needs a free-threaded build "
                "(3.13t or later); pass --python one, e.g. the path `ftkit bootstrap --print-path 3.14t` prints")
    if i.gil_enabled:
        return (f"{i.path}: the GIL is already enabled at start-up (something in its site-packages, a .pth "
                "file or sitecustomize, loads a module that needs it, or PYTHON_GIL=1), so no import can "
                "be judged")
    if needs_ftkit and i.ftkit is None:
        return f"{i.path} has no ftkit installed, which {command} runs inside it: `{i.path} -m pip install ftkit`"
    return None


def check(python: str, command: str, env: dict | None = None, needs_ftkit: bool = False) -> Interpreter:
    """The probed interpreter at python, or InterpreterError saying why `command` cannot use it."""
    found = discover.probe(python, "--python", env)
    why = problem(found, command, needs_ftkit)
    if why is not None:
        raise InterpreterError(why)
    return found


def _rank(i: Interpreter) -> tuple:
    """Prefer the default variant, then final releases ("3.14.7", not "3.15.0rc1"), then the newest."""
    m = re.match(r"(\d+)\.(\d+)\.(\d+)(.*)", i.version or "")
    numbers = tuple(int(x) for x in m.groups()[:3]) if m else ()
    return (i.variant == DEFAULT_VARIANT, bool(m) and not m.group(4), numbers)


# The policy's order among found interpreters; a file found several ways counts by its best way.
_TIER = {"running": 0, "PATH": 1, "pyenv": 1, "uv": 1, "ftkit cache": 2}


def _tier(i: Interpreter) -> int:
    return min(_TIER.get(source.strip(), 3) for source in i.source.split(","))


def pick(probed: list[Interpreter], command: str, needs_ftkit: bool = False) -> Interpreter | None:
    """The one the policy chooses among probed interpreters (discover's list, say): the running one,
    then one installed (PATH, pyenv, uv), then the cache's; within each, by _rank."""
    usable = [i for i in probed if problem(i, command, needs_ftkit) is None
              and discover.SANITIZED_SOURCE not in i.source]
    if not usable:
        return None
    best = min(_tier(i) for i in usable)
    return max((i for i in usable if _tier(i) == best), key=_rank)


def _maybe_free_threaded(path: str) -> bool:
    """Installed interpreters worth a probe: free-threaded ones are named python3.Nt (python.org,
    Debian, deadsnakes), live in pyenv's versions/3.N...t or uv's cpython-3.N...+freethreaded folders."""
    real = os.path.realpath(path)  # a venv's python3 links to the python3.14t it was made from
    return real.endswith("t") or "freethreaded" in path or os.path.basename(os.path.dirname(
        os.path.dirname(path))).endswith("t")


def find(command: str, env: dict | None = None, needs_ftkit: bool = False) -> Interpreter | None:
    """The usable free-threaded interpreter the policy chooses, short of a bootstrap."""
    if sysconfig.get_config_var("Py_GIL_DISABLED"):  # the common case costs one probe
        running = discover.probe(sys.executable, "running", env)
        if problem(running, command, needs_ftkit) is None:
            return running
    installed = [c for c in discover.installed() if _maybe_free_threaded(c[0])]
    candidates = discover.dedupe([*installed, *discover.cached()])
    with ThreadPoolExecutor(max_workers=8) as pool:
        probed = list(pool.map(lambda c: discover.probe(c[0], c[1], env), candidates))
    return pick(probed, command, needs_ftkit)


def resolve(command: str, python: str | None = None, env: dict | None = None, no_bootstrap: bool = False,
            needs_ftkit: bool = False, announce: Announce = _stderr) -> Interpreter:
    """The interpreter `command` runs targets under, by the policy above; InterpreterError if none.

    env: the environment the targets will run in (it decides whether the GIL is on at start-up).
    announce: where the bootstrap's announcement and step lines go (stderr by default).
    """
    if python:
        return check(python, command, env, needs_ftkit)
    found = find(command, env, needs_ftkit)
    if found is not None:
        return found
    variant = cache.Variant.parse(DEFAULT_VARIANT)
    if needs_ftkit:
        raise InterpreterError(f"no free-threaded interpreter with ftkit installed found (looked at {LOOKED_AT}); "
                               "run ftkit from a free-threaded interpreter (e.g. 3.14t) or pass --python")
    if no_bootstrap:
        raise InterpreterError(f"no free-threaded interpreter found (looked at {LOOKED_AT}); "
                               f"`ftkit bootstrap {variant}` builds one, or pass --python")
    try:
        path = build(variant, announce, "no free-threaded interpreter found (`--python` picks one, "
                     "`--no-bootstrap` refuses to build); ")
    except bootstrap.BootstrapError as e:
        raise InterpreterError(e.render().removeprefix("ftkit bootstrap: ")) from None
    return check(str(path), command, env, needs_ftkit)


def build(variant: cache.Variant, announce: Announce = _stderr, why: str = "", jobs: int | None = None,
          fetch: bootstrap.Fetch = bootstrap.fetch_url):
    """bootstrap.ensure(variant), saying first what it builds, for how long and where the log goes,
    then each step (a live line on a terminal, plain lines elsewhere). Raises BootstrapError."""
    from .. import console

    if bootstrap.is_usable(variant):
        return cache.interpreter_path(variant)
    announce(f"ftkit: {why}building CPython {variant} from source into {cache.prefix_dir(variant)} (once, "
             f"about {BOOTSTRAP_MINUTES} minutes on 2 cores; logs: {cache.logs_dir()}/{variant}-*.log)")
    with console.steps(f"building CPython {variant}", announce) as step:
        return bootstrap.ensure(variant, fetch, jobs, on_step=lambda name, log: step(_STEP_TEXT.get(name, name)))


_STEP_TEXT = {
    "wait": "waiting for another ftkit process that is building it",
    "download": "downloading the source tarball",
    "configure": "configure",
    "compile": "compiling",
    "install": "installing",
}


def gil_twin(free_threaded: Interpreter, python: str | None = None, no_bootstrap: bool = False,
             announce: Announce = _stderr) -> Interpreter:
    """The GIL build of the same CPython version as `free_threaded` (bench compares the two): `python`
    if given; else one installed (PATH, pyenv, uv) or in the cache with exactly that version; else
    the cache's GIL build of that minor, built by the announced bootstrap (`--no-bootstrap`: an
    InterpreterError). The cache builds both variants from the same pinned tarball (sources.py)."""
    def usable(i: Interpreter) -> bool:
        return i.error is None and i.implementation == "cpython" and i.free_threaded is False

    if python:
        found = discover.probe(python, "--python-gil")
        if not usable(found):
            raise InterpreterError(f"{python}: {found.error or 'not a CPython GIL build'} "
                                   "(--python-gil takes the GIL build to compare with)")
        return found
    candidates = discover.dedupe([*discover.installed(), *discover.cached()])
    candidates = [c for c in candidates if not _maybe_free_threaded(c[0])]
    with ThreadPoolExecutor(max_workers=8) as pool:
        probed = list(pool.map(lambda c: discover.probe(c[0], c[1]), candidates))
    same = [i for i in probed if usable(i) and i.version == free_threaded.version]
    if same:
        return min(same, key=_tier)
    variant = cache.Variant(free_threaded.minor or "", False)
    if not bootstrap.is_usable(variant) and no_bootstrap:
        raise InterpreterError(f"no GIL build of CPython {free_threaded.version} found (looked at {LOOKED_AT}); "
                               f"`ftkit bootstrap {variant}` builds one, or pass --python-gil")
    try:
        path = build(variant, announce, f"no GIL build of CPython {free_threaded.version} found; ")
    except bootstrap.BootstrapError as e:
        raise InterpreterError(e.render().removeprefix("ftkit bootstrap: ")) from None
    found = discover.probe(str(path), "ftkit cache")
    if not usable(found):
        raise InterpreterError(f"{path}: {found.error or 'not a CPython GIL build'}")
    return found

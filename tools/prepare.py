#!/usr/bin/env python3
"""Make everything the test suite needs (tools/harness/manifest.py) exist in the cache, each once.

    .venv/bin/python tools/prepare.py            build/download what is missing (`make prepare`)
    .venv/bin/python tools/prepare.py --check    list what is missing, exit 1 if anything is
Idempotent and quick when warm: a warm run only looks at files. Interpreters come first (the
PyO3 modules and venvs are built with them), then wheels, PyO3 modules and venvs.
"""

from __future__ import annotations

import argparse
import sys
import time

from ftkit.interpreters.bootstrap import BootstrapError
from ftkit.interpreters.cache import logs_dir
from harness import corpus, interpreters, own_wheels, porcupine, precommit, pyo3, realworld, venvs


def missing() -> list[tuple[str, object, object]]:
    """(what, how to make it, its argument tuple) for each manifest entry the cache lacks."""
    out = [(f"interpreter {n}", interpreters.prepare, (n,)) for n in interpreters.missing()]
    out += [(f"wheel {w.project}=={w.version} ({w.abi}, {p})", corpus.download, (w, p))
            for w, p in corpus.missing()]
    out += [(f"PyO3 {v} module {pyo3.module_name(v, g)}", pyo3.build, (v, g)) for v, g in pyo3.missing()]
    out += [(venvs.describe(v), venvs.create, (v,)) for v in venvs.missing()]
    out += realworld.missing()  # after the interpreters and wheels it builds with
    if own_wheels.missing():
        out.append(("ftkit's own sdist and wheel (make wheel, from this checkout)", own_wheels.build, ()))
    if precommit.missing():
        out.append((f"pre-commit's environment for the {precommit.HOOK} hook at HEAD (builds ftkit)",
                    precommit.prepare, ()))
    if not porcupine.is_prepared():
        out.append((f"Porcupine {porcupine.VERSION} (Go module proxy)", porcupine.download, ()))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/prepare.py", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only list what is missing; exit 1 if anything is")
    args = parser.parse_args(argv)
    todo = missing()
    if args.check or not todo:
        for what, _, _ in todo:
            print(f"prepare: missing {what}")
        print(f"prepare: {len(todo)} missing" if todo else "prepare: everything the tests need is prepared")
        return 1 if todo else 0
    print(f"prepare: {len(todo)} to make (interpreter builds take about 5 minutes each; logs in {logs_dir()})",
          flush=True)
    for what, make, make_args in todo:
        start = time.monotonic()
        print(f"prepare: {what} ...", flush=True)
        try:
            make(*make_args)
        except BootstrapError as e:
            print(f"prepare: {what} failed: {e.render()}", file=sys.stderr)
            return 2
        except Exception as e:  # no traceback: the message says what failed (and a build's log tail)
            print(f"prepare: {what} failed: {e or type(e).__name__}", file=sys.stderr)
            return 2
        print(f"prepare: {what} done in {time.monotonic() - start:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

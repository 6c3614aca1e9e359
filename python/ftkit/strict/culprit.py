"""Which extension module enabled the GIL before ftkit could watch: pytest's "already enabled when pytest started".

Listing every extension module loaded by then (25 on a plain pytest start, the stdlib's included)
hides the culprit (issue 11 item 4). Two sound sources, in order:
1. CPython's own warning, which names the one module that enabled the GIL, as the warnings
   registry kept it (hook.enabled_by_warning);
2. when the filters left no trace: each of those modules loaded alone in a fresh interpreter
   (`ftkit audit --verify-import`'s child, ftkit.audit.verify.load_many), naming those whose
   loading turns the GIL on.
"""

from __future__ import annotations

from pathlib import Path

from .hook import enabled_by_warning

TIMEOUT = 30.0  # per module: creating one takes milliseconds; a hang must not hold pytest's start


def explain_gil_at_start(modules: dict[str, str], python: str) -> str:
    """A sentence naming the module(s) that needed the GIL among `modules` ({name: file}, loaded
    before the watch began), for an interpreter `python` like the one that loaded them."""
    others = f"{len(modules)} extension modules were loaded before the plugin"
    name = enabled_by_warning()
    if name is not None:
        return (f"CPython enabled it to load extension module '{name}' ({modules.get(name, '?')}), which does "
                f"not declare free-threading support ({others}; CPython's warning names the first that needed it)")
    from ..audit.verify import load_many

    items = [(Path(path), n) for n, path in sorted(modules.items()) if path != "?"]
    results = load_many(python, items, jobs=2, timeout=TIMEOUT)
    on = [f"'{n}' ({path})" for (path, n), r in zip(items, results) if r and r["gil_enabled"]]
    unjudged = [n for (_, n), r in zip(items, results) if not r or r["gil_enabled"] is None]
    tail = f"; could not be judged alone: {', '.join(unjudged)}" if unjudged else ""
    if on and len(on) == len(items):
        return (f"{others}, and each of them turns the GIL on even when loaded alone in a fresh {python}: "
                "the GIL is enabled before any of them there too (a .pth file or sitecustomize?)")
    if on:
        return (f"{others}; loaded alone in a fresh interpreter, these turn the GIL on: {', '.join(on)}{tail}")
    return (f"{others}; none of them turns the GIL on when loaded alone in a fresh interpreter{tail}: "
            "something else enabled it (a module loaded by a custom loader, or sys._xoptions)")

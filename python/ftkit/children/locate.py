"""Child program: where does NAME live in this interpreter? (a distribution's files, else a module).

argv: NAME. Run by gilcheck under the target interpreter, because that is where the distribution
is installed. Result: {"kind": "distribution", "root", "files", "found"} | {"kind": "module",
"origin", "locations"} | {} (with "error" when finding the module raised).

"found" lists what the import system serves for the distribution's top-level names, as
[name, origin, is_package]: an editable install's RECORD names no module at all (meson-python,
scikit-build-core and setuptools install a .pth file and a finder; the modules stay in the source
and build trees), so the names come from top_level.txt, the folders its .pth files add to sys.path
and the names its finders answer for; each is then walked through the import system's finders
and path hooks (pkgutil.iter_modules, each meta path finder's find_spec): no package code runs.
"""

import channel  # the sibling file: this folder is sys.path[0] while the program starts

channel.leave_sys_path()
RESULT = channel.take()

import importlib.metadata as md  # noqa: E402
import importlib.util  # noqa: E402
import os  # noqa: E402
import pkgutil  # noqa: E402
import sys  # noqa: E402

MAX_MODULES = 20000  # a bound on the walk: a finder that answers for everything must not hang us


def locate(name: str) -> dict:
    try:
        dist = md.distribution(name)
    except md.PackageNotFoundError:
        pass
    else:
        files = [str(f) for f in (dist.files or [])]
        return {"kind": "distribution", "root": str(dist.locate_file("")), "files": files,
                "found": walk(top_level_names(dist, files))}
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError) as e:
        return {"error": f"{type(e).__name__}: {e}"}
    if spec is None:
        return {}
    return {"kind": "module", "origin": spec.origin, "locations": list(spec.submodule_search_locations or [])}


def top_level_names(dist, files: list) -> list:
    """Import names the distribution provides that its RECORD may not show."""
    names = set((dist.read_text("top_level.txt") or "").split())
    own_files = {os.path.realpath(str(dist.locate_file(f))) for f in files}
    for f in files:
        if f.endswith(".pth") and "/" not in f:  # setuptools' compat mode: a folder on sys.path
            for line in _lines(dist.locate_file(f)):
                if line and not line.startswith(("#", "import ")) and os.path.isdir(line):
                    names.update(n for _, n, _ in pkgutil.iter_modules([line]) if n.isidentifier())
    for finder in sys.meta_path:  # editable finders installed by this distribution's .pth file
        module = sys.modules.get(getattr(finder, "__module__", None) or type(finder).__module__)
        if module is not None and os.path.realpath(getattr(module, "__file__", "") or "") in own_files:
            names.update(n for n in _strings(finder, module) if _answers(finder, n))
    return sorted(n for n in names if n.isidentifier())


def _lines(path) -> list:
    try:
        with open(path, encoding="utf-8") as f:
            return [line.strip() for line in f]
    except OSError:
        return []


def _strings(finder, module):
    """Top-level names a finder's state mentions: meson-python keeps a set of them, setuptools a dict
    MAPPING name -> folder in its module, scikit-build-core dicts of dotted names -> files."""
    values = [*vars(finder).values(), *(vars(type(finder)).values() if not isinstance(finder, type) else ()),
              *vars(module).values()]
    for v in values:
        if isinstance(v, dict):
            v = list(v)
        if isinstance(v, (set, frozenset, list, tuple)):
            for s in v:
                if isinstance(s, str):
                    yield s.split(".")[0]


def _answers(finder, name: str) -> bool:
    try:
        return name.isidentifier() and finder.find_spec(name, None) is not None
    except Exception:  # a finder that breaks on a name it does not know simply does not serve it
        return False


def walk(tops: list) -> list:
    """[name, origin, is_package] for each top-level name and the modules under it."""
    found = []
    todo = []
    for top in tops:
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            continue
        if spec is not None:
            todo.append(spec)
    while todo and len(found) < MAX_MODULES:
        spec = todo.pop()
        locations = list(spec.submodule_search_locations or [])
        found.append([spec.name, spec.origin or "", spec.submodule_search_locations is not None])
        for _, sub, _ in pkgutil.iter_modules(locations, spec.name + "."):
            sub_spec = _find_spec(sub, locations)
            if sub_spec is not None:
                todo.append(sub_spec)
    return sorted(found)


def _find_spec(name: str, path: list):
    """What `import name` would find given its parent's __path__, without importing the parent: the
    meta path finders asked in turn with that path, as importlib._bootstrap._find_spec does
    (meson-python's finder answers there; its path-entry finder only lists names)."""
    for finder in sys.meta_path:
        find = getattr(finder, "find_spec", None)
        try:
            spec = find(name, path) if find is not None else None
        except (ImportError, ValueError):
            continue
        if spec is not None:
            return spec
    return None


channel.send(RESULT, locate(sys.argv[1]))

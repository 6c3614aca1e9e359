"""`[tool.ftkit]` in pyproject.toml: what `ftkit check` runs, ignores and remembers; validated strictly.

    [tool.ftkit]
    paths = ["dist"]                       # wheels, folders or modules to audit (default: dist)
    exclude = ["dist/*-win*.whl"]          # globs of paths left out of the audit
    gilcheck = ["mypkg"]                   # what to import (default: each wheel's distribution)
    scenarios = ["tests/stress_cache.py",  # ftkit stress scenarios: a path[:NAME], or a table
                 {path = "tests/stress_list.py", trials = 500, threads = 4, env = {MODE = "fast"}}]
    pytest = ["tests", "-x"]               # run the project's pytest under --ftkit-strict-gil
    baseline = "ftkit-baseline.json"       # known findings (`ftkit check --write-baseline`)

    [[tool.ftkit.ignore]]
    rule = "audit/c-api-hazard"            # a rule id (docs/rules.md), or a glob such as "audit/*"
    paths = ["mypkg/_vendored*"]           # optional: only findings about these paths or names
    reason = "vendored code, reviewed in #123"   # required

An unknown key, a value of the wrong type or an ignore without a reason is a ConfigError (one
line, exit 2): a typo must not silently turn a check off. Relative paths are relative to the
folder holding pyproject.toml.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # tomli is tomllib's origin (PEP 680), a dependency of ftkit on 3.9 and 3.10 only
    import tomli as tomllib

DEFAULT_PATHS = ("dist",)
SCENARIO_KEYS = {"path": str, "trials": int, "threads": int, "ops": int, "seed": int, "duration": float,
                 "env": dict}
IGNORE_KEYS = {"rule": str, "reason": str, "paths": list}


class ConfigError(ValueError):
    """pyproject.toml's [tool.ftkit] cannot be used; the message is one line naming the file and key."""


@dataclass(frozen=True)
class Scenario:
    path: str  # SCENARIO.py[:NAME], resolved against the project folder
    trials: int = 200
    threads: int = 4
    ops: int = 5
    seed: int = 0
    duration: float | None = 60.0  # seconds at most per scenario; trials is then an upper bound
    env: tuple[tuple[str, str], ...] = ()  # extra environment for the scenario's worker


@dataclass(frozen=True)
class Ignore:
    rule: str
    reason: str
    paths: tuple[str, ...] = ()

    def matches(self, finding) -> bool:
        if not fnmatchcase(finding.rule, self.rule):
            return False
        if not self.paths:
            return True
        names = [finding.subject.name, *_path_forms(finding.subject.path)]
        return any(fnmatchcase(n, p) for n in names for p in self.paths)


def _path_forms(path: str | None) -> list[str]:
    """A subject path as the user may write it: whole, its wheel member, its file name."""
    if not path:
        return []
    path = path.replace("\\", "/")
    outer, _, member = path.partition("!")
    return [path, outer, member, path.rsplit("/", 1)[-1]] if member else [path, path.rsplit("/", 1)[-1]]


@dataclass(frozen=True)
class Config:
    root: Path  # the folder relative paths start from
    source: Path | None = None  # the pyproject.toml read, if any
    paths: tuple[str, ...] = DEFAULT_PATHS
    exclude: tuple[str, ...] = ()
    gilcheck: tuple[str, ...] | None = None
    scenarios: tuple[Scenario, ...] = ()
    pytest: tuple[str, ...] | None = None
    baseline: str | None = None
    ignores: tuple[Ignore, ...] = field(default_factory=tuple)
    claimed_classifiers: tuple[str, ...] = ()  # [project] classifiers, for the claimed tier


def load(pyproject: Path | None, root: Path) -> Config:
    """The config in pyproject (None or missing file: the defaults, rooted at root)."""
    if pyproject is None or not pyproject.is_file():
        return Config(root=root)
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{pyproject}: not valid TOML: {e}") from None
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    classifiers = project.get("classifiers", [])
    claimed = tuple(c for c in classifiers if isinstance(c, str)) if isinstance(classifiers, list) else ()
    tool = data.get("tool", {})
    table = tool.get("ftkit", {}) if isinstance(tool, dict) else {}
    where = f"{pyproject}: [tool.ftkit]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    known = {"paths", "exclude", "gilcheck", "scenarios", "pytest", "baseline", "ignore"}
    for key in table:
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(known))})")
    root = pyproject.parent
    out: dict[str, Any] = {"root": root, "source": pyproject, "claimed_classifiers": claimed}
    for key in ("paths", "exclude", "gilcheck", "pytest"):
        if key in table:
            out[key] = tuple(_strings(table[key], f"{where} {key}"))
    if "baseline" in table:
        if not isinstance(table["baseline"], str) or not table["baseline"]:
            raise ConfigError(f"{where} baseline must be a file name (a string)")
        out["baseline"] = table["baseline"]
    if "scenarios" in table:
        if not isinstance(table["scenarios"], list):
            raise ConfigError(f"{where} scenarios must be a list")
        out["scenarios"] = tuple(_scenario(s, f"{where} scenarios[{i}]") for i, s in enumerate(table["scenarios"]))
    if "ignore" in table:
        if not isinstance(table["ignore"], list):
            raise ConfigError(f"{where} ignore must be an array of tables ([[tool.ftkit.ignore]])")
        out["ignores"] = tuple(_ignore(t, f"{where} ignore[{i}]") for i, t in enumerate(table["ignore"]))
    return Config(**out)


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    return value


def _check_keys(table: dict, keys: dict[str, type], where: str) -> None:
    for key, value in table.items():
        if key not in keys:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(keys)})")
        want = keys[key]
        ok = isinstance(value, (int, float)) if want is float else isinstance(value, want)
        if not ok or (want is int and isinstance(value, bool)):
            raise ConfigError(f"{where} {key} must be a {'number' if want is float else want.__name__}")


def _scenario(value: Any, where: str) -> Scenario:
    if isinstance(value, str):
        value = {"path": value}
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a path or a table with a path")
    _check_keys(value, SCENARIO_KEYS, where)
    if "path" not in value:
        raise ConfigError(f"{where}: missing key 'path'")
    env = value.get("env", {})
    if not all(isinstance(v, str) for v in env.values()):
        raise ConfigError(f"{where} env values must be strings")
    for key in ("trials", "threads", "ops"):
        if key in value and value[key] < 1:
            raise ConfigError(f"{where} {key} must be at least 1")
    if "duration" in value and not value["duration"] > 0:
        raise ConfigError(f"{where} duration must be a number of seconds above 0")
    fields = {k: v for k, v in value.items() if k != "env"}
    return Scenario(**fields, env=tuple(sorted(env.items())))


def _ignore(value: Any, where: str) -> Ignore:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table with rule and reason")
    _check_keys(value, IGNORE_KEYS, where)
    if "rule" not in value:
        raise ConfigError(f"{where}: missing key 'rule'")
    if not value.get("reason", "").strip():
        raise ConfigError(f"{where} ({value['rule']}): every ignore needs a reason (reason = \"why\")")
    _check_rule(value["rule"], where)
    paths = tuple(_strings(value.get("paths", []), f"{where} paths"))
    return Ignore(value["rule"], value["reason"].strip(), paths)


def _check_rule(pattern: str, where: str) -> None:
    from ..rules import RULES

    if not any(fnmatchcase(r, pattern) for r in RULES):
        raise ConfigError(f"{where}: rule {pattern!r} matches no rule id (docs/rules.md lists them)")

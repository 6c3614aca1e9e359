"""Baseline of known findings (`ftkit check --write-baseline`): known ones stop failing the run.

A finding is known when its fingerprint is in the file. The fingerprint covers the rule, the
subject (a wheel member, or a path relative to the project; never a temporary folder or a version
number that changes with each release) and the evidence that identifies it, so a finding whose
evidence changed (a module now undeclared for another reason, another import chain, another test
failing) is new and fails the run again. Run-to-run noise is left out: timings, stderr, the trial
that happened to find a race.

File format (JSON): {"ftkit_baseline": 1, "ftkit_version": "0.1.0", "findings": [{"fingerprint",
"rule", "subject", "message"}, ...]}; the rule, subject and message are there for people reading
the diff. A file from another ftkit version is refused (BaselineError, exit 2): fingerprints are
only comparable within one version.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from .. import __version__
from ..report import Finding, Severity

FORMAT = 1
# Evidence that identifies a finding, per rule prefix; other rules use all evidence but VOLATILE.
KEY_EVIDENCE: dict[str, tuple[str, ...]] = {
    "stress/": (),  # the scenario is the subject; which trial found the race is chance
    "gilcheck/": ("mode", "chain", "culprit"),
    "check/pytest-": ("failed", "gil"),
}
VOLATILE = frozenset({"seconds", "stderr", "stderr_tail", "elapsed_s", "found_after_s", "replay", "trial",
                      "repro_script"})
_TEMP = re.compile(r"^.*?/ftkit-[a-z-]+?[-_][^/]*/")  # an unpacked wheel: /tmp/ftkit-gilcheck-x1y2/...
_VERSION = re.compile(r"^([^-]+)-[^-]+-")  # name-version-... of a wheel or sdist file name


class BaselineError(ValueError):
    """The baseline file cannot be used; one line naming the file."""


def fingerprint(f: Finding, root: Path) -> str:
    rule_keys = next((keys for prefix, keys in KEY_EVIDENCE.items() if f.rule.startswith(prefix)), None)
    if rule_keys is None:
        evidence = {k: v for k, v in f.evidence.items() if k not in VOLATILE}
    else:
        evidence = {k: f.evidence[k] for k in rule_keys if k in f.evidence}
    key = [f.rule, f.subject.kind, _stable_name(f.subject.name), _stable_path(f.subject.path, root),
           _stable(evidence, root)]
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:24]


def _stable_name(name: str) -> str:
    return _VERSION.sub(r"\1-*-", name) if name.endswith((".whl", ".tar.gz", ".zip")) else name


def _stable_path(path: str | None, root: Path) -> str:
    if not path:
        return ""
    path = path.replace("\\", "/")
    outer, bang, member = path.partition("!")
    if bang:
        return "!" + member  # the member of whichever release of the wheel
    path = _TEMP.sub("", path)
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path


def _stable(value: Any, root: Path) -> Any:
    if isinstance(value, str) and "/" in value:
        return _stable_path(value, root)
    if isinstance(value, dict):
        return {k: _stable(v, root) for k, v in value.items()}
    if isinstance(value, list):
        return [_stable(v, root) for v in value]
    return value


def baselined(f: Finding) -> bool:
    """Whether --write-baseline records the finding: everything but context."""
    return f.severity is not Severity.INFO


def read(path: Path) -> set[str]:
    """The fingerprints in a baseline file; BaselineError if it is unreadable, malformed or foreign."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"baseline {path}: no such file (write it with `ftkit check --write-baseline`)") \
            from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise BaselineError(f"baseline {path}: not a ftkit baseline ({type(e).__name__}: {e})") from None
    if not isinstance(data, dict) or data.get("ftkit_baseline") != FORMAT or not isinstance(
            data.get("findings"), list):
        raise BaselineError(f"baseline {path}: not a ftkit baseline (format {FORMAT} expected)")
    if data.get("ftkit_version") != __version__:
        raise BaselineError(f"baseline {path} was written by ftkit {data.get('ftkit_version')}, this is ftkit "
                            f"{__version__}: rewrite it with `ftkit check --write-baseline`")
    prints = [e.get("fingerprint") if isinstance(e, dict) else None for e in data["findings"]]
    if not all(isinstance(p, str) for p in prints):
        raise BaselineError(f"baseline {path}: an entry has no fingerprint")
    return set(prints)


def write(path: Path, findings: list[Finding], root: Path) -> int:
    """Record the findings that fail a run or ask for review; returns how many. Written atomically."""
    entries = sorted(({"fingerprint": fingerprint(f, root), "rule": f.rule,
                       "subject": f"{f.subject.kind} {f.subject.name}", "message": f.message}
                      for f in findings if baselined(f)),
                     key=lambda e: (e["rule"], e["subject"], e["fingerprint"]))
    unique = list({e["fingerprint"]: e for e in entries}.values())
    text = json.dumps({"ftkit_baseline": FORMAT, "ftkit_version": __version__, "findings": unique}, indent=1)
    fd, tmp = tempfile.mkstemp(prefix=".ftkit-baseline-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text + "\n")
    os.replace(tmp, path)
    return len(unique)

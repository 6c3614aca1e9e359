"""Where a finding points, for the renderers that link to files (SARIF, GitHub, JUnit, HTML).

A Subject's path is a file ("pkg/_core.so", "scenario.py") or a member of a wheel, written
"dist/pkg-1.0-cp314-cp314t-linux_x86_64.whl!pkg/_core.cpython-314t-x86_64-linux-gnu.so" by the
audit. A producer that knows a source line puts it in the evidence as "line" (and "file" when
the line is in another file than the subject, e.g. a test's conftest.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .finding import Finding


@dataclass(frozen=True)
class Where:
    file: str | None  # the file on disk: a wheel, a module, a script
    member: str | None = None  # the wheel member inside `file`, when there is one
    line: int | None = None

    @property
    def display(self) -> str:
        """file, file!member or file:line, as a person reads it."""
        if self.file is None:
            return ""
        out = self.file + (f"!{self.member}" if self.member else "")
        return out + (f":{self.line}" if self.line else "")


def where(f: Finding) -> Where:
    ev = f.evidence if isinstance(f.evidence, dict) else {}
    line = ev.get("line")
    line = line if isinstance(line, int) and not isinstance(line, bool) and line > 0 else None
    path = ev.get("file") if isinstance(ev.get("file"), str) else f.subject.path
    if not path:
        return Where(None, None, line)
    file, sep, member = path.partition("!")
    return Where(file, member if sep else None, line)


def container(f: Finding) -> str:
    """The file a finding is about: a wheel for its members, else its path ("" when none). A file
    under the working folder is named relative to it, so that one file is one group whatever the
    producer wrote (the audit names files as given, gilcheck by their absolute path)."""
    file = where(f).file or ""
    if os.path.isabs(file):
        try:
            relative = os.path.relpath(file)
        except ValueError:  # another drive (Windows)
            return file
        if not relative.startswith(".."):
            return relative
    return file


def dotted(member: str) -> str:
    """pkg/sub/_m.cpython-314t-x86_64-linux-gnu.so -> pkg.sub._m (a wheel member as a module name)."""
    folder, _, file = member.rpartition("/")
    stem = file.split(".")[0] or file
    return f"{folder.replace('/', '.')}.{stem}" if folder else stem

"""ThreadSanitizer for stress runs (`--tsan`): the workers' TSAN_OPTIONS, the reports they leave in
per-process log files, and those reports as findings with both stacks (docs/tsan.md).

The format parsed is compiler-rt's tsan_report.cpp (PrintReport): a block between lines of "=",
"WARNING: ThreadSanitizer: <kind> (pid=N)", then sections "  <heading>:" each followed by its
frames "    #i function file:line:col (module+0xoff)", and a "SUMMARY:" line.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import rules
from ..interpreters.bootstrap import TSAN_SUPPRESSIONS
from ..report import Confidence, Finding, Report, Subject

RULE_OF_KIND = {"data race": "stress/tsan-data-race", "heap-use-after-free": "stress/tsan-heap-use-after-free"}
_WARNING = re.compile(r"WARNING: ThreadSanitizer: (.+?) \(pid=(\d+)\)")
_FRAME = re.compile(r"\s+#(\d+) (.*)$")
_MODULE = re.compile(r"\(([^()\s]+?)\+0x[0-9a-f]+\)")
_BUILD_ID = re.compile(r" \(BuildId: [0-9a-f]+\)$")  # clang 14+ appends it to each frame: noise here
# Frames that say where the interpreter, libc or the sanitizer runtime were, not the user's code.
_RUNTIME_MODULES = re.compile(r"^(python3\.\d+t?|libpython.*|libc\.so.*|libstdc\+\+.*|libtsan.*|ld-linux.*)$")
# Sections that describe rather than act: the memory, a mutex's or a thread's creation, the sleep TSan
# says made a pair look ordered.
_DESCRIPTION = re.compile(r"Location |Mutex M\d+ \(0x[0-9a-f]+\) created|Thread T\d+ |As if synchronized")
_EVIDENCE_FRAMES = 12  # per stack: the top of it says where; the rest is the interpreter's eval loop
_EVIDENCE_LINES = 80   # of one raw report

# Asked of the interpreter --tsan runs: is it a TSan build, and where is its prefix (the suppressions).
_QUERY = ("import json, sys, sysconfig; print(json.dumps({'tsan': '--with-thread-sanitizer' in "
          "(sysconfig.get_config_var('CONFIG_ARGS') or ''), 'base_prefix': sys.base_prefix}))")
# Which extension modules do the workers load: ftkit's engine, and what importing the scenario loads?
# The interpreter's own (lib-dynload, under sys.base_prefix) are built with it, so instrumented.
_LOADED = ("import json, os, runpy, sys; import ftkit._core; runpy.run_path(sys.argv[1]); "
           "std = os.path.realpath(sys.base_prefix) + os.sep; "
           "print(json.dumps(sorted({m.__file__ for m in list(sys.modules.values()) "
           "if (getattr(m, '__file__', None) or '').endswith(('.so', '.pyd')) "
           "and not os.path.realpath(m.__file__).startswith(std)})))")


class NotTsan(Exception):
    """The interpreter cannot run --tsan: one line saying why."""


@dataclass
class Frame:
    text: str  # "function file:line:col (module+0xoff)" as TSan printed it

    @property
    def function(self) -> str:
        return self.text.split(" ", 1)[0]

    @property
    def module(self) -> str:
        m = _MODULE.search(self.text)
        return os.path.basename(m.group(1)) if m else ""

    @property
    def where(self) -> str:
        """"function file:line" without the column and the module offset."""
        parts = self.text.split(" ")
        place = parts[1] if len(parts) > 2 else ""
        place = re.sub(r"(:\d+):\d+$", r"\1", place)
        return f"{self.function} {place}".strip() if place != "<null>" else self.function

    @property
    def is_runtime(self) -> bool:
        return bool(_RUNTIME_MODULES.match(self.module)) or self.function.startswith(("__tsan", "__interceptor"))


@dataclass
class Section:
    heading: str  # e.g. "Write of size 8 at 0x7b04... by thread T2"
    frames: list[Frame] = field(default_factory=list)

    def top_user_frame(self) -> Frame | None:
        return next((f for f in self.frames if not f.is_runtime), self.frames[0] if self.frames else None)

    def as_evidence(self) -> dict:
        return {"heading": self.heading, "frames": [f.text for f in self.frames[:_EVIDENCE_FRAMES]]}


@dataclass
class TsanReport:
    kind: str  # "data race", "heap-use-after-free", "lock-order-inversion (potential deadlock)", ...
    pid: int
    sections: list[Section]
    summary: str
    text: str

    @property
    def accesses(self) -> list[Section]:
        """The two (or more) memory accesses or events the report is about: its first sections,
        before the location, mutex and thread descriptions."""
        return [s for s in self.sections if s.frames and not _DESCRIPTION.match(s.heading)]

    @property
    def location(self) -> Section | None:
        return next((s for s in self.sections if s.heading.startswith("Location")), None)

    @property
    def threads(self) -> list[str]:
        return [s.heading for s in self.sections if s.heading.startswith("Thread ")]

    def key(self) -> tuple:
        """Reports of the same race from other trials and processes: the kind and the pair of top user
        frames (in either order)."""
        tops = sorted((s.top_user_frame() or Frame("?")).where for s in self.accesses[:2])
        return (self.kind, *tops)


def parse(text: str) -> list[TsanReport]:
    """Every report in one TSan log (or a worker's stderr)."""
    out = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _WARNING.search(lines[i])
        if not m:
            i += 1
            continue
        start, sections, summary = i, [], ""
        i += 1
        while i < len(lines) and not lines[i].startswith("=" * 10) and not _WARNING.search(lines[i]):
            line = lines[i]
            frame = _FRAME.match(line)
            if frame and sections:
                sections[-1].frames.append(Frame(_BUILD_ID.sub("", frame.group(2).strip())))
            elif line.startswith("SUMMARY: ThreadSanitizer: "):
                summary = line[len("SUMMARY: ThreadSanitizer: "):]
            elif line.startswith("  ") and not line.startswith("   ") and line.strip():
                sections.append(Section(line.strip().rstrip(":")))
            i += 1
        out.append(TsanReport(m.group(1), int(m.group(2)), sections, summary, "\n".join(lines[start:i])))
    return out


def collect(log_dir: Path) -> list[tuple[TsanReport, int, set[int]]]:
    """The distinct reports in every log file of log_dir: (first report, times seen, pids), in the
    order first seen."""
    seen: dict[tuple, tuple[TsanReport, int, set[int]]] = {}
    for path in sorted(log_dir.glob("tsan*"), key=lambda p: p.stat().st_mtime):
        for report in parse(path.read_text(errors="replace")):
            first, n, pids = seen.get(report.key(), (report, 0, set()))
            seen[report.key()] = (first, n + 1, pids | {report.pid})
    return list(seen.values())


def finding(report: TsanReport, count: int, pids: set[int], subject: Subject) -> Finding:
    rule = RULE_OF_KIND.get(report.kind, "stress/tsan-report")
    accesses = report.accesses
    described = [f"{s.heading.split(' at 0x')[0]} {_thread(s.heading)}in "
                 f"{(s.top_user_frame() or Frame('?')).where}" for s in accesses[:2]]
    message = f"ThreadSanitizer: {report.kind}: " + "; ".join(described)
    if report.location is not None:
        message += f"; location: {report.location.heading.split(' at 0x')[0].removeprefix('Location is ')}"
    processes = f"{len(pids)} worker process{'es' if len(pids) != 1 else ''}"
    message += f" (seen {count} time{'s' if count != 1 else ''} in {processes})"
    evidence = {
        "kind": report.kind,
        "stacks": [s.as_evidence() for s in accesses],
        "location": report.location.as_evidence() if report.location else None,
        "threads": report.threads,
        "summary": report.summary,
        "count": count,
        "report": "\n".join(report.text.splitlines()[:_EVIDENCE_LINES]),
    }
    return rules.finding(rule, subject, message, evidence=evidence, confidence=Confidence.PROVEN)


def _thread(heading: str) -> str:
    m = re.search(r"by (main thread|thread T\d+)", heading)
    return f"by {m.group(1)} " if m else ""


def instrumented(path: str) -> bool:
    """Whether a shared object was compiled with -fsanitize=thread: its dynamic symbol table then
    names the runtime's __tsan_ entry points (__tsan_read8, __tsan_func_entry), whose names sit as
    plain strings in .dynstr (ELF) or the string table (Mach-O)."""
    try:
        with open(path, "rb") as f:
            return b"__tsan_" in f.read()
    except OSError:
        return False


@dataclass
class TsanRun:
    """One --tsan stress run: the interpreter's suppressions and the directory the workers log into."""
    python: str
    suppressions: Path | None
    log_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ftkit-tsan-")))

    @classmethod
    def for_interpreter(cls, python: str) -> TsanRun:
        """NotTsan if python is not a ThreadSanitizer build (ftkit bootstrap 3.14t-tsan makes one)."""
        try:
            out = subprocess.run([python, "-c", _QUERY], capture_output=True, text=True, timeout=120)
            info = json.loads(out.stdout)
        except (OSError, ValueError, subprocess.TimeoutExpired) as e:
            raise NotTsan(f"cannot ask {python} how it was built: {e}") from None
        if not info["tsan"]:
            raise NotTsan(f"{python} is not a ThreadSanitizer build (configure --with-thread-sanitizer); "
                          "`ftkit bootstrap 3.14t-tsan` builds one (docs/tsan.md)")
        suppressions = Path(info["base_prefix"]) / TSAN_SUPPRESSIONS
        return cls(python, suppressions if suppressions.is_file() else None)

    def options(self) -> str:
        # halt_on_error=0: report and go on, so one run sees every race; exitcode=0: a worker that
        # reported is not a crash; handle_segv=0 leaves a segfault to faulthandler (CPython's TSan CI
        # sets it too); log_path: one file per process, so no report is lost in a worker's bounded
        # stdout/stderr tail.
        parts = ["halt_on_error=0", "exitcode=0", "handle_segv=0", f"log_path={self.log_dir / 'tsan'}"]
        if self.suppressions is not None:
            parts.insert(0, f"suppressions={self.suppressions}")
        return " ".join(parts)

    @contextlib.contextmanager
    def environment(self) -> Iterator[None]:
        """TSAN_OPTIONS for every process started inside (the workers copy os.environ)."""
        old = os.environ.get("TSAN_OPTIONS")
        os.environ["TSAN_OPTIONS"] = self.options()
        try:
            yield
        finally:
            if old is None:
                os.environ.pop("TSAN_OPTIONS", None)
            else:
                os.environ["TSAN_OPTIONS"] = old

    def uninstrumented(self, scenario: str) -> list[str]:
        """Extension modules (outside the standard library) that importing the scenario loads and
        that have no TSan instrumentation."""
        env = {**os.environ, "TSAN_OPTIONS": self.options()}
        try:
            out = subprocess.run([self.python, "-c", _LOADED, scenario], capture_output=True, text=True,
                                 timeout=300, env=env, cwd=os.path.dirname(scenario) or ".")
            loaded = json.loads(out.stdout.strip().splitlines()[-1]) if out.stdout.strip() else []
        except (OSError, ValueError, subprocess.TimeoutExpired):
            return []  # the run's own not-run finding says why the scenario does not import
        return [path for path in loaded if not instrumented(path)]

    def fold_into(self, report: Report, scenario: str, uninstrumented: list[str]) -> None:
        """Add the reports as findings, and a warning per uninstrumented module; removes the logs."""
        subject = Subject("scenario", Path(scenario).name, path=scenario)
        for path in uninstrumented:
            report.findings.append(rules.finding(
                "stress/tsan-not-instrumented", Subject("module", Path(path).name, path=path),
                f"{path} has no ThreadSanitizer instrumentation (no __tsan_ symbols): races in it are not seen",
                confidence=Confidence.PROVEN))
        found = collect(self.log_dir)
        for first, count, pids in found:
            report.findings.append(finding(first, count, pids, subject))
        report.data["tsan"] = {"suppressions": str(self.suppressions) if self.suppressions else None,
                               "reports": sum(n for _, n, _ in found), "distinct": len(found),
                               "uninstrumented": uninstrumented}
        report.checked += f"; ThreadSanitizer: {len(found)} distinct report{'s' if len(found) != 1 else ''}"
        shutil.rmtree(self.log_dir, ignore_errors=True)

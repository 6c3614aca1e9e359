"""Run the ```console blocks of a Markdown page and compare what each command prints with the page.

A page opts in with the line `<!-- ftkit: console blocks are tested -->`; its console blocks then
hold `$ command` lines, each followed by the output the page promises:
- `...` stands for any text, on a line of its own any number of lines (none included);
- a last line `[exit N]` promises exit code N; without it the command must exit 0;
- the page and the output compare as one text each, runs of whitespace (line breaks included)
  folded into one space: reports wrap to the terminal's width, so where a line breaks is not
  part of the promise, the words and their order are.
Commands run one by one through bash in one sandbox folder, so a `cd` or `export` lasts only for
its own line: each line reads as the user would type it from the same place.

Written here rather than taken from a library: doctest and pytest's doctest modules run Python
sessions, not shell commands, and sybil/cram-style tools (PyPI) want their own block syntax,
which GitHub would not render as console sessions.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

OPT_IN = "<!-- ftkit: console blocks are tested -->"
_FENCE = re.compile(r"^```console\s*$")
_EXIT = re.compile(r"^\[exit (\d+)\]$")


@dataclass
class Command:
    line: int  # 1-based line of the `$` in the page
    text: str
    expected: list[str] = field(default_factory=list)
    exit_code: int = 0


def commands(page: Path) -> list[Command]:
    """Every `$` command of the page's console blocks, in page order, with its promised output."""
    lines = page.read_text(encoding="utf-8").splitlines()
    if OPT_IN not in lines:
        raise ValueError(f"{page} does not opt in with {OPT_IN!r}")
    out: list[Command] = []
    current: Command | None = None
    for number, line in enumerate(lines, 1):
        if _FENCE.match(line) and current is None:
            current = Command(number, "")  # the block is open; no command yet
            continue
        if current is None:
            continue
        if line.startswith("```"):
            current = None
        elif line.startswith("$ "):
            current = Command(number, line[2:])
            out.append(current)
        elif not current.text:
            raise ValueError(f"{page}:{number}: output before the block's first `$` command")
        elif code := _EXIT.match(line.strip()):
            current.exit_code = int(code.group(1))
        else:
            current.expected.append(line)
    return out


def _fold(lines: list[str]) -> str:
    return " ".join(" ".join(lines).split())


def _matches(expected: list[str], actual: list[str]) -> bool:
    # Compared as one text with whitespace folded: the reports wrap to the terminal's width, so
    # where a line breaks is not part of the promise; the words and their order are.
    parts = [re.escape(part.strip()) for part in _fold(expected).split("...")]
    return re.fullmatch(".*".join(parts), _fold(actual), re.DOTALL) is not None


def mismatch(command: Command, returncode: int, output: str) -> str | None:
    """Why the output does not keep the page's promise, or None when it does."""
    actual = [line for line in output.splitlines() if line.strip()]
    expected = [line for line in command.expected if line.strip()]
    problems = []
    if returncode != command.exit_code:
        problems.append(f"exit code {returncode}, the page says {command.exit_code}")
    if not _matches(expected, actual):
        problems.append("output differs from the page")
    if not problems:
        return None
    return (f"line {command.line}: $ {command.text}\n  " + "; ".join(problems)
            + "\n--- the page\n" + "\n".join(expected) + "\n--- printed\n" + "\n".join(actual))


def run(command: Command, cwd: Path, env: dict[str, str], timeout: float = 300) -> tuple[int, str]:
    """The command run as a user would type it (bash), stdout and stderr interleaved."""
    proc = subprocess.run(["bash", "-c", command.text], cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace", timeout=timeout)
    return proc.returncode, proc.stdout

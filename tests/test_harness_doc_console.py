"""tools/harness/doc_console.py: how a page's console blocks become commands and promises."""

from __future__ import annotations

import pytest

from harness import doc_console

PAGE = f"""# A page
{doc_console.OPT_IN}

```console
$ echo one two
one   two
$ false
[exit 1]
```

```python
$ not a command: a Python block
```

```console
$ printf 'a\\nlong line\\nend\\n'
a
...
end
```
"""


@pytest.fixture
def page(tmp_path):
    path = tmp_path / "page.md"
    path.write_text(PAGE)
    return path


def test_commands_come_from_console_blocks_only(page):
    found = doc_console.commands(page)
    assert [(c.text, c.exit_code) for c in found] == [
        ("echo one two", 0), ("false", 1), ("printf 'a\\nlong line\\nend\\n'", 0)]
    assert found[0].expected == ["one   two"]


def test_a_page_must_opt_in(tmp_path):
    path = tmp_path / "page.md"
    path.write_text("```console\n$ rm -rf /\n```\n")
    with pytest.raises(ValueError, match="opt in"):
        doc_console.commands(path)


def test_output_before_a_command_is_an_error(tmp_path):
    path = tmp_path / "page.md"
    path.write_text(f"{doc_console.OPT_IN}\n```console\nstray\n$ true\n```\n")
    with pytest.raises(ValueError, match="before the block's first"):
        doc_console.commands(path)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_the_page_keeps_its_promises(page, tmp_path, index):
    command = doc_console.commands(page)[index]
    returncode, output = doc_console.run(command, tmp_path, {"PATH": "/usr/bin:/bin"})
    assert doc_console.mismatch(command, returncode, output) is None


@pytest.mark.parametrize(("expected", "code", "output", "why"), [
    (["one two"], 0, "one three\n", "output differs"),
    (["one two"], 1, "one two\n", "exit code 1, the page says 0"),
    (["a", "...", "end"], 0, "a\nend\nmore\n", "output differs"),
    ([], 0, "unexpected\n", "output differs"),
])
def test_a_broken_promise_is_reported_with_both_texts(expected, code, output, why):
    command = doc_console.Command(3, "cmd", expected)
    problem = doc_console.mismatch(command, code, output)
    assert problem is not None and why in problem and "--- printed" in problem


def test_line_breaks_are_not_part_of_the_promise():
    # A report wrapped at 80 columns still keeps a promise written as one long line.
    command = doc_console.Command(1, "cmd", ["error gilcheck/gil-enabled: module forgets ... [proven]"])
    wrapped = "error   gilcheck/gil-enabled: module\n   forgets (x.so): [proven]\n"
    assert doc_console.mismatch(command, 0, wrapped) is None

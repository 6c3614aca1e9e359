"""The hazard table (src/audit/rules.cpp) checked against the headers the bootstrap built."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from conftest import interpreter

RULES = Path(__file__).resolve().parent.parent / "src" / "audit" / "rules.cpp"
ROW = re.compile(r'HazardRule\{"(\w+)", "(\w*)", "([\d.]+)"')


def rows():
    return ROW.findall(RULES.read_text())


def headers(variant: str) -> str:
    py = interpreter(variant)
    inc = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    return "\n".join(p.read_text(errors="replace") for p in Path(inc).rglob("*.h"))


def declared(symbol: str, text: str) -> bool:
    return re.search(rf"PyAPI_FUNC\([^)]*\)\s*{symbol}\s*\(", text) is not None


def test_table_is_not_empty_and_well_formed():
    table = rows()
    assert len(table) >= 10
    assert len({s for s, _, _ in table}) == len(table), "a symbol appears twice"


def test_hazards_and_replacements_exist_in_the_headers_of_their_version():
    h314 = headers("3.14t")
    for symbol, replacement, since in rows():
        assert declared(symbol, h314), f"{symbol} is not a 3.14 API function"
        if replacement and since != "3.15":
            assert declared(replacement, h314), f"{replacement} (since {since}) is not in the 3.14t headers"


def test_315_replacements_exist_in_315_and_not_before():
    h315, h314 = headers("3.15t"), headers("3.14t")
    for _, replacement, since in rows():
        if since == "3.15":
            assert declared(replacement, h315) and not declared(replacement, h314), replacement

"""The notation page lists symbols of chapters that exist, once each, in one table shape."""

from __future__ import annotations

import re

from tests.conftest import ROOT

PAGE = ROOT / "book" / "notation.md"


def rows() -> list[list[str]]:
    table = [line for line in PAGE.read_text().splitlines() if line.startswith("| ")]
    cells = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in table]
    return [row for row in cells if row[0] not in ("symbol", "---")]


def test_every_row_names_a_symbol_a_meaning_its_code_and_an_existing_chapter():
    chapters = {int(path.name[:2]) for path in (ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")}
    assert len(rows()) > 30
    for row in rows():
        assert len(row) == 4 and all(row), row
        chapter = re.fullmatch(r"ch\. (\d+)", row[3])
        assert chapter and int(chapter.group(1)) in chapters, f"no chapter for {row}"


def test_classes_are_k_and_channels_c():
    meaning = {row[0]: row[1] for row in rows()}
    assert "classes" in meaning["$K$"]
    assert "channels" in meaning["$C$"] and "never classes" in meaning["$C$"]


def test_a_symbol_with_two_meanings_says_which_is_local():
    seen: dict[str, list[str]] = {}
    for row in rows():
        seen.setdefault(row[0], []).append(row[1])
    for symbol, meanings in seen.items():
        if len(meanings) > 1:
            assert sum("local meaning" in m for m in meanings) == len(meanings) - 1, symbol

"""Code that a reader sees fits the page: at most 88 characters a line.

The rendered book's code column shows about 88 characters; a longer line hides behind a
scroll bar. This holds for every code cell a chapter shows (cells tagged ``remove-cell`` or
``remove-input`` are not shown) and every cell of an exercise that students receive
(hidden tests, which they never see, excepted).
"""

from __future__ import annotations

import nbformat
import pytest

from tests.conftest import ROOT

LIMIT = 88
HIDDEN = {"remove-cell", "remove-input"}
NOTEBOOKS = sorted(ROOT.glob("chapters/*.ipynb")) + sorted(ROOT.glob("exercises/source/*/*.ipynb"))


def visible_lines(cell) -> list[str]:
    lines, hidden = [], False
    for line in cell.source.splitlines():
        if line.strip() == "### BEGIN HIDDEN TESTS":
            hidden = True
        elif line.strip() == "### END HIDDEN TESTS":
            hidden = False
        elif not hidden:
            lines.append(line)
    return lines


def too_long(path) -> list[str]:
    found = []
    for number, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type != "code" or HIDDEN & set(cell.metadata.get("tags", [])):
            continue
        found += [f"cell {number}: {len(line)} characters: {line.strip()[:60]}..."
                  for line in visible_lines(cell) if len(line) > LIMIT]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_code_lines_fit_the_page(path):
    found = too_long(path)
    assert not found, f"{path.relative_to(ROOT)}: lines over {LIMIT} characters:\n" + "\n".join(found)


def test_the_check_sees_long_lines_and_skips_hidden_ones():
    cell = nbformat.v4.new_code_cell("x = 1\n### BEGIN HIDDEN TESTS\n" + "y" * 100 + "\n### END HIDDEN TESTS")
    assert visible_lines(cell) == ["x = 1"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("z" * 89)])
    assert len(too_long_in(nb)) == 1


def too_long_in(nb) -> list[str]:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "probe.ipynb"
        nbformat.write(nb, path)
        return too_long(path)

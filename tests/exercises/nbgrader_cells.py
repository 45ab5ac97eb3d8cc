"""Reading nbgrader's cell metadata: which cells hold solutions, which hold graded tests."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

MARKERS = re.compile(r"^\s*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$", re.MULTILINE)


def meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def solution_cells(nb) -> dict[str, nbformat.NotebookNode]:
    return {meta(c)["grade_id"]: c for c in nb.cells if meta(c).get("solution") and c.cell_type == "code"}


def graded_cells(nb) -> dict[str, nbformat.NotebookNode]:
    return {meta(c)["grade_id"]: c for c in nb.cells if meta(c).get("grade") and c.cell_type == "code"
            and not meta(c).get("solution")}


def answer(cell) -> str:
    """A solution cell's source with the solution markers removed: the model answer."""
    return "\n".join(line for line in cell.source.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def source_notebook(course: Path, assignment: str) -> Path:
    (path,) = sorted((course / "source" / assignment).glob("*.ipynb"))
    return path

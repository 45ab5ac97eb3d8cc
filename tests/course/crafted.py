"""Submissions written for grading tests and the grading benchmark: good, wrong, broken and hostile."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from dl_course import course
from tests.exercises.nbgrader_cells import answer, graded_cells, meta, solution_cells, source_notebook

ASSIGNMENT = "05_losses"  # a real exercise of the book, graded by its own tests


def points(grade_id: str | None = None) -> float:
    """The points of one graded cell of the assignment, or of all of them: read from its source."""
    source = nbformat.read(source_notebook(course.COURSE_DIR, ASSIGNMENT), as_version=4)
    cells = graded_cells(source)
    if grade_id is not None:
        return float(meta(cells[grade_id])["points"])
    return float(sum(meta(cell).get("points", 0) for cell in cells.values()))


FULL = points()  # full marks
MSE_POINTS = points("test_mse")  # what a wrong mse loses
LOGSUMEXP_POINTS = points("test_logsumexp")  # what a wrong (or endless) logsumexp loses


def scratch_course(dest: Path, db_url: str | None = None) -> Path:
    """A copy of the course with the assignment released, as an instructor would have it."""
    course.scratch_course(dest)
    if db_url:
        with open(dest / "nbgrader_config.py", "a") as config:
            config.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")
    course.release([ASSIGNMENT], dest)
    return dest


def notebook_name() -> str:
    return source_notebook(course.COURSE_DIR, ASSIGNMENT).name


def model_answers() -> dict[str, str]:
    source = nbformat.read(source_notebook(course.COURSE_DIR, ASSIGNMENT), as_version=4)
    return {gid: answer(cell) for gid, cell in solution_cells(source).items()}


def submit(root: Path, student: str, replace: dict[str, str] | None = None, append: dict[str, str] | None = None,
           mutate=None, raw: str | None = None) -> Path:
    """Write ``student``'s submission into ``root/submitted``: the model answers, changed as asked."""
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / notebook_name()
    if raw is not None:
        path.write_text(raw)
        return path
    released = nbformat.read(root / "release" / ASSIGNMENT / notebook_name(), as_version=4)
    nb = nbformat.from_dict(json.loads(json.dumps(released)))
    answers = model_answers() | (replace or {})
    for cell in nb.cells:
        gid = meta(cell).get("grade_id")
        if meta(cell).get("solution") and cell.cell_type == "code":
            cell.source = answers[gid] + ("\n" + append[gid] if append and gid in append else "")
    if mutate:
        mutate(nb)
    nbformat.write(nb, path)
    return path


def drop_cell(grade_id: str):
    def mutate(nb):
        nb.cells = [c for c in nb.cells if meta(c).get("grade_id") != grade_id]
    return mutate


def edit_cell(grade_id: str, source: str):
    def mutate(nb):
        for cell in nb.cells:
            if meta(cell).get("grade_id") == grade_id:
                cell.source = source
    return mutate


WRONG_LOGSUMEXP = "def logsumexp(z, dim, keepdim=False):\n    return z.max(dim=dim, keepdim=keepdim).values"
ENDLESS_LOGSUMEXP = "def logsumexp(z, dim, keepdim=False):\n    while True:\n        pass"
WRONG_MSE = "def mse(y_hat, y):\n    return ((y_hat - y) ** 2).sum()"
CHEATS = """
import math
import numpy
import torch
torch.allclose = lambda *a, **k: True
""".strip()
SHADOWS = """
from torch.testing import assert_close
import numpy
assert_close = lambda *a, **k: None
allclose = lambda *a, **k: True
abs = lambda x: 0
""".strip()

"""The course: sources score full marks, releases score zero, are current and leak nothing."""

from __future__ import annotations

import json

import nbformat
import pytest

from dl_course import course
from tests.conftest import ASSIGNMENTS, COURSE
from tests.exercises.nbgrader_cells import (
    MARKERS,
    answer,
    graded_cells,
    meta,
    solution_cells,
    source_notebook,
)


def released_notebook(assignment: str):
    return COURSE / "release" / assignment / source_notebook(COURSE, assignment).name


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_part_has_a_graded_test_with_hidden_tests(assignment):
    nb = nbformat.read(source_notebook(COURSE, assignment), as_version=4)
    solutions, tests = solution_cells(nb), graded_cells(nb)
    assert len(solutions) >= 3, f"{assignment} has {len(solutions)} graded code parts, needs 3"
    for grade_id in solutions:
        mine = [t for t in tests if t == f"test_{grade_id}"]
        assert mine, f"{assignment}: solution {grade_id!r} has no test cell 'test_{grade_id}'"
        assert "### BEGIN HIDDEN TESTS" in tests[mine[0]].source, f"{mine[0]} has no hidden tests"
        assert meta(tests[mine[0]]).get("points", 0) > 0


@pytest.mark.slow  # runs the notebook or nbgrader
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_scores_full_marks(assignment):
    findings = course.validate(source_notebook(COURSE, assignment))
    assert findings == {}, course.report(findings)


@pytest.mark.slow  # runs the notebook or nbgrader
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_scores_zero(assignment):
    findings = course.validate(released_notebook(assignment), invert=True)
    assert findings == {}, course.report(findings)


def _comparable(nb) -> str:
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb.metadata.pop("widgets", None)
    return nbformat.writes(nb)


@pytest.mark.slow  # runs the notebook or nbgrader
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_release_is_what_nbgrader_generates_today(assignment, tmp_path):
    fresh_dir = course.generate(assignment, tmp_path)
    committed_dir = COURSE / "release" / assignment
    fresh = sorted(p.name for p in fresh_dir.rglob("*") if p.is_file())
    committed = sorted(p.name for p in committed_dir.rglob("*") if p.is_file())
    assert fresh == committed, "run `make exercises` to regenerate the release"
    for name in fresh:
        if name.endswith(".ipynb"):
            a = _comparable(nbformat.read(fresh_dir / name, as_version=4))
            b = _comparable(nbformat.read(committed_dir / name, as_version=4))
            assert a == b, f"{assignment}/{name} is stale: run `make exercises`"


def _regions(text: str, begin: str, end: str) -> tuple[list[str], str]:
    """Split ``text`` into its marked regions and what lies outside them."""
    inside, outside = [], []
    for i, piece in enumerate(text.split(begin)):
        if i == 0:
            outside.append(piece)
            continue
        region, _, rest = piece.partition(end)
        inside.append(region)
        outside.append(rest)
    return inside, "".join(outside)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_leaks_no_solution_and_no_hidden_test(assignment):
    source = nbformat.read(source_notebook(COURSE, assignment), as_version=4)
    released_text = released_notebook(assignment).read_text()
    released = nbformat.reads(released_text, as_version=4)
    released_code = "\n".join(c.source for c in released.cells)
    assert not MARKERS.search(released_code), "BEGIN/END markers leaked"
    assert "HIDDEN TESTS" not in released_text and "BEGIN SOLUTION" not in released_text
    all_source = "\n".join(c.source for c in source.cells)
    solutions, rest = _regions(all_source, "### BEGIN SOLUTION", "### END SOLUTION")
    hidden, public = _regions(rest, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
    secret = {line.strip() for region in solutions + hidden for line in region.splitlines()}
    # A secret line leaks if the release shows it although no public part of the source has it.
    leaked = [line for line in secret if len(line) > 12 and line in released_code and line not in public]
    assert not leaked, f"{assignment}: solution or hidden-test lines leaked: {leaked[:3]}"
    assert len(hidden) >= len(solutions), "every part needs hidden tests"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_model_answers_are_complete(assignment):
    """The answers the wrong-solution harness starts from contain no leftover stub."""
    nb = nbformat.read(source_notebook(COURSE, assignment), as_version=4)
    for grade_id, cell in solution_cells(nb).items():
        assert "NotImplementedError" not in answer(cell), grade_id

"""Realistic wrong answers lose points when the real `nbgrader autograde` grades them.

For each assignment, one autograde run grades a scratch copy of the course with one
student per kept wrong solution (tests/exercises/wrong/<assignment>.py), plus one
student who hands in the model answers and must score full marks.

Each wrong solution must lose its points in the test cell meant to catch it, to an
AssertionError whose message names the likely mistake: ``HINTS`` in the same file maps
every grade cell and description of ``WRONG`` to a phrase that message must contain.
"""

from __future__ import annotations

import runpy

import nbformat
import pytest

from dl_course import course
from tests.conftest import ASSIGNMENTS, COURSE, ROOT
from tests.exercises.nbgrader_cells import answer, graded_cells, meta, solution_cells, source_notebook

WRONG_DIR = ROOT / "tests" / "exercises" / "wrong"


def kept(assignment: str) -> dict:
    path = WRONG_DIR / f"{assignment}.py"
    assert path.is_file(), f"no kept wrong solutions for {assignment} at {path}"
    return runpy.run_path(str(path))


def wrong_solutions(assignment: str) -> dict[str, dict[str, str]]:
    return kept(assignment)["WRONG"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_wrong_solution_has_its_hint(assignment):
    """Each kept wrong solution names the phrase its failing test must show the student."""
    module = kept(assignment)
    wrong, hints = module["WRONG"], module.get("HINTS", {})
    missing = [f"{gid}: {description!r}" for gid, answers in wrong.items() for description in answers
               if not str(hints.get(gid, {}).get(description, "")).strip()]
    extra = [f"{gid}: {description!r}" for gid, phrases in hints.items() for description in phrases
             if description not in wrong.get(gid, {})]
    assert not missing, (f"add to HINTS in tests/exercises/wrong/{assignment}.py the phrase the test "
                         "message shows for:\n" + "\n".join(missing))
    assert not extra, "HINTS entries with no wrong solution of that name:\n" + "\n".join(extra)


def submission(released, model_answers: dict[str, str], replace: dict[str, str]):
    nb = nbformat.from_dict(released)
    for cell in nb.cells:
        grade_id = meta(cell).get("grade_id")
        if meta(cell).get("solution") and cell.cell_type == "code":
            cell.source = replace.get(grade_id, model_answers[grade_id])
    return nb


def autograde(tmp_path, assignment: str, students: dict[str, dict[str, str]],
              errors: dict | None = None) -> dict:
    """Grade every student's submission in one run; return {student: {grade cell: (score, max)}}.

    ``errors``, when given, is filled with {student: {grade_id: [(exception name, message) in that
    cell's output]}}.
    """
    errors = {} if errors is None else errors
    scratch = tmp_path / "course"
    release_dir = course.generate(assignment, scratch)
    nb_name = source_notebook(COURSE, assignment).name
    released = nbformat.read(release_dir / nb_name, as_version=4)
    source = nbformat.read(source_notebook(COURSE, assignment), as_version=4)
    model_answers = {gid: answer(cell) for gid, cell in solution_cells(source).items()}
    for student, replace in students.items():
        target = scratch / "submitted" / student / assignment
        target.mkdir(parents=True)
        nbformat.write(submission(released, model_answers, replace), target / nb_name)
    course.nbgrader(["autograde", assignment, "--force", "--create"], cwd=scratch, timeout=1800)
    grades = {}
    for student in students:
        graded = nbformat.read(scratch / "autograded" / student / assignment / nb_name, as_version=4)
        errors[student] = {
            meta(c).get("grade_id"): [(o.get("ename"), o.get("evalue", "")) for o in c.get("outputs", [])
                                        if o.get("output_type") == "error"]
            for c in graded.cells if c.cell_type == "code" and meta(c).get("grade_id")
        }
    with course.gradebook(course.db_url(scratch)) as gb:
        for student in students:
            notebook = gb.find_submission_notebook(nb_name.removesuffix(".ipynb"), assignment, student)
            grades[student] = {g.name: (g.score, g.max_score) for g in notebook.grades}
    return grades


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_wrong_solutions_lose_points(assignment, tmp_path):
    module = kept(assignment)
    wrong, hints = module["WRONG"], module.get("HINTS", {})
    source = nbformat.read(source_notebook(COURSE, assignment), as_version=4)
    for grade_id in solution_cells(source):
        assert len(wrong.get(grade_id, {})) >= 2, f"{grade_id} needs at least two kept wrong solutions"
    cases = {}
    for grade_id, answers in wrong.items():
        for description, code in answers.items():
            cases[f"wrong{len(cases):02d}"] = (grade_id, description, code)
    students = {"model_answer": {}} | {s: {gid: code} for s, (gid, _, code) in cases.items()}

    errors: dict = {}
    grades = autograde(tmp_path, assignment, students, errors)

    # Written answers (manually graded cells) wait for a person; only the autograded tests count here.
    full = {cell: score for cell, score in grades["model_answer"].items() if cell in graded_cells(source)}
    assert full and all(score == top for score, top in full.values()), f"model answer lost points: {full}"
    survivors, wrong_reason, unhelpful = [], [], []
    for student, (grade_id, description, _) in cases.items():
        score, top = grades[student][f"test_{grade_id}"]
        if score >= top:
            survivors.append(f"{grade_id}: {description!r} scored {score}/{top}")
            continue
        # The point must be lost to the check of the cell meant to catch this mistake (an assertion
        # there, whose message tells the student what is wrong), not to an error of the solution's own.
        own = [name for name, _ in errors[student].get(grade_id, [])]
        caught = errors[student].get(f"test_{grade_id}", [])
        if own or [name for name, _ in caught] != ["AssertionError"]:
            wrong_reason.append(f"{grade_id}: {description!r}: its own cell raised {own or 'nothing'}, "
                                f"test_{grade_id} raised {[n for n, _ in caught] or 'nothing'} "
                                "(expected one AssertionError)")
            continue
        # ...and the message must name the mistake in the student's terms (its hint).
        hint = str(hints.get(grade_id, {}).get(description, "")).strip()
        message = caught[0][1]
        if hint and hint.casefold() not in message.casefold():
            unhelpful.append(f"{grade_id}: {description!r}: the message {message!r} does not say {hint!r}")
    assert not survivors, "wrong solutions that still got full marks:\n" + "\n".join(survivors)
    assert not wrong_reason, "wrong solutions that lost points for the wrong reason:\n" + "\n".join(wrong_reason)
    assert not unhelpful, "wrong solutions whose failing test does not show their hint:\n" + "\n".join(unhelpful)

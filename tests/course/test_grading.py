"""Autograding survives broken and hostile submissions, and loses no grade.

One real autograde run grades a class of crafted submissions of a real exercise;
every other test reads its results or grades a few of them again.
"""

from __future__ import annotations

import threading

import nbformat
import pytest

from dl_course import grading
from tests.course import crafted
from tests.course.crafted import drop_cell, edit_cell, submit

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading")]

FULL = crafted.FULL
MSE, LSE = crafted.MSE_POINTS, crafted.LOGSUMEXP_POINTS  # what a wrong mse, logsumexp loses
CLASS = {
    # student: (how the submission is made, expected score or None when grading must fail)
    "good": (dict(), FULL),
    "partly": (dict(replace={"mse": crafted.WRONG_MSE}), FULL - MSE),
    "loop": (dict(replace={"logsumexp": crafted.ENDLESS_LOGSUMEXP}), FULL - LSE),
    "exits": (dict(append={"mse": "import os\nos._exit(1)"}), None),
    "segfault": (dict(append={"mse": "import ctypes\nctypes.string_at(0)"}), None),
    "memory": (dict(append={"logsumexp": "hog = bytearray(64 * 2**30)"}), FULL),
    "flood": (dict(append={"bce_with_logits": "for i in range(20000):\n    print('spam', i)"}), FULL),
    "stdin": (dict(append={"mse": "name = input('your name? ')"}), FULL),
    "edited": (dict(replace={"mse": crafted.WRONG_MSE}, mutate=edit_cell("test_mse", "assert True")), FULL - MSE),
    "deleted": (dict(replace={"mse": crafted.WRONG_MSE}, mutate=drop_cell("test_mse")), FULL - MSE),
    "deletedok": (dict(mutate=drop_cell("test_mse")), FULL),
    "badjson": (dict(raw='{"cells": ['), None),
    "empty": (dict(raw=""), None),
    "cheat": (dict(replace={"logsumexp": crafted.WRONG_LOGSUMEXP}, append={"logsumexp": crafted.CHEATS}),
              FULL - LSE),
}


@pytest.fixture(scope="session")  # once per run: xdist may interleave other modules
def graded(tmp_path_factory):
    root = crafted.scratch_course(tmp_path_factory.mktemp("course"))
    for student, (how, _) in CLASS.items():
        submit(root, student, **how)
    # The good student is graded first, alone; the rest must not disturb that grade.
    first = grading.autograde(crafted.ASSIGNMENT, root, only=["good"], cell_timeout=10)
    outcomes = grading.autograde(crafted.ASSIGNMENT, root, only=[s for s in CLASS if s != "good"],
                                 jobs=2, cell_timeout=10, memory_limit_mb=4096)
    return root, first, {o.student: o for o in outcomes}


def test_every_student_gets_the_expected_score(graded):
    root, _, outcomes = graded
    scores = grading.read_scores(crafted.ASSIGNMENT, root)
    expected = {s: want for s, (_, want) in CLASS.items() if want is not None}
    wrong = {s: scores.get(s) for s, want in expected.items() if scores.get(s, (None,))[0] != want}
    assert not wrong, f"unexpected scores: {wrong}"


def test_broken_submissions_fail_alone_and_say_why(graded):
    _, _, outcomes = graded
    failed = {s for s, o in outcomes.items() if o.failed}
    assert failed == {s for s, (_, want) in CLASS.items() if want is None}
    assert "kernel died" in " ".join(outcomes["exits"].problems)
    assert "kernel died" in " ".join(outcomes["segfault"].problems)
    assert "not a valid notebook" in " ".join(outcomes["badjson"].problems)
    assert "is empty" in " ".join(outcomes["empty"].problems)
    report = grading.report(list(outcomes.values()))
    assert "failed: badjson, empty, exits, segfault" in report


def test_the_first_grade_is_intact_after_the_others(graded):
    root, first, _ = graded
    assert first[0].score == FULL
    assert grading.read_scores(crafted.ASSIGNMENT, root)["good"] == (FULL, FULL)


def test_limits_are_reported(graded):
    _, _, outcomes = graded
    assert any("logsumexp ran out of memory" in p for p in outcomes["memory"].problems)
    assert any("test_logsumexp ran out of time" in p for p in outcomes["loop"].problems)
    assert any("test cell test_mse was edited" in p for p in outcomes["edited"].problems)
    assert any("test cell test_mse was deleted" in p for p in outcomes["deleted"].problems)


def test_output_flood_is_cut(graded):
    root, _, _ = graded
    nb = nbformat.read(root / "autograded" / "flood" / crafted.ASSIGNMENT / crafted.notebook_name(), 4)
    printed = sum(o.get("text", "").count("spam") for c in nb.cells for o in c.get("outputs", []))
    assert 0 < printed <= 1000


def test_grading_again_gives_identical_grades(graded):
    root, _, _ = graded
    before = grading.read_scores(crafted.ASSIGNMENT, root)
    again = grading.autograde(crafted.ASSIGNMENT, root, only=["partly", "cheat"], jobs=2, cell_timeout=10)
    after = grading.read_scores(crafted.ASSIGNMENT, root)
    assert {o.student: o.score for o in again} == {"partly": FULL - MSE, "cheat": FULL - LSE}
    assert after == before


def test_two_graders_at_once_lose_nothing(graded):
    root, _, _ = graded
    before = grading.read_scores(crafted.ASSIGNMENT, root)
    runs = [["good", "deletedok"], ["stdin", "edited"]]
    threads = [threading.Thread(target=grading.autograde, args=(crafted.ASSIGNMENT, root),
                                kwargs=dict(only=names, cell_timeout=10)) for names in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert grading.read_scores(crafted.ASSIGNMENT, root) == before


def test_a_grading_process_that_hangs_fails_only_its_student(tmp_path):
    """A submission that outlasts the whole-student limit is stopped; a new grading process takes the rest."""
    root = crafted.scratch_course(tmp_path / "course")
    submit(root, "a_stuck", replace={"logsumexp": crafted.ENDLESS_LOGSUMEXP})
    submit(root, "b_fine")
    outcomes = {o.student: o for o in grading.autograde(crafted.ASSIGNMENT, root, cell_timeout=120,
                                                        student_timeout=20)}
    assert outcomes["a_stuck"].failed
    assert any("longer than 20 s" in p for p in outcomes["a_stuck"].problems), outcomes["a_stuck"].problems
    assert not outcomes["b_fine"].failed and outcomes["b_fine"].score == FULL

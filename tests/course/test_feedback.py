"""dl_course.feedback's choices and its hiding of hidden tests, without running nbgrader."""

from __future__ import annotations

import pytest

from dl_course import feedback


def test_a_wrong_feedback_choice_is_refused():
    policy = feedback.FeedbackPolicy(mode="full", assignments={"05_losses": "hidden", "x": "some"})
    assert policy.mode_for("05_losses") == "hidden" and policy.mode_for("03_neurons") == "full"
    with pytest.raises(ValueError, match="choose one of"):
        policy.mode_for("x")


def test_hide_hidden_tests_keeps_the_visible_part():
    source = "assert f(1) == 2\n    ### BEGIN HIDDEN TESTS\n    assert f(2) == 4\n    ### END HIDDEN TESTS\n"
    kept = feedback.hide_hidden_tests(source)
    assert kept == f"assert f(1) == 2\n    {feedback.HIDDEN_NOTE}\n"


def test_mathjax_ships_with_the_course():
    path = feedback.mathjax_source()
    assert path.name == "tex-svg.js" and b"MathJax" in path.read_bytes()[:200_000]

"""Feedback pages (full, and with hidden tests kept hidden) and the Canvas and Moodle exports.

One small class of a real exercise is graded once by the real autograde: a full marks, a partly
wrong, a late and a wrong-and-late submission, and a rostered student who submitted nothing.
"""

from __future__ import annotations

import csv
import html
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

from dl_course import course, feedback, grading
from tests.course import crafted
from tests.exercises.nbgrader_cells import source_notebook

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("feedback_exports")]

ROSTER = {  # id: (first, last, email, submission)
    "good": ("Ada", "Lovelace", "ada@example.org", dict()),
    "partly": ("Alan", "Turing", "alan@example.org", dict(replace={"mse": crafted.WRONG_MSE})),
    "late": ("Grace", "Hopper", "grace@example.org", dict()),
    "absent": ("Kurt", "Goedel", "kurt@example.org", None),
}
DUE = datetime(2026, 1, 1, 12, 0, 0)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dl_course", *args], capture_output=True, text=True,
                          env=course.tool_env(), timeout=600)


@pytest.fixture(scope="session")  # once per run: the module is one xdist group
def graded(tmp_path_factory):
    root = crafted.scratch_course(tmp_path_factory.mktemp("feedback"))
    with open(root / "nbgrader_config.py", "a") as config:
        config.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    with course.gradebook(course.db_url(root)) as gb:
        gb.update_or_create_assignment(crafted.ASSIGNMENT, duedate=DUE)
        for sid, (first, last, email, _) in ROSTER.items():
            gb.update_or_create_student(sid, first_name=first, last_name=last, email=email)
    for sid, (*_, how) in ROSTER.items():
        if how is not None:
            path = crafted.submit(root, sid, **how)
            stamp = "2026-01-03 09:00:00" if sid == "late" else "2026-01-01 09:00:00"
            (path.parent / "timestamp.txt").write_text(stamp)
    outcomes = grading.autograde(crafted.ASSIGNMENT, root, jobs=2, cell_timeout=10)
    assert not any(o.failed for o in outcomes), grading.report(outcomes)
    pages = {}
    for mode in ("full", "hidden"):
        if mode == "full":  # the course command's flag
            done = cli("--course", str(root), "feedback", crafted.ASSIGNMENT, "--mode", "full")
        else:  # the per-assignment choice in nbgrader_config.py, through nbgrader itself
            with open(root / "nbgrader_config.py", "a") as config:
                config.write(f"\nc.FeedbackPolicy.assignments = {{{crafted.ASSIGNMENT!r}: 'hidden'}}\n")
            done = subprocess.run([sys.executable, "-m", "nbgrader", "generate_feedback",
                                   crafted.ASSIGNMENT, "--force"], cwd=root, capture_output=True,
                                  text=True, env=course.tool_env(), timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        shutil.copytree(root / "feedback", root / f"feedback-{mode}")
        pages[mode] = root / f"feedback-{mode}"
    return root, pages


def page(pages, mode: str, student: str) -> Path:
    return pages[mode] / student / crafted.ASSIGNMENT / f"{Path(crafted.notebook_name()).stem}.html"


def text_of(path: Path) -> str:
    """What a reader sees: the page's text without tags (code highlighting splits code into spans)."""
    page = re.sub(r"<(style|script)\b.*?</\1>", "", path.read_text(), flags=re.DOTALL | re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def hidden_lines() -> list[str]:
    source = nbformat.read(source_notebook(course.COURSE_DIR, crafted.ASSIGNMENT), as_version=4)
    lines = []
    for cell in source.cells:
        for region in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source,
                                 flags=re.DOTALL):
            lines += [line.strip() for line in region.splitlines() if len(line.strip()) > 12]
    assert len(lines) >= 4, "the assignment should have hidden tests to hide"
    return lines


def test_full_feedback_shows_the_hidden_tests(graded):
    _, pages = graded
    seen = text_of(page(pages, "full", "partly"))
    assert all(line in seen for line in hidden_lines())


def test_hidden_feedback_never_shows_hidden_code_but_shows_messages(graded):
    _, pages = graded
    for student in ("good", "partly", "late"):
        seen = text_of(page(pages, "hidden", student))
        shown = [line for line in hidden_lines() if line in seen]
        assert not shown, f"{student}'s page shows hidden test code: {shown}"
        assert "BEGIN HIDDEN TESTS" not in seen and feedback.HIDDEN_NOTE in seen
    seen = text_of(page(pages, "hidden", "partly"))
    assert f"test_mse: failed (0 / {crafted.MSE_POINTS:g} points)" in seen
    assert "not their sum" in seen, "the failed assertion's message must reach the student"
    assert "Traceback" not in seen and "test_logsumexp: passed" in seen


@pytest.mark.parametrize("mode", ["full", "hidden"])
def test_math_is_typeset_from_a_local_mathjax(graded, mode):
    _, pages = graded
    path = page(pages, mode, "partly")
    source = path.read_text()
    addresses = re.findall(r"<(?:script|link)[^>]*(?:src|href)=\"([^\"]+)\"", source)
    assert feedback.MATHJAX_FILE in addresses
    assert not [a for a in addresses if "://" in a or a.startswith("//")], addresses
    assert "cdnjs" not in source and "cdn.jsdelivr" not in source
    mathjax = path.parent / feedback.MATHJAX_FILE
    assert mathjax.is_file() and b"MathJax" in mathjax.read_bytes()[:200_000]
    assert re.search(r"\$[^$\n]+\$", text_of(path)), "the page should carry math for MathJax"


def read(path: Path) -> list[list[str]]:
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def exports(graded, tmp_path_factory):
    root, _ = graded
    out = tmp_path_factory.mktemp("exports")
    for layout in ("nbgrader", "canvas", "moodle"):
        done = cli("--course", str(root), "export", str(out / f"{layout}.csv"), "--format", layout)
        assert done.returncode == 0, done.stdout + done.stderr
    with course.gradebook(course.db_url(root)) as gb:
        full = gb.find_assignment(crafted.ASSIGNMENT).max_score
    return out, full


def test_canvas_layout(exports):
    out, full = exports
    rows = read(out / "canvas.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", crafted.ASSIGNMENT]
    assert rows[1] == ["Points Possible", "", "", "", "", f"{full:g}"]
    by_id = {row[2]: row for row in rows[2:]}
    assert set(by_id) == set(ROSTER)
    assert by_id["good"] == ["Lovelace, Ada", "", "good", "good", "", f"{full:g}"]
    assert by_id["partly"][-1] == f"{full - 2:g}"
    assert by_id["late"][-1] == "0", "a late submission loses the late penalty (all of it here)"
    assert by_id["absent"][-1] == "0", "a missing submission scores 0"


def test_moodle_layout(exports):
    out, full = exports
    rows = read(out / "moodle.csv")
    assert rows[0] == ["ID number", "Email address", "First name", "Last name", crafted.ASSIGNMENT]
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id["good"] == ["good", "ada@example.org", "Ada", "Lovelace", f"{full:g}"]
    assert {sid: row[-1] for sid, row in by_id.items()} == {
        "good": f"{full:g}", "partly": f"{full - 2:g}", "late": "0", "absent": "0"}


def test_the_layouts_agree_with_nbgrader_csv(exports):
    out, _ = exports
    nbgrader_rows = {row["student_id"]: row for row in csv.DictReader(open(out / "nbgrader.csv"))}
    assert float(nbgrader_rows["late"]["raw_score"]) > 0, "the late student's work itself is good"
    assert float(nbgrader_rows["late"]["late_submission_penalty"]) > 0
    canvas = {row[2]: row[-1] for row in read(out / "canvas.csv")[2:]}
    assert {sid: float(row["score"]) for sid, row in nbgrader_rows.items()} == {
        sid: float(score) for sid, score in canvas.items()}

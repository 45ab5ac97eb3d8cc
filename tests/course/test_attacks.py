"""Attacks on the grader get no points: hostile submissions graded by the real autograde, sandboxed.

One autograde run (two jobs) grades a small class of 05_losses: two honest students and one
student per attack of tests/course/hostile.py. Each hostile notebook answers nothing itself,
so each must score zero; the honest ones keep full marks, their files and the gradebook stay
intact, no process outlives its kernel, and the report names what was attempted.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import nbformat
import pytest

from dl_course import grading, sandbox
from tests.conftest import service_unavailable
from tests.course import crafted, hostile
from tests.exercises.nbgrader_cells import meta

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("attacks")]

PARTS = ("logsumexp", "cross_entropy", "bce_with_logits", "mse")
MARKER = f"dl-course-daemon-{secrets.token_hex(6)}"


def stubs(root: Path) -> dict[str, str]:
    """The released (unanswered) source of every solution cell."""
    released = nbformat.read(root / "release" / crafted.ASSIGNMENT / crafted.notebook_name(), 4)
    return {meta(c)["grade_id"]: c.source for c in released.cells if meta(c).get("solution")}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def processes_with(marker: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker.encode() in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


@pytest.fixture(scope="session")  # once per run: the module is one xdist group
def attacked(tmp_path_factory):
    problem = sandbox.works()
    if problem:
        service_unavailable("bubblewrap (the grading sandbox)", problem)
    root = crafted.scratch_course(tmp_path_factory.mktemp("attacks"))
    name = crafted.notebook_name()
    good_nb = root / "submitted" / "good" / crafted.ASSIGNMENT / name
    crafted.submit(root, "good")
    crafted.submit(root, "tidy", append={"mse": hostile.TIDY})
    blank = stubs(root)
    every = lambda code: {part: code for part in PARTS}  # noqa: E731
    attacks = {
        "peek": every(hostile.PEEK.format(source=str(root / "source" / crafted.ASSIGNMENT / name))),
        "copy": every(hostile.COPY.format(victim=str(good_nb))),
        "vandal": {"logsumexp": hostile.VANDAL.format(targets=[
            str(root / "gradebook.db"), str(good_nb),
            str(root / "autograded" / "good" / crafted.ASSIGNMENT / name)])},
        "transform": {"logsumexp": hostile.TRANSFORM},
        "runcode": {"logsumexp": hostile.RUN_CODE},
        "modules": every(hostile.FAKE_MODULES),
        "daemon": {"logsumexp": hostile.DAEMON.format(marker=MARKER)},
    }
    for student, append in attacks.items():
        crafted.submit(root, student, replace=blank, append=append)
    before = {"good": sha(good_nb), "gradebook": sha(root / "gradebook.db")}
    outcomes = grading.autograde(crafted.ASSIGNMENT, root, jobs=2, cell_timeout=20)
    return root, before, {o.student: o for o in outcomes}


def test_attacks_score_zero_and_honest_students_full_marks(attacked):
    root, _, outcomes = attacked
    scores = {s: o.score for s, o in outcomes.items()}
    full = outcomes["good"].max_score
    expected = {s: (full if s in ("good", "tidy") else 0.0) for s in outcomes}
    assert scores == expected, "\n" + grading.report(list(outcomes.values()))
    # Faking torch in sys.modules may also break the kernel's own messages: that fails alone.
    assert not any(o.failed for s, o in outcomes.items() if s != "modules"), grading.report(
        list(outcomes.values()))


def test_the_course_is_out_of_reach(attacked):
    root, before, outcomes = attacked
    assert sha(root / "submitted" / "good" / crafted.ASSIGNMENT / crafted.notebook_name()) == before["good"]
    score, full = grading.read_scores(crafted.ASSIGNMENT, root)["good"]
    assert score == full > 0
    for student in ("peek", "copy"):
        said = " ".join(outcomes[student].problems)
        assert "tried to reach a file outside its folder" in said, (student, said)
    # What the vandal could open for writing inside the sandbox was a scratch copy at most: the
    # real gradebook still holds the good grade (above) and the good notebook is unchanged.
    said = " ".join(outcomes["vandal"].problems)
    assert "outside its folder" in said, said


def test_tampering_with_the_kernel_is_caught_and_named(attacked):
    _, _, outcomes = attacked
    for student in ("transform", "runcode"):
        said = " ".join(outcomes[student].problems)
        assert "tampered with" in said and "test_mse" in said, (student, said)


def test_no_process_outlives_its_kernel(attacked):
    assert processes_with(MARKER) == [], f"a process started by a submission is still running: {MARKER}"


def test_honest_work_in_its_own_folder_is_fine(attacked):
    root, _, outcomes = attacked
    assert outcomes["tidy"].problems == []
    # The sandbox worked on a copy: nothing the kernel wrote lands in the course.
    assert not (root / "autograded" / "tidy" / crafted.ASSIGNMENT / "notes.txt").exists()

"""Grading on a Dask cluster gives the gradebook, the autograded notebooks and the report a local run gives.

One small class of a real exercise is graded twice, in two scratch courses: serially by
`grading.autograde`, and through a LocalCluster of two worker processes; the rest reads both.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from dl_course import course, distributed, grading
from tests.conftest import ROOT
from tests.course import crafted

pytestmark = [pytest.mark.xdist_group("distributed")]

FULL, MSE = crafted.FULL, crafted.MSE_POINTS
CLASS = {  # student: how the submission is made
    "good": dict(),
    "partly": dict(replace={"mse": crafted.WRONG_MSE}),
    "broken": dict(raw="this is not a notebook"),
}


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dl_course", *args], cwd=ROOT, capture_output=True, text=True,
                          env=course.tool_env(), timeout=timeout)


def _class(root: Path, db_url: str | None = None) -> Path:
    crafted.scratch_course(root, db_url)
    for student, how in CLASS.items():
        crafted.submit(root, student, **how)
    return root


@pytest.fixture(scope="session")  # once per run: the module is one xdist group
def graded(tmp_path_factory):
    serial = _class(tmp_path_factory.mktemp("serial"))
    dask_root = tmp_path_factory.mktemp("dask")  # its gradebook is named in its config: workers must not see it
    on_dask = _class(dask_root, db_url=f"sqlite:///{dask_root / 'records.db'}")
    local = {o.student: o for o in grading.autograde(crafted.ASSIGNMENT, serial, cell_timeout=30)}
    dask = {o.student: o for o in grading.autograde(crafted.ASSIGNMENT, on_dask, jobs=2, cell_timeout=30,
                                                    scheduler="local")}
    return serial, on_dask, local, dask


@pytest.mark.slow
def test_the_cluster_gives_the_scores_of_a_local_run(graded):
    serial, on_dask, local, dask = graded
    scores = grading.read_scores(crafted.ASSIGNMENT, on_dask)
    assert scores == grading.read_scores(crafted.ASSIGNMENT, serial)
    assert scores["good"] == (FULL, FULL) and scores["partly"] == (FULL - MSE, FULL)
    assert {s: (o.score, o.failed) for s, o in dask.items()} == {s: (o.score, o.failed) for s, o in local.items()}


@pytest.mark.slow
def test_the_broken_notebook_fails_alone_and_says_why(graded):
    _, _, local, dask = graded
    assert {s for s, o in dask.items() if o.failed} == {"broken"}
    assert dask["broken"].problems == local["broken"].problems
    assert any("not a valid notebook" in p for p in dask["broken"].problems)
    assert "2 of 3 submissions graded; failed: broken" in grading.report(list(dask.values()))


@pytest.mark.slow
def test_the_gradebook_holds_what_nbgrader_records(graded):
    serial, on_dask, _, _ = graded

    def recorded(root):
        with course.gradebook(course.db_url(root)) as gb:
            return {(s.student_id, nb.name, g.name): (g.auto_score, g.needs_manual_grade)
                    for s in gb.assignment_submissions(crafted.ASSIGNMENT) for nb in s.notebooks for g in nb.grades
                    } | {(s.student_id, nb.name, c.name): c.auto_comment
                         for s in gb.assignment_submissions(crafted.ASSIGNMENT) for nb in s.notebooks
                         for c in nb.comments}

    assert recorded(on_dask) == recorded(serial)


@pytest.mark.slow
def test_autograded_notebooks_are_written_where_nbgrader_writes_them(graded):
    serial, on_dask, _, _ = graded
    for student in ("good", "partly"):
        path = Path("autograded") / student / crafted.ASSIGNMENT / crafted.notebook_name()
        mine, theirs = nbformat.read(on_dask / path, 4), nbformat.read(serial / path, 4)
        assert [c.source for c in mine.cells] == [c.source for c in theirs.cells]
    assert not (on_dask / "autograded" / "broken" / crafted.ASSIGNMENT).exists()


@pytest.mark.slow
def test_feedback_works_on_the_cluster_graded_course(graded):
    _, on_dask, _, _ = graded
    done = cli("--course", str(on_dask), "feedback", crafted.ASSIGNMENT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (on_dask / "feedback" / "partly" / crafted.ASSIGNMENT).is_dir()


@pytest.mark.slow
def test_the_command_line_grades_on_a_local_cluster(graded):
    _, on_dask, _, _ = graded
    done = cli("--course", str(on_dask), "autograde", crafted.ASSIGNMENT, "--student", "good",
               "--scheduler", "local", "--jobs", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 of 1 submissions graded" in done.stdout and f"{FULL:g}/{FULL:g}" in done.stdout


@pytest.mark.slow
def test_a_task_carries_data_not_paths_of_the_course(graded):
    _, on_dask, _, _ = graded
    package = distributed.package_assignment(crafted.ASSIGNMENT, on_dask)
    sent = pickle.dumps((package, distributed.submission(crafted.ASSIGNMENT, "good", on_dask)))
    assert str(on_dask).encode() not in sent and b"records.db" not in sent and b"gradebook.db" not in sent
    assert (on_dask / "records.db").is_file() and not (on_dask / "gradebook.db").exists()
    assert package.definition["notebooks"] and package.release


def test_a_database_address_stays_on_the_head(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.db_url = 'postgresql://grader:secret@db/course'\nc.A.b = 1\n")
    config = distributed.worker_config(tmp_path)
    assert "secret" not in config and "c.A.b = 1" in config


def test_a_bad_scheduler_address_is_a_clear_error(tmp_path):
    course.scratch_course(tmp_path)
    (tmp_path / "submitted" / "alice" / crafted.ASSIGNMENT).mkdir(parents=True)
    done = cli("--course", str(tmp_path), "autograde", crafted.ASSIGNMENT, "--scheduler", "no port here",
               timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "error: could not reach the Dask scheduler at 'no port here'" in done.stderr
    assert "Traceback" not in done.stderr
    with pytest.raises(RuntimeError, match="could not reach the Dask scheduler at 'tcp://127.0.0.1:1'"):
        with distributed.connect("tcp://127.0.0.1:1", timeout=1):
            pass


def test_without_dask_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # an import of it raises ImportError
    with pytest.raises(distributed.DaskUnavailable, match=r"needs dask and distributed.*pip install"):
        with distributed.connect("local"):
            pass

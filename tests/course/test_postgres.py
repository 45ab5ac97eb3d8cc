"""The gradebook on a real PostgreSQL server, through nbgrader's db_url."""

from __future__ import annotations

import csv

import pytest

from dl_course import cli, course, grading
from tests.conftest import service_unavailable
from tests.course import crafted
from tests.course.postgres import PostgresServer

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("postgres")]


@pytest.fixture(scope="session")  # once per run: xdist may interleave other modules
def server(tmp_path_factory):
    try:
        pg = PostgresServer(tmp_path_factory.mktemp("postgres")).start()
    except RuntimeError as error:
        service_unavailable("PostgreSQL", f"{error}; the PostgreSQL gradebook tests did not run")
    yield pg
    pg.stop()


@pytest.fixture(scope="session")  # once per run: xdist may interleave other modules
def graded(server, tmp_path_factory):
    root = crafted.scratch_course(tmp_path_factory.mktemp("course"), db_url=server.url)
    crafted.submit(root, "good")
    crafted.submit(root, "partly", replace={"mse": crafted.WRONG_MSE})
    crafted.submit(root, "broken", raw="not a notebook")
    outcomes = grading.autograde(crafted.ASSIGNMENT, root, jobs=2, cell_timeout=20)
    return root, {o.student: o for o in outcomes}


def test_the_course_uses_the_postgres_gradebook(graded, server):
    root, _ = graded
    assert course.db_url(root) == server.url
    assert not (root / "gradebook.db").exists()


def test_grades_land_in_postgres(graded):
    root, outcomes = graded
    scores = grading.read_scores(crafted.ASSIGNMENT, root)
    full = crafted.FULL
    assert scores["good"] == (full, full) and scores["partly"] == (full - crafted.MSE_POINTS, full)
    assert outcomes["broken"].failed and scores["broken"][0] == 0.0


def test_regrading_gives_identical_grades(graded):
    root, _ = graded
    before = grading.read_scores(crafted.ASSIGNMENT, root)
    grading.autograde(crafted.ASSIGNMENT, root, only=["good", "partly"], jobs=2, cell_timeout=20)
    assert grading.read_scores(crafted.ASSIGNMENT, root) == before


def test_export_reads_postgres(graded, tmp_path):
    root, _ = graded
    target = tmp_path / "grades.csv"
    assert cli.main(["--course", str(root), "export", str(target)]) == 0
    rows = {r["student_id"]: float(r["score"]) for r in csv.DictReader(open(target))}
    assert rows["good"] == crafted.FULL and rows["partly"] == crafted.FULL - crafted.MSE_POINTS

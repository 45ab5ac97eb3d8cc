"""A term, as an instructor runs it: roster, release, collect an LMS download, autograde, feedback, export."""

from __future__ import annotations

import csv
import zipfile

import pytest

from dl_course import cli, course
from tests.course import crafted

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("workflow")]


def test_from_an_empty_course_to_exported_grades(tmp_path, capsys):
    root = course.scratch_course(tmp_path / "course")  # configuration and sources only
    roster = tmp_path / "roster.csv"
    roster.write_text("id,first_name,last_name,email\nalice,Alice,A,a@example.org\nbob,Bob,B,b@example.org\n")
    assert cli.main(["--course", str(root), "roster", str(roster)]) == 0
    assert cli.main(["--course", str(root), "release", crafted.ASSIGNMENT]) == 0
    assert (root / "release" / crafted.ASSIGNMENT / crafted.notebook_name()).is_file()

    # An LMS download: one loose notebook and one zip, named <student id>_<notebook>.
    staging = tmp_path / "students"
    (staging / "release").mkdir(parents=True)
    (staging / "release" / crafted.ASSIGNMENT).symlink_to(root / "release" / crafted.ASSIGNMENT)
    good = crafted.submit(staging, "alice")
    partly = crafted.submit(staging, "bob", replace={"mse": crafted.WRONG_MSE})
    archive = root / "downloaded" / crafted.ASSIGNMENT / "archive"
    archive.mkdir(parents=True)
    (archive / f"alice_{crafted.notebook_name()}").write_bytes(good.read_bytes())
    with zipfile.ZipFile(archive / "bob.zip", "w") as zf:
        zf.write(partly, f"bob_{crafted.notebook_name()}")
    assert cli.main(["--course", str(root), "collect", crafted.ASSIGNMENT, "--zip"]) == 0
    for student in ("alice", "bob"):
        assert (root / "submitted" / student / crafted.ASSIGNMENT / crafted.notebook_name()).is_file()

    assert cli.main(["--course", str(root), "autograde", crafted.ASSIGNMENT, "--jobs", "2"]) == 0
    assert "2 of 2 submissions graded" in capsys.readouterr().out
    assert cli.main(["--course", str(root), "feedback", crafted.ASSIGNMENT]) == 0
    for student in ("alice", "bob"):
        feedback = root / "feedback" / student / crafted.ASSIGNMENT / crafted.notebook_name().replace(".ipynb", ".html")
        assert feedback.is_file() and "test_mse" in feedback.read_text()
    grades = tmp_path / "grades.csv"
    assert cli.main(["--course", str(root), "export", str(grades)]) == 0
    rows = {row["student_id"]: row for row in csv.DictReader(open(grades))}
    assert float(rows["alice"]["score"]) == crafted.FULL
    assert float(rows["bob"]["score"]) == crafted.FULL - crafted.MSE_POINTS
    assert rows["alice"]["first_name"] == "Alice"


def test_roster_without_ids_is_refused_with_the_row(tmp_path):
    root = course.scratch_course(tmp_path / "course")
    roster = tmp_path / "roster.csv"
    roster.write_text("id,first_name\nalice,Alice\n,Nobody\n")
    with pytest.raises(ValueError, match=r"rows \[3\] have no student id"):
        course.import_roster(roster, root)
    roster.write_text("name\nalice\n")
    with pytest.raises(ValueError, match="'id' column"):
        course.import_roster(roster, root)

"""Every course command and flag through the real command line (`python -m dl_course ...`), and its errors.

One scratch course with an nbgrader exchange serves the module (one release, one roster); each test
asserts the exit status and the words a person reads.
"""

from __future__ import annotations

import getpass
import subprocess
import sys
from pathlib import Path

import pytest

from dl_course import course, grading
from tests.conftest import ROOT
from tests.course import crafted

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cli")]


def cli(*args: str, cwd: Path = ROOT, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dl_course", *args], cwd=cwd, capture_output=True, text=True,
                          env=course.tool_env(), timeout=timeout)


@pytest.fixture(scope="session")  # once per run: the module is one xdist group
def term(tmp_path_factory):
    """A course with an exchange, its roster imported and the crafted assignment released through the CLI."""
    base = tmp_path_factory.mktemp("cli")
    root = course.scratch_course(base / "course")
    exchange = base / "exchange"
    exchange.mkdir()
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    me = getpass.getuser()  # nbgrader's exchange files a submission under the OS user's name
    roster = base / "roster.csv"
    roster.write_text(f"id,first_name,last_name,email\nalice,Alice,A,a@x.org\nbob,Bob,B,b@x.org\n"
                      f"carol,Carol,C,c@x.org\ndave,Dave,D,d@x.org\n{me},Me,M,m@x.org\n")
    done = cli("--course", str(root), "roster", str(roster))
    assert done.returncode == 0 and "imported 5 students" in done.stdout, done.stderr
    released = cli("--course", str(root), "release", crafted.ASSIGNMENT, "--exchange")
    return root, exchange, me, released


def test_release_to_the_exchange(term):
    root, exchange, _, done = term
    assert done.returncode == 0, done.stderr
    assert f"released {root / 'release' / crafted.ASSIGNMENT}" in done.stdout
    outbound = exchange / "dl-by-doing" / "outbound" / crafted.ASSIGNMENT / crafted.notebook_name()
    assert outbound.is_file(), "release --exchange must hand the assignment out through nbgrader's exchange"


def test_collect_from_the_exchange(term, tmp_path):
    root, exchange, me, _ = term
    student = tmp_path / "student"
    student.mkdir()
    (student / "nbgrader_config.py").write_text(f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n")
    for step in (["fetch_assignment", crafted.ASSIGNMENT], ["submit", crafted.ASSIGNMENT]):
        done = subprocess.run([sys.executable, "-m", "nbgrader", *step, "--course", "dl-by-doing"], cwd=student,
                              capture_output=True, text=True, env=course.tool_env(), timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    done = cli("--course", str(root), "collect", crafted.ASSIGNMENT)
    assert done.returncode == 0, done.stderr
    assert (root / "submitted" / me / crafted.ASSIGNMENT / crafted.notebook_name()).is_file()


def test_autograde_one_student_succeeds_with_status_0(term):
    root, *_ = term
    crafted.submit(root, "alice")
    done = cli("--course", str(root), "autograde", crafted.ASSIGNMENT, "--student", "alice")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 of 1 submissions graded" in done.stdout and f"{crafted.FULL:g}/{crafted.FULL:g}" in done.stdout


def test_autograde_exits_1_and_names_a_failed_submission(term):
    root, *_ = term
    crafted.submit(root, "bob", raw="this is not a notebook")
    done = cli("--course", str(root), "autograde", crafted.ASSIGNMENT, "--student", "bob")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "failed: bob" in done.stdout and "not a valid notebook" in done.stdout


def test_cell_timeout_flag_stops_an_endless_loop(term):
    root, *_ = term
    crafted.submit(root, "carol", replace={"logsumexp": crafted.ENDLESS_LOGSUMEXP})
    done = cli("--course", str(root), "autograde", crafted.ASSIGNMENT, "--student", "carol", "--cell-timeout", "5")
    assert done.returncode == 0, done.stdout + done.stderr
    left = crafted.FULL - crafted.LOGSUMEXP_POINTS
    assert "logsumexp ran out of time" in done.stdout and f"{left:g}/{crafted.FULL:g}" in done.stdout


def test_memory_limit_flag_stops_a_memory_hog(term):
    root, *_ = term
    crafted.submit(root, "dave", append={"logsumexp": "hog = bytearray(64 * 2**30)"})
    done = cli("--course", str(root), "autograde", crafted.ASSIGNMENT, "--student", "dave", "--memory-limit", "4096")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "logsumexp ran out of memory" in done.stdout


def test_feedback_and_export(term, tmp_path):
    root, *_ = term
    crafted.submit(root, "alice")
    assert cli("--course", str(root), "autograde", crafted.ASSIGNMENT, "--student", "alice").returncode == 0
    done = cli("--course", str(root), "feedback", crafted.ASSIGNMENT)
    assert done.returncode == 0, done.stderr
    assert (root / "feedback" / "alice" / crafted.ASSIGNMENT).is_dir()
    target = tmp_path / "grades.csv"
    done = cli("--course", str(root), "export", str(target))
    assert done.returncode == 0 and f"wrote {target}" in done.stdout, done.stderr
    assert "alice" in target.read_text()


def test_validate_exit_status(term):
    root, *_ = term
    released = root / "release" / crafted.ASSIGNMENT / crafted.notebook_name()
    source = root / "source" / crafted.ASSIGNMENT / crafted.notebook_name()
    failing = cli("validate", str(released))
    assert failing.returncode == 1 and "failed" in failing.stdout, failing.stdout + failing.stderr
    assert cli("validate", str(released), "--invert").returncode == 0
    passing = cli("validate", str(source))
    assert passing.returncode == 0 and "Success: every graded test passes." in passing.stdout


@pytest.mark.parametrize("args, message", [
    (["validate", "no/such.ipynb"], "error: no notebook at no/such.ipynb"),
    (["release", "99_nothing"], "error: unknown assignment '99_nothing'"),
    (["--course", "/", "release"], "error: / is not a course folder (it has no nbgrader_config.py)"),
])
def test_bad_input_exits_2_with_the_reason(args, message):
    done = cli(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


def test_unknown_command_is_refused_by_the_parser():
    done = cli("grade-everything")
    assert done.returncode == 2 and "invalid choice: 'grade-everything'" in done.stderr


def test_a_student_who_takes_too_long_is_stopped(term):
    root, *_ = term
    crafted.submit(root, "carol", replace={"logsumexp": crafted.ENDLESS_LOGSUMEXP})
    outcome = grading.grade_one(crafted.ASSIGNMENT, "carol", root, student_timeout=3)
    assert outcome.failed and "grading took longer than 3 s and was stopped" in outcome.problems


@pytest.mark.parametrize("log, reason", [
    ("... nbclient.exceptions.DeadKernelError: Kernel died", "the kernel died while running the notebook"),
    ("raise UnresponsiveKernelError()", "the kernel stopped responding and could not be interrupted"),
    ("sqlite3.OperationalError: database is locked", "the gradebook was locked by another grader for too long"),
    ("nbformat.reader.NotJSONError: Notebook does not appear to be JSON", "the notebook is not valid JSON"),
])
def test_failure_diagnoses(log, reason):
    assert grading.diagnose(log).startswith(reason)

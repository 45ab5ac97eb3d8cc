"""Autograde a class on a Dask cluster: one task per student, one gradebook on the machine that asks.

``python -m dl_course autograde NAME --scheduler ADDRESS`` hands each student
to a `Dask distributed <https://distributed.dask.org>`_ cluster: an existing
scheduler (``tcp://host:8786``), or ``local`` for a :class:`distributed.LocalCluster`
of ``--jobs`` worker processes, one thread each, started and closed by the command.

The workers never see the course folder or its gradebook. A task receives data:

* an :class:`AssignmentPackage`, shared by every task of the run: the course's
  ``nbgrader_config.py`` (with any ``CourseDirectory.db_url`` line left out, so a
  database address and its password stay home), the assignment's definition
  as the gradebook records it (notebooks, grade, solution, task and source
  cells), its released notebooks and the extra files of its source folder;
* a :class:`Submission`: one student's submitted files.

On the worker, :func:`grade_student` writes them into a private course in a
temporary folder, with a scratch gradebook that holds only this assignment, and
grades it with :func:`dl_course.grading.grade_one`, the same ``nbgrader autograde``
process, limits and sandbox as a local run. It returns a :class:`GradingResult`:
the autograded files, what nbgrader recorded (each grade cell's auto score,
each comment, the submission's timestamp), the problems found and the time it took.

The process that runs the command collects the results as they come and
:func:`record` writes them into ``autograded/<student>/<assignment>/`` and into the
course's gradebook through nbgrader's Gradebook API, the way ``nbgrader autograde``
does (student, submission, per-notebook grades and comments, late penalties),
so that :func:`~dl_course.grading.read_scores`, feedback and export see the same
thing as after a local run. A task that fails, or a worker that dies, fails
only that student.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dl_course.course import COURSE_DIR, db_url, gradebook
from dl_course.grading import Outcome, grade_one, read_scores, students
from dl_course.sandbox import SandboxUnavailable, find_bwrap, missing_message

__all__ = [
    "AssignmentPackage", "DaskUnavailable", "GradingResult", "NotebookGrades", "Submission", "autograde",
    "connect", "grade_student", "package_assignment", "record", "submission", "worker_config",
]

LOCAL = "local"  # --scheduler local: a LocalCluster started (and closed) by the command
CONNECT_TIMEOUT = 30  # seconds to reach an existing scheduler
_DB_URL_LINE = re.compile(r"^\s*c\.CourseDirectory\.db_url\s*=")


class DaskUnavailable(RuntimeError):
    """Grading on a cluster was asked for, but dask or distributed is not installed here."""


def _distributed():
    """The ``distributed`` package, imported only when a cluster is used."""
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError as error:
        raise DaskUnavailable(
            f"grading on a cluster (--scheduler) needs dask and distributed, which are not installed here "
            f"({error}); install the course's extra (pip install -e '.[course]' -c constraints.txt) "
            "or pip install 'dask[distributed]'") from error
    return distributed


@dataclass(frozen=True)
class AssignmentPackage:
    """What a worker needs of the assignment to grade it, as data (no path of the course)."""

    name: str
    config: str  # the course's nbgrader_config.py, without its db_url line(s)
    definition: dict  # the assignment as the gradebook records it (see package_assignment)
    release: dict[str, bytes]  # release/<name>/...: the notebooks students were given
    source_files: dict[str, bytes]  # source/<name>/... other than notebooks (nbgrader copies them)


@dataclass(frozen=True)
class Submission:
    """One student's submitted files, and the limits to grade them under."""

    student: str
    files: dict[str, bytes]  # submitted/<student>/<assignment>/..., by relative path
    memory_limit_mb: int = 4096
    cell_timeout: int | None = None
    student_timeout: float = 1800
    sandbox: bool = True


@dataclass
class NotebookGrades:
    """What nbgrader recorded for one notebook of a submission on the worker."""

    name: str
    autograded: bool  # nbgrader ran and saved it (its grades below are to be recorded)
    missing: bool  # the student did not submit it (nbgrader gives every grade cell zero)
    auto_scores: dict[str, float | None] = field(default_factory=dict)  # grade cell -> auto score
    auto_comments: dict[str, str | None] = field(default_factory=dict)  # solution or task cell -> comment


@dataclass
class GradingResult:
    """What grading one student on a worker gave back to the head."""

    outcome: Outcome  # problems, failed and seconds; the score is read from the gradebook later
    submitted: bool = False  # nbgrader created the submission in its gradebook
    timestamp: datetime | None = None  # the submission's timestamp as nbgrader read it
    notebooks: list[NotebookGrades] = field(default_factory=list)
    files: dict[str, tuple[bytes, int]] = field(default_factory=dict)  # autograded/...: content, mode
    worker: str = ""  # the worker's address, for the record


def _read_tree(folder: Path, skip=lambda path: False) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not skip(p)}


def _write_tree(folder: Path, files: dict[str, bytes]) -> None:
    for relative, content in files.items():
        path = folder / relative
        if not path.resolve().is_relative_to(folder.resolve()):
            raise ValueError(f"refusing to write {relative!r} outside {folder}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def worker_config(course_dir: Path = COURSE_DIR) -> str:
    """The course's ``nbgrader_config.py`` as workers get it: each ``c.CourseDirectory.db_url = ...`` line
    commented out, so that the gradebook's address (and a database password in it) stays on this machine."""
    lines = (Path(course_dir) / "nbgrader_config.py").read_text().splitlines(keepends=True)
    return "".join("# (the gradebook's address is not sent to workers)\n" if _DB_URL_LINE.match(line) else line
                   for line in lines)


def package_assignment(assignment: str, course_dir: Path = COURSE_DIR) -> AssignmentPackage:
    """Everything about ``assignment`` a worker needs to grade it, read from the course on this machine."""
    from nbgrader.api import MissingEntry

    course_dir = Path(course_dir)
    with gradebook(db_url(course_dir)) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            raise ValueError(f"{assignment} is not in the gradebook of {course_dir}; "
                             f"release it first (python -m dl_course release {assignment})") from None
        definition = {
            "course_id": found.course_id,
            "duedate": found.duedate,
            "notebooks": [{
                "name": nb.name,
                "kernelspec": nb.kernelspec,
                "grade_cells": [{"name": c.name, "max_score": c.max_score, "cell_type": c.cell_type}
                                for c in nb.grade_cells],
                "solution_cells": [c.name for c in nb.solution_cells],
                "task_cells": [{"name": c.name, "max_score": c.max_score, "cell_type": c.cell_type}
                               for c in nb.task_cells],
                "source_cells": [{"name": c.name, "cell_type": c.cell_type, "locked": c.locked,
                                  "source": c.source, "checksum": c.checksum} for c in nb.source_cells],
            } for nb in found.notebooks],
        }
    return AssignmentPackage(
        name=assignment, config=worker_config(course_dir), definition=definition,
        release=_read_tree(course_dir / "release" / assignment),
        source_files=_read_tree(course_dir / "source" / assignment, skip=lambda p: p.suffix == ".ipynb"))


def submission(assignment: str, student: str, course_dir: Path = COURSE_DIR, **limits) -> Submission:
    """``student``'s submitted files of ``assignment``, read from ``course_dir/submitted``."""
    folder = Path(course_dir) / "submitted" / student / assignment
    return Submission(student=student, files=_read_tree(folder), **limits)


def _scratch_gradebook(url: str, package: AssignmentPackage) -> None:
    """A gradebook at ``url`` that holds the assignment's definition and nothing else."""
    definition, name = package.definition, package.name
    with gradebook(url) as gb:
        gb.check_course(course_id=definition["course_id"])
        gb.update_or_create_assignment(name, duedate=definition["duedate"], course_id=definition["course_id"])
        for nb in definition["notebooks"]:
            gb.update_or_create_notebook(nb["name"], name, kernelspec=nb["kernelspec"])
            for cell in nb["grade_cells"]:
                gb.update_or_create_grade_cell(cell["name"], nb["name"], name,
                                               max_score=cell["max_score"], cell_type=cell["cell_type"])
            for cell in nb["solution_cells"]:
                gb.update_or_create_solution_cell(cell, nb["name"], name)
            for cell in nb["task_cells"]:
                gb.update_or_create_task_cell(cell["name"], nb["name"], name,
                                              max_score=cell["max_score"], cell_type=cell["cell_type"])
            for cell in nb["source_cells"]:
                gb.update_or_create_source_cell(cell["name"], nb["name"], name,
                                                **{k: v for k, v in cell.items() if k != "name"})


def _recorded(url: str, package: AssignmentPackage, student: str, root: Path) -> dict:
    """What nbgrader wrote into the scratch gradebook for ``student``."""
    import nbformat
    from nbgrader.api import MissingEntry

    autograded = root / "autograded" / student / package.name
    with gradebook(url) as gb:
        try:
            found = gb.find_submission(package.name, student)
        except MissingEntry:
            return {"submitted": False}
        notebooks = []
        for nb in found.notebooks:
            path = autograded / f"{nb.name}.ipynb"
            missing = not (root / "submitted" / student / package.name / f"{nb.name}.ipynb").is_file()
            scores = {g.name: g.auto_score for g in nb.grades}
            comments = {c.name: c.auto_comment for c in nb.comments}
            if path.is_file():  # the cells nbgrader's SaveAutoGrades wrote: grade cells, solution and task cells
                cells = [c.metadata.get("nbgrader", {}) for c in nbformat.read(path, as_version=4).cells]
                graded = {m["grade_id"] for m in cells if m.get("grade") and "grade_id" in m}
                commented = {m["grade_id"] for m in cells if (m.get("solution") or m.get("task")) and "grade_id" in m}
                scores = {k: v for k, v in scores.items() if k in graded}
                comments = {k: v for k, v in comments.items() if k in commented}
            notebooks.append(NotebookGrades(name=nb.name, autograded=path.is_file(), missing=missing,
                                            auto_scores=scores, auto_comments=comments))
        return {"submitted": True, "timestamp": found.timestamp, "notebooks": notebooks}


def grade_student(package: AssignmentPackage, submitted: Submission) -> GradingResult:
    """Grade one student in a private course in a temporary folder (runs on a Dask worker).

    The course is rebuilt from ``package`` and ``submitted`` alone; grading is
    :func:`dl_course.grading.grade_one`, sandbox and limits included. Nothing is
    written outside the temporary folder, which is removed afterwards.
    """
    start = time.perf_counter()
    outcome = Outcome(submitted.student)
    result = GradingResult(outcome=outcome, worker=_worker_address())
    if submitted.sandbox and find_bwrap() is None:
        outcome.failed = True
        outcome.problems.append(f"on worker {result.worker or 'here'}: {missing_message()}")
        return result
    with tempfile.TemporaryDirectory(prefix="dl-course-task-") as scratch:
        root = Path(scratch)
        url = f"sqlite:///{root / 'gradebook.db'}"
        (root / "nbgrader_config.py").write_text(
            package.config + f"\n# A private course on a grading worker.\nc.CourseDirectory.db_url = {url!r}\n")
        _write_tree(root / "release" / package.name, package.release)
        _write_tree(root / "source" / package.name, package.source_files)
        _write_tree(root / "submitted" / submitted.student / package.name, submitted.files)
        _scratch_gradebook(url, package)
        graded = grade_one(package.name, submitted.student, root, memory_limit_mb=submitted.memory_limit_mb,
                           cell_timeout=submitted.cell_timeout, student_timeout=submitted.student_timeout,
                           sandbox=submitted.sandbox)
        outcome.failed = graded.failed
        outcome.problems = [p.replace(str(root), "<course>") for p in graded.problems]
        recorded = _recorded(url, package, submitted.student, root)
        result.submitted = recorded["submitted"]
        result.timestamp = recorded.get("timestamp")
        result.notebooks = recorded.get("notebooks", [])
        folder = root / "autograded" / submitted.student / package.name
        result.files = {relative: (content, (folder / relative).stat().st_mode & 0o777)
                        for relative, content in _read_tree(folder).items()}
    outcome.seconds = time.perf_counter() - start
    return result


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):  # not on a Dask worker
        return ""


def record(assignment: str, result: GradingResult, course_dir: Path = COURSE_DIR) -> None:
    """Write one student's result into the course: autograded files, then the gradebook.

    As ``nbgrader autograde --force`` does: the student's autograded folder is
    replaced (removed when grading failed); the student and the submission are
    created or updated; each autograded notebook's grade cells get their auto
    score (and need manual grading when a grader already gave a manual score, or
    there is no auto score), its comments their automatic text, and its late
    penalty is assigned by nbgrader's :class:`~nbgrader.preprocessors.AssignLatePenalties`
    with the course's configuration, due date and extensions.
    """
    course_dir = Path(course_dir)
    student = result.outcome.student
    folder = course_dir / "autograded" / student / assignment
    if folder.exists():
        shutil.rmtree(folder)
    if result.files:
        folder.mkdir(parents=True)
        for relative, (content, _) in result.files.items():
            _write_tree(folder, {relative: content})
        for relative, (_, mode) in result.files.items():
            os.chmod(folder / relative, mode)
    if not result.submitted:
        return
    url = db_url(course_dir)
    with gradebook(url) as gb, warnings.catch_warnings():
        # nbgrader's add_submission builds rows SQLAlchemy warns about; nbgrader autograde logs the same.
        warnings.filterwarnings("ignore", message=".* not in session, add operation along")
        gb.update_or_create_student(student)
        when = {"timestamp": result.timestamp} if result.timestamp else {}
        gb.update_or_create_submission(assignment, student, **when)
        for nb in result.notebooks:
            if not (nb.autograded or nb.missing):
                continue
            for name, score in nb.auto_scores.items():
                grade = gb.find_grade(name, nb.name, assignment, student)
                grade.auto_score = score
                grade.needs_manual_grade = (not nb.missing) and (grade.manual_score is not None or score is None)
            if nb.autograded:
                for name, text in nb.auto_comments.items():
                    gb.find_comment(name, nb.name, assignment, student).auto_comment = text
            gb.db.commit()
    for nb in result.notebooks:
        if nb.autograded:
            _late_penalty(course_dir, url, assignment, student, nb.name)


def _late_penalty(course_dir: Path, url: str, assignment: str, student: str, notebook: str) -> None:
    import nbformat
    from nbgrader.preprocessors import AssignLatePenalties
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course_dir.resolve())).load_config()
    resources = {"nbgrader": {"notebook": notebook, "assignment": assignment, "student": student, "db_url": url}}
    with gradebook(url):  # only for PATH: nbgrader's Gradebook runs alembic
        AssignLatePenalties(config=config).preprocess(nbformat.v4.new_notebook(), resources)


@contextlib.contextmanager
def connect(scheduler: str, jobs: int = 1, timeout: float = CONNECT_TIMEOUT) -> Iterator:
    """A ``distributed.Client``: of a new LocalCluster of ``jobs`` processes (``"local"``), or of a scheduler.

    Raises :class:`DaskUnavailable` without dask, and a ``RuntimeError`` that names
    the address when the scheduler cannot be reached.
    """
    distributed = _distributed()
    with contextlib.ExitStack() as stack:
        if scheduler == LOCAL:
            if jobs < 1:
                raise ValueError(f"jobs must be at least 1, got {jobs}")
            # On this machine only; no dashboard, and its HTTP routes on a free port, not 8787.
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                scheduler_kwargs={"dashboard_address": ":0"}))
            client = stack.enter_context(distributed.Client(cluster))
        else:
            try:
                client = stack.enter_context(distributed.Client(scheduler, timeout=timeout))
            except (OSError, ValueError, TypeError) as error:
                raise RuntimeError(f"could not reach the Dask scheduler at {scheduler!r} ({error}); "
                                   "start one with `dask scheduler` and give its address "
                                   "(tcp://host:8786), or pass --scheduler local") from error
        yield client


def autograde(assignment: str, course_dir: Path = COURSE_DIR, scheduler: str = LOCAL,
              only: list[str] | None = None, jobs: int = 1, memory_limit_mb: int = 4096,
              cell_timeout: int | None = None, sandbox: bool = True,
              student_timeout: float = 1800) -> list[Outcome]:
    """Autograde every submission of ``assignment`` on a Dask cluster (see the module's docstring).

    Returns one :class:`~dl_course.grading.Outcome` per student, in the order of
    the names, with the score read back from the course's gradebook, as
    :func:`dl_course.grading.autograde` does. ``jobs`` is the number of worker
    processes of a ``"local"`` cluster; an existing cluster runs as many tasks
    at once as its workers have threads.
    """
    course_dir = Path(course_dir)
    names = only or students(assignment, course_dir)
    if not names:
        raise FileNotFoundError(f"no submissions of {assignment} in {course_dir / 'submitted'}")
    distributed = _distributed()
    if scheduler == LOCAL and sandbox and find_bwrap() is None:  # the workers would be on this machine
        raise SandboxUnavailable(missing_message())
    limits = dict(memory_limit_mb=memory_limit_mb, cell_timeout=cell_timeout, student_timeout=student_timeout,
                  sandbox=sandbox)
    outcomes: dict[str, Outcome] = {}
    with connect(scheduler, jobs) as client:
        package = package_assignment(assignment, course_dir)
        shared = client.scatter(package, hash=False)
        run = uuid.uuid4().hex[:8]
        futures = {client.submit(grade_student, shared, submission(assignment, name, course_dir, **limits),
                                 key=f"grade-{assignment}-{name}-{run}", pure=False): name for name in names}
        for future in distributed.as_completed(futures):
            name = futures[future]
            try:
                result = future.result()
            except Exception as error:  # a task that raised, or a worker that died (KilledWorker)
                outcomes[name] = Outcome(name, failed=True,
                                         problems=[f"the grading task failed: {type(error).__name__}: {error}"[:300]])
                continue
            try:
                record(assignment, result, course_dir)
            except Exception as error:  # noqa: BLE001 (one student's record must not stop the others)
                result.outcome.failed = True
                result.outcome.problems.append(f"the result could not be recorded: {type(error).__name__}: {error}")
            outcomes[name] = result.outcome
            future.release()
    scores = read_scores(assignment, course_dir)
    ordered = [outcomes[name] for name in names]
    for outcome in ordered:
        outcome.score, outcome.max_score = scores.get(outcome.student, (None, None))
    return ordered

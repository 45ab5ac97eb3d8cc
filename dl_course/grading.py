"""Autograde a whole class: students shared among kept grading processes, in parallel, with limits.

``nbgrader autograde`` grades every submission in one process, and one broken
submission can take a long time or the whole run with it. Here ``jobs`` grading
processes (:mod:`dl_course.worker`) each grade one student after another, every
student's notebook in a kernel process of its own (forked from a warm template in
the sandbox, :mod:`dl_course.warm`), so that

* a runaway cell is stopped by nbgrader's cell timeout (that part scores zero);
* a memory blow-up is stopped by an address-space limit on the grading process
  and its kernel (``memory_limit_mb``), not by the machine running out of memory;
* a crashed kernel, an unreadable notebook or a timed-out student fails only
  that student, and the report says which one and why;
* several students are graded at once (``jobs``), into the same gradebook;
* a grading process that dies or hangs fails only the student it was grading, and
  a new one takes over the rest.

Nothing is started per student but the kernel: nbgrader and the course's
configuration are loaded once per grading process, and the kernel's imports
(``torch``, ``numpy``, ``ipykernel``) once per template. :func:`grade_one` grades a
single student in an ``nbgrader`` process of its own (the Dask path uses it).
"""

from __future__ import annotations

import json
import os
import queue
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from dl_course.course import COURSE_DIR, db_url, gradebook, tool_env
from dl_course.sandbox import TAMPERED, SandboxUnavailable, find_bwrap, missing_message

__all__ = ["Outcome", "autograde", "check_submission", "diagnose", "grade_one", "read_scores", "report", "students"]


@dataclass
class Outcome:
    """What grading one student's submission gave."""

    student: str
    score: float | None = None
    max_score: float | None = None
    problems: list[str] = field(default_factory=list)
    failed: bool = False
    seconds: float = 0.0


def students(assignment: str, course_dir: Path = COURSE_DIR) -> list[str]:
    """The students with a submission of ``assignment`` in ``course_dir/submitted``."""
    submitted = Path(course_dir) / "submitted"
    return sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())


def check_submission(folder: Path, release_dir: Path) -> list[str]:
    """Problems nbgrader will meet in one student's folder, said in words a person understands."""
    problems = []
    for expected in sorted(release_dir.glob("*.ipynb")):
        path = folder / expected.name
        if not path.is_file():
            problems.append(f"{expected.name} is missing from the submission")
            continue
        try:
            submitted = nbformat.read(path, as_version=4)
        except Exception as error:  # nbformat raises several types for unreadable files
            kind = "empty" if path.stat().st_size == 0 else "not a valid notebook"
            problems.append(f"{expected.name} is {kind} ({type(error).__name__}: {str(error)[:120]})")
            continue
        released = nbformat.read(expected, as_version=4)
        problems += _test_cell_changes(submitted, released, expected.name)
    return problems


def _test_cell_changes(submitted, released, name: str) -> list[str]:
    def tests(nb):
        return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")}

    mine, original = tests(submitted), tests(released)
    notes = [f"{name}: test cell {gid} was deleted (nbgrader puts it back)"
             for gid in original if gid not in mine]
    notes += [f"{name}: test cell {gid} was edited (nbgrader restores it)"
              for gid in original if gid in mine and mine[gid] != original[gid]]
    return notes


def _limit_memory(megabytes: int):
    def apply() -> None:
        limit = megabytes * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def diagnose(log: str) -> str:
    """The reason a grading process failed, in words a person reads, from its log."""
    if "DeadKernelError" in log or "Kernel died" in log:
        return "the kernel died while running the notebook (a crash, os._exit or memory exhaustion)"
    if "UnresponsiveKernelError" in log:
        return "the kernel stopped responding and could not be interrupted"
    if "NotJSONError" in log or "JSONDecodeError" in log or "Notebook does not appear to be JSON" in log:
        return "the notebook is not valid JSON"
    if "database is locked" in log:
        return "the gradebook was locked by another grader for too long"
    raised = re.findall(r"^\s*([\w.]+(?:Error|Exception|Entry): .+)$", log, flags=re.MULTILINE)
    if raised:
        return raised[-1].strip()[:200]
    lines = [line for line in log.splitlines() if "ERROR" in line]
    if lines:
        return lines[-1][:200]
    return log.strip().splitlines()[-1][:200] if log.strip() else "unknown error"


def _cell_problems(autograded: Path) -> list[str]:
    notes = []
    for path in sorted(autograded.glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            for output in cell.get("outputs", []):
                stopped = output.get("ename") in ("CellTimeoutError", "MemoryError")
                if output.get("output_type") == "error" and stopped:
                    gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "a cell")
                    what = "ran out of time" if output["ename"] == "CellTimeoutError" else "ran out of memory"
                    notes.append(f"{path.name}: {gid} {what}")
                elif output.get("output_type") == "error":
                    gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "a cell")
                    notes += [f"{path.name}: {gid} {note}" for note in _attempt(output)]
    return notes


def _attempt(output: dict) -> list[str]:
    """What an error output says a submission tried against the sandbox, in words (or nothing)."""
    ename, evalue = output.get("ename", ""), output.get("evalue", "")
    if ename == TAMPERED:
        return [f"ran after the kernel was tampered with: {evalue}"]
    outside = re.search(r"'((?:/|\.\./)[^']*)'", evalue)
    if ename in ("FileNotFoundError", "PermissionError", "OSError") and outside:
        if "Read-only file system" in evalue:
            return [f"tried to write outside its folder (blocked by the sandbox): {evalue[:160]}"]
        return [f"tried to reach a file outside its folder (not in the sandbox): {evalue[:160]}"]
    return []


def grade_one(assignment: str, student: str, course_dir: Path = COURSE_DIR, memory_limit_mb: int = 4096,
              cell_timeout: int | None = None, student_timeout: float = 1800, sandbox: bool = True) -> Outcome:
    """Autograde one student's submission in its own nbgrader process (``sandbox=False``: unconfined)."""
    course_dir = Path(course_dir)
    start = time.perf_counter()
    outcome = Outcome(student, problems=check_submission(
        course_dir / "submitted" / student / assignment, course_dir / "release" / assignment))
    # One kernel per process: a warm template would cost as much to start as the kernel it saves.
    args = [sys.executable, "-m", "nbgrader", "autograde", assignment, "--student", student, "--force",
            *_options(cell_timeout, sandbox), "--SandboxKernelManager.warm=False"]
    try:
        done = subprocess.run(args, cwd=course_dir, capture_output=True, text=True, env=tool_env(),
                              preexec_fn=_limit_memory(memory_limit_mb), timeout=student_timeout)
        log = done.stdout + done.stderr
        if done.returncode != 0:
            outcome.failed = True
            reason = diagnose(log)
            unreadable = any("valid notebook" in p or " is empty" in p for p in outcome.problems)
            if not (unreadable and "JSON" in reason):  # already said, in plainer words
                outcome.problems.append(reason)
    except subprocess.TimeoutExpired:
        outcome.failed = True
        outcome.problems.append(f"grading took longer than {student_timeout:.0f} s and was stopped")
    outcome.problems += _cell_problems(course_dir / "autograded" / student / assignment)
    outcome.seconds = time.perf_counter() - start
    return outcome


def _options(cell_timeout: int | None, sandbox: bool) -> list[str]:
    """nbgrader's command-line options for a cell timeout and the sandbox."""
    options = [] if cell_timeout is None else [f"--ExecutePreprocessor.timeout={cell_timeout}"]
    return options if sandbox else [*options, "--SandboxKernelManager.enabled=False"]


class _Worker:
    """One kept grading process (:mod:`dl_course.worker`) and a thread that reads its answers."""

    def __init__(self, assignment: str, course_dir: Path, options: list[str], memory_limit_mb: int):
        self.errors = tempfile.TemporaryFile()  # what it prints: read when it dies
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dl_course.worker", assignment, *options], cwd=course_dir,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors, text=True, env=tool_env(),
            preexec_fn=_limit_memory(memory_limit_mb), start_new_session=True)
        self.answers: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True, name="grading-worker").start()

    def _read(self) -> None:
        for line in self.process.stdout:
            try:
                self.answers.put(json.loads(line))
            except ValueError:
                continue
        self.answers.put(None)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def grade(self, student: str, timeout: float) -> dict | None:
        """The worker's answer for ``student``; None if it died, ``{"timeout": True}`` if it hung."""
        try:
            self.process.stdin.write(student + "\n")
            self.process.stdin.flush()
        except OSError:
            return None
        try:
            return self.answers.get(timeout=timeout)
        except queue.Empty:
            self.stop()
            return {"timeout": True}

    def last_words(self) -> str:
        self.errors.seek(0)
        return self.errors.read().decode(errors="replace")[-4000:]

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except OSError:
            pass
        self.process.wait()

    def close(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            self.stop()
        self.errors.close()


def _grade_with(worker: _Worker, assignment: str, student: str, course_dir: Path,
                student_timeout: float) -> Outcome:
    start = time.perf_counter()
    outcome = Outcome(student, problems=check_submission(
        course_dir / "submitted" / student / assignment, course_dir / "release" / assignment))
    answer = worker.grade(student, student_timeout)
    if answer is None:
        outcome.failed = True
        outcome.problems.append("the grading process ended while grading this submission: "
                                + diagnose(worker.last_words()))
    elif answer.get("timeout"):
        outcome.failed = True
        outcome.problems.append(f"grading took longer than {student_timeout:.0f} s and was stopped")
    elif not answer["success"]:
        outcome.failed = True
        reason = diagnose(answer["log"])
        unreadable = any("valid notebook" in p or " is empty" in p for p in outcome.problems)
        if not (unreadable and "JSON" in reason):  # already said, in plainer words
            outcome.problems.append(reason)
    outcome.problems += _cell_problems(course_dir / "autograded" / student / assignment)
    outcome.seconds = time.perf_counter() - start
    return outcome


def autograde(assignment: str, course_dir: Path = COURSE_DIR, only: list[str] | None = None, jobs: int = 1,
              memory_limit_mb: int = 4096, cell_timeout: int | None = None, sandbox: bool = True,
              scheduler: str | None = None, student_timeout: float = 1800) -> list[Outcome]:
    """Autograde every submission of ``assignment``, ``jobs`` students at a time.

    Returns one :class:`Outcome` per student, with the score read back from the
    gradebook. A failed student never stops the others. Every kernel runs in the
    sandbox (:mod:`dl_course.sandbox`); where bwrap is missing this raises
    :class:`~dl_course.sandbox.SandboxUnavailable` unless ``sandbox=False``.

    With ``scheduler`` (a Dask scheduler's address, or ``"local"`` for a cluster
    of ``jobs`` worker processes started here), each student is graded by a task
    on the cluster's workers, which need bwrap, and the results are written here
    (:mod:`dl_course.distributed`).
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if scheduler is not None:
        from dl_course import distributed

        return distributed.autograde(assignment, course_dir, scheduler, only=only, jobs=jobs,
                                     memory_limit_mb=memory_limit_mb, cell_timeout=cell_timeout, sandbox=sandbox)
    if sandbox and find_bwrap() is None:
        raise SandboxUnavailable(missing_message())
    names = only or students(assignment, course_dir)
    if not names:
        raise FileNotFoundError(f"no submissions of {assignment} in {Path(course_dir) / 'submitted'}")
    course_dir = Path(course_dir)
    todo: queue.Queue = queue.Queue()
    for name in names:
        todo.put(name)
    graded: dict[str, Outcome] = {}

    def work() -> None:
        worker = None
        try:
            while True:
                try:
                    student = todo.get_nowait()
                except queue.Empty:
                    return
                if worker is None or not worker.alive:
                    worker = _Worker(assignment, course_dir, _options(cell_timeout, sandbox), memory_limit_mb)
                graded[student] = _grade_with(worker, assignment, student, course_dir, student_timeout)
        finally:
            if worker is not None:
                worker.close()

    threads = [threading.Thread(target=work, name=f"grading-{i}") for i in range(min(jobs, len(names)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes = [graded[name] for name in names]
    scores = read_scores(assignment, course_dir)
    for outcome in outcomes:
        outcome.score, outcome.max_score = scores.get(outcome.student, (None, None))
    return outcomes


def read_scores(assignment: str, course_dir: Path = COURSE_DIR) -> dict[str, tuple[float, float]]:
    """Each student's (score, max score) for ``assignment``, from the course's gradebook."""
    from nbgrader.api import MissingEntry


    scores = {}
    with gradebook(db_url(course_dir)) as gb:
        for submission in gb.assignment_submissions(assignment):
            try:
                scores[submission.student_id] = (submission.score, submission.max_score)
            except MissingEntry:
                continue
    return scores


def report(outcomes: list[Outcome]) -> str:
    """A table a person can read: one line per student, problems spelled out."""
    lines = [f"{'student':<24} {'score':>11}  status"]
    for o in outcomes:
        score = "-" if o.score is None else f"{o.score:g}/{o.max_score:g}"
        status = "FAILED" if o.failed else "graded"
        lines.append(f"{o.student:<24} {score:>11}  {status} ({o.seconds:.0f} s)")
        lines += [f"{'':<24} {'':>11}  - {p}" for p in o.problems]
    failed = sorted(o.student for o in outcomes if o.failed)
    lines.append(f"{len(outcomes) - len(failed)} of {len(outcomes)} submissions graded"
                 + (f"; failed: {', '.join(failed)}" if failed else ""))
    return "\n".join(lines)

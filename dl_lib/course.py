"""The course, one command per step of a term, each wrapping nbgrader.

    python -m dl_lib.course roster roster.csv          # import students (id,first_name,last_name,email)
    python -m dl_lib.course release [ASSIGNMENT ...]    # source -> release (add --exchange to hand out)
    python -m dl_lib.course collect ASSIGNMENT         # from the exchange; --zip for an LMS download
    python -m dl_lib.course autograde ASSIGNMENT       # every submission, --jobs N in parallel
    python -m dl_lib.course feedback ASSIGNMENT        # HTML feedback per student
    python -m dl_lib.course export grades.csv          # every grade, as CSV
    python -m dl_lib.course validate NOTEBOOK.ipynb    # a student's check against the visible tests

Commands act on ``exercises/`` unless ``--course DIR`` says otherwise. Unlike
``nbgrader validate``, ``validate`` exits with status 1 when a test fails, and
``autograde`` exits with status 1 when any submission could not be graded.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
COURSE_DIR = REPO_ROOT / "exercises"


def assignments(course_dir: Path = COURSE_DIR) -> list[str]:
    """The names of the assignments in ``course_dir/source``, sorted."""
    source = Path(course_dir) / "source"
    if not source.is_dir():
        raise FileNotFoundError(f"no nbgrader source folder at {source}")
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def tool_env() -> dict[str, str]:
    """The environment for nbgrader's subprocesses: this Python's scripts first on PATH.

    nbgrader runs ``alembic`` by name when it opens a gradebook, so the virtual
    environment's ``bin`` folder must be on PATH even when it is not activated.
    """
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def nbgrader(args: list[str], cwd: Path, timeout: float | None = None) -> str:
    """Run the nbgrader command line in the course folder ``cwd``; return its log, raise on failure."""
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=cwd, capture_output=True, text=True, timeout=timeout, env=tool_env(),
    )
    log = done.stdout + done.stderr
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed in {cwd}:\n{log[-4000:]}")
    return log


def scratch_course(dest: Path, course_dir: Path = COURSE_DIR) -> Path:
    """Copy the course's configuration and sources into ``dest``, a course nbgrader may write to."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(Path(course_dir) / "nbgrader_config.py", dest / "nbgrader_config.py")
    shutil.copytree(Path(course_dir) / "source", dest / "source", dirs_exist_ok=True)
    return dest


def generate(assignment: str, dest: Path, course_dir: Path = COURSE_DIR) -> Path:
    """Generate the student version of ``assignment`` in a scratch course at ``dest``."""
    if assignment not in assignments(course_dir):
        raise ValueError(f"unknown assignment {assignment!r}; the course has {assignments(course_dir)}")
    scratch = scratch_course(dest, course_dir)
    nbgrader(["generate_assignment", assignment, "--force"], cwd=scratch)
    return scratch / "release" / assignment


def release(names: list[str] | None = None, course_dir: Path = COURSE_DIR) -> list[Path]:
    """Regenerate ``course_dir/release/<name>`` for each assignment (all by default).

    nbgrader runs in the course folder itself, so the assignment and its grade
    cells are also recorded in the course's gradebook, ready for autograding.
    """
    written = []
    for name in names or assignments(course_dir):
        if name not in assignments(course_dir):
            raise ValueError(f"unknown assignment {name!r}; the course has {assignments(course_dir)}")
        nbgrader(["generate_assignment", name, "--force"], cwd=Path(course_dir))
        written.append(Path(course_dir) / "release" / name)
    return written


def db_url(course_dir: Path = COURSE_DIR) -> str:
    """The gradebook's address: ``CourseDirectory.db_url`` from the course's nbgrader_config.py,
    or nbgrader's default, a SQLite file ``gradebook.db`` in the course folder."""
    from traitlets.config.loader import PyFileConfigLoader

    course_dir = Path(course_dir).resolve()
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course_dir)).load_config()
    url = config.CourseDirectory.get("db_url")
    return str(url) if url else f"sqlite:///{course_dir / 'gradebook.db'}"


@contextlib.contextmanager
def gradebook(url: str):
    """nbgrader's Gradebook at ``url``, opened with this Python's scripts on PATH (it runs ``alembic``)."""
    from nbgrader.api import Gradebook

    saved = os.environ.get("PATH", "")
    os.environ["PATH"] = tool_env()["PATH"]
    try:
        with Gradebook(url) as gb:
            yield gb
    finally:
        os.environ["PATH"] = saved


def validate(notebook: Path, invert: bool = False) -> dict:
    """Execute a notebook's tests with nbgrader's validator and return its findings.

    An empty dict means success: with ``invert=False``, every graded test passed;
    with ``invert=True`` (for a freshly released notebook), none did. Otherwise the
    dict has ``failed``, ``passed``, ``changed`` or ``type_changed`` entries.
    """
    from nbgrader.validator import Validator

    notebook = Path(notebook)
    if not notebook.is_file():
        raise FileNotFoundError(f"no notebook at {notebook}")
    return Validator(invert=invert).validate(str(notebook.resolve()))


def _report(findings: dict) -> str:
    if not findings:
        return "Success: every graded test passes."
    lines = []
    for kind, cells in findings.items():
        lines.append(f"{len(cells)} cell(s) {kind.replace('_', ' ')}:")
        for cell in cells:
            lines.append("  " + cell["source"].splitlines()[0][:100] if cell["source"] else "  (empty)")
            if cell.get("raw_error"):
                lines.append("    " + cell["raw_error"].strip().splitlines()[-1][:200])
    return "\n".join(lines)


def import_roster(csv_path: Path, course_dir: Path = COURSE_DIR) -> int:
    """Add or update the students listed in a CSV file (columns id, first_name, last_name, email)."""
    import csv

    csv_path = Path(csv_path).resolve()
    with open(csv_path, newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "id" not in reader.fieldnames:
            raise ValueError(f"{csv_path} needs a header row with an 'id' column, got {reader.fieldnames}")
        rows = list(reader)
    bad = [i + 2 for i, row in enumerate(rows) if not (row.get("id") or "").strip()]
    if bad:
        raise ValueError(f"{csv_path}: rows {bad} have no student id")
    nbgrader(["db", "student", "import", str(csv_path)], cwd=course_dir)
    return len(rows)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dl_lib.course", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--course", type=Path, default=COURSE_DIR, help="the course folder")
    commands = parser.add_subparsers(dest="command", required=True)
    roster = commands.add_parser("roster", help="import students from a CSV file")
    roster.add_argument("csv", type=Path)
    rel = commands.add_parser("release", help="regenerate release/ from source/")
    rel.add_argument("names", nargs="*", help="assignments (default: all)")
    rel.add_argument("--exchange", action="store_true", help="also release to nbgrader's exchange")
    col = commands.add_parser("collect", help="collect submissions")
    col.add_argument("name")
    col.add_argument("--zip", action="store_true",
                     help="collect an LMS download from downloaded/<name>/archive instead of the exchange")
    auto = commands.add_parser("autograde", help="autograde every submission of an assignment")
    auto.add_argument("name")
    auto.add_argument("--jobs", type=int, default=1, help="students graded at once")
    auto.add_argument("--student", action="append", help="grade only these students")
    auto.add_argument("--memory-limit", type=int, default=4096, help="MB per grading process")
    auto.add_argument("--cell-timeout", type=int, default=None, help="seconds per cell")
    fb = commands.add_parser("feedback", help="generate feedback for every graded submission")
    fb.add_argument("name")
    exp = commands.add_parser("export", help="export every grade to CSV")
    exp.add_argument("to", type=Path, nargs="?", default=Path("grades.csv"))
    val = commands.add_parser("validate", help="run a notebook's visible tests")
    val.add_argument("notebook", type=Path)
    val.add_argument("--invert", action="store_true", help="succeed only if no test passes")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    where = args.course.resolve()
    if args.command == "validate":
        findings = validate(args.notebook, invert=args.invert)
        print(_report(findings))
        return 1 if findings else 0
    if args.command == "roster":
        print(f"imported {import_roster(args.csv, where)} students")
    elif args.command == "release":
        for path in release(args.names or None, where):
            print(f"released {path}")
            if args.exchange:
                print(nbgrader(["release_assignment", path.name, "--force"], cwd=where).strip())
    elif args.command == "collect":
        step = "zip_collect" if args.zip else "collect"
        print(nbgrader([step, args.name, "--force"] if args.zip else [step, args.name], cwd=where).strip())
    elif args.command == "autograde":
        from dl_lib import grading

        outcomes = grading.autograde(args.name, where, only=args.student, jobs=args.jobs,
                                     memory_limit_mb=args.memory_limit, cell_timeout=args.cell_timeout)
        print(grading.report(outcomes))
        return 1 if any(o.failed for o in outcomes) else 0
    elif args.command == "feedback":
        print(nbgrader(["generate_feedback", args.name, "--force"], cwd=where).strip())
    elif args.command == "export":
        target = args.to if args.to.is_absolute() else Path.cwd() / args.to
        nbgrader(["export", f"--to={target}"], cwd=where)
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The nbgrader course in ``exercises/``: paths, nbgrader runs, the gradebook, releases, validation.

The command line over these functions is :mod:`dl_course.cli` (``python -m dl_course``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = [
    "COURSE_DIR", "REPO_ROOT", "assignments", "db_url", "generate", "gradebook", "import_roster",
    "nbgrader", "release", "report", "scratch_course", "tool_env", "validate",
]

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


def report(findings: dict) -> str:
    """What ``validate`` prints: success, or each failing cell with its last error line."""
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

"""The graded exercises: regenerate the student release and check notebooks, wrapping nbgrader.

    python -m dl_lib.course release [ASSIGNMENT ...]   # exercises/source -> exercises/release
    python -m dl_lib.course validate NOTEBOOK.ipynb    # run a notebook's visible tests

Unlike ``nbgrader validate``, ``validate`` exits with status 1 when a test fails.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
COURSE_DIR = REPO_ROOT / "exercises"


def assignments(course_dir: Path = COURSE_DIR) -> list[str]:
    """The names of the assignments in ``course_dir/source``, sorted."""
    source = Path(course_dir) / "source"
    if not source.is_dir():
        raise FileNotFoundError(f"no nbgrader source folder at {source}")
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def nbgrader(args: list[str], cwd: Path, timeout: float | None = None) -> str:
    """Run the nbgrader command line in the course folder ``cwd``; return its log, raise on failure."""
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=cwd, capture_output=True, text=True, timeout=timeout,
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
    """Regenerate ``course_dir/release/<name>`` for each assignment (all by default)."""
    written = []
    for name in names or assignments(course_dir):
        with tempfile.TemporaryDirectory() as tmp:
            fresh = generate(name, Path(tmp), course_dir)
            target = Path(course_dir) / "release" / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(fresh, target)
        written.append(target)
    return written


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dl_lib.course", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    rel = commands.add_parser("release", help="regenerate exercises/release from exercises/source")
    rel.add_argument("names", nargs="*", help="assignments (default: all)")
    val = commands.add_parser("validate", help="run a notebook's visible tests")
    val.add_argument("notebook", type=Path)
    val.add_argument("--invert", action="store_true", help="succeed only if no test passes")
    args = parser.parse_args(argv)
    if args.command == "release":
        for path in release(args.names or None):
            print(f"released {path.relative_to(REPO_ROOT)}")
        return 0
    findings = validate(args.notebook, invert=args.invert)
    print(_report(findings))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())

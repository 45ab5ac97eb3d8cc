"""The course, one command per step of a term, each wrapping nbgrader.

    python -m dl_course roster roster.csv          # import students (id,first_name,last_name,email)
    python -m dl_course release [ASSIGNMENT ...]    # source -> release (add --exchange to hand out)
    python -m dl_course collect ASSIGNMENT         # from the exchange; --zip for an LMS download
    python -m dl_course autograde ASSIGNMENT       # every submission, sandboxed, --jobs N in parallel
                                                   # (--scheduler tcp://host:8786|local: on a Dask cluster)
    python -m dl_course feedback ASSIGNMENT        # HTML feedback per student (--mode hidden)
    python -m dl_course export grades.csv          # every grade, as CSV (--format canvas|moodle)
    python -m dl_course validate NOTEBOOK.ipynb    # a student's check against the visible tests

Commands act on ``exercises/`` unless ``--course DIR`` says otherwise. Unlike
``nbgrader validate``, ``validate`` exits with status 1 when a test fails, and
``autograde`` exits with status 1 when any submission could not be graded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dl_course import grading
from dl_course.course import (
    COURSE_DIR,
    import_roster,
    nbgrader,
    release,
    report,
    validate,
)

__all__ = ["main", "run"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dl_course", description=__doc__,
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
    auto.add_argument("--no-sandbox", action="store_true",
                      help="run the kernels without the bubblewrap sandbox (only for code you trust)")
    auto.add_argument("--scheduler", metavar="ADDRESS", default=None,
                      help="grade on a Dask cluster: a scheduler's address (tcp://host:8786), or 'local' for "
                           "--jobs worker processes started here; results are written here")
    fb = commands.add_parser("feedback", help="generate feedback for every graded submission")
    fb.add_argument("name")
    fb.add_argument("--mode", choices=["full", "hidden"], default=None,
                    help="full: every test's code; hidden: each test's points, verdict and message "
                         "only (default: FeedbackPolicy in nbgrader_config.py)")
    exp = commands.add_parser("export", help="export every grade to CSV")
    exp.add_argument("to", type=Path, nargs="?", default=Path("grades.csv"))
    exp.add_argument("--format", choices=["nbgrader", "canvas", "moodle"], default="nbgrader",
                     help="the CSV layout: nbgrader's own, or what Canvas or Moodle imports")
    val = commands.add_parser("validate", help="run a notebook's visible tests")
    val.add_argument("notebook", type=Path)
    val.add_argument("--invert", action="store_true", help="succeed only if no test passes")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; 0 on success, 1 when a test or a submission failed, 2 on bad input."""
    args = _parser().parse_args(argv)
    try:
        return run(args)
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    """What ``main`` does once the arguments are parsed."""
    where = args.course.resolve()
    if not (where / "nbgrader_config.py").is_file() and args.command != "validate":
        raise FileNotFoundError(f"{where} is not a course folder (it has no nbgrader_config.py); "
                                "pass --course DIR or run from the repository")
    if args.command == "validate":
        findings = validate(args.notebook, invert=args.invert)
        print(report(findings))
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
        outcomes = grading.autograde(args.name, where, only=args.student, jobs=args.jobs,
                                     memory_limit_mb=args.memory_limit, cell_timeout=args.cell_timeout,
                                     sandbox=not args.no_sandbox, scheduler=args.scheduler)
        print(grading.report(outcomes))
        return 1 if any(o.failed for o in outcomes) else 0
    elif args.command == "feedback":
        mode = [f"--FeedbackPolicy.mode={args.mode}", "--FeedbackPolicy.assignments={}"]
        print(nbgrader(["generate_feedback", args.name, "--force", *(mode if args.mode else [])],
                       cwd=where).strip())
    elif args.command == "export":
        from dl_course.exports import FORMATS

        target = args.to if args.to.is_absolute() else Path.cwd() / args.to
        nbgrader(["export", f"--to={target}", f"--exporter={FORMATS[args.format]}"], cwd=where)
        print(f"wrote {target}")
    return 0

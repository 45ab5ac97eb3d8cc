"""A grading process kept for many students of one assignment (used by :mod:`dl_course.grading`).

    python -m dl_course.worker ASSIGNMENT [nbgrader options ...]   # in the course folder

It loads nbgrader and the course's configuration once, then reads one student id per
line on its standard input and, for each, runs nbgrader's autograde step for that
student in this process (each student's kernel is still a process of its own, forked
from a warm template in the sandbox: :mod:`dl_course.warm`), and answers with one JSON
line ``{"student", "success", "log"}`` on its standard output. Anything else that would
be printed goes to its standard error. It ends when its input ends.
"""

from __future__ import annotations

import json
import os
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-"):
        print("usage: python -m dl_course.worker ASSIGNMENT [nbgrader options ...]", file=sys.stderr)
        return 2
    assignment, options = argv[0], argv[1:]
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # nbgrader's and the kernels' own printing must not mix with the answers
    sys.stdout = sys.stderr

    from nbgrader.apps.autogradeapp import AutogradeApp
    from nbgrader.converters import Autograde
    from nbgrader.utils import capture_log, temp_attrs

    app = AutogradeApp()
    app.initialize(options)
    for line in sys.stdin:
        student = line.strip()
        if not student:
            continue
        with temp_attrs(app.coursedir, assignment_id=assignment, student_id=student):
            converter = Autograde(coursedir=app.coursedir, parent=app)
            converter.force = True
            converter.create_student = True
            result = capture_log(converter)
        log = "\n".join(part for part in (result.get("log", ""), result.get("error", "")) if part)
        replies.write(json.dumps({"student": student, "success": bool(result["success"]), "log": log}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Grades in the CSV layouts that Canvas and Moodle import, as nbgrader export plugins.

    nbgrader export --exporter=dl_course.exports.CanvasExportPlugin --to=canvas.csv
    python -m dl_course export canvas.csv --format canvas      # the same, from the course command

Both write one row per student of the gradebook and one column per assignment, holding the
score after nbgrader's late-submission penalty. A student with no submission of an assignment
gets 0 there, as in nbgrader's own CSV (an LMS reads a blank cell as "leave the grade alone").

* Canvas (Grades > Import): the columns ``Student, ID, SIS User ID, SIS Login ID, Section``,
  then one per assignment, and a second row ``Points Possible``. ``ID`` (Canvas's own number)
  is left empty, so Canvas matches each row by ``SIS User ID``: the nbgrader student id must be
  the student's SIS id.
* Moodle (Grades > Import > CSV file): ``ID number, Email address, First name, Last name``, then
  one column per assignment; at import, map ``ID number`` (or ``Email address``) to the user
  and each assignment column to its grade item.
"""

from __future__ import annotations

import csv

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import ExportPlugin

__all__ = ["CanvasExportPlugin", "FORMATS", "MoodleExportPlugin", "grade_table"]


def grade_table(gradebook: Gradebook, assignments: list[str] | None = None,
                students: list[str] | None = None) -> tuple[list, list, dict]:
    """The assignments, the students and each (student id, assignment name)'s final score.

    The score is the autograded and manual score less the late penalty, never below 0; a
    missing submission scores 0.
    """
    chosen = [a for a in gradebook.assignments if not assignments or a.name in assignments]
    people = [s for s in gradebook.students if not students or s.id in students]
    scores = {}
    for assignment in chosen:
        for student in people:
            try:
                submission = gradebook.find_submission(assignment.name, student.id)
            except MissingEntry:
                scores[student.id, assignment.name] = 0.0
                continue
            penalty = submission.late_submission_penalty or 0.0
            scores[student.id, assignment.name] = max(0.0, submission.score - penalty)
    return chosen, people, scores


def _number(value: float) -> str:
    return f"{value:g}"


class _LayoutPlugin(ExportPlugin):
    default_name = "grades.csv"

    def header(self, assignments) -> list[list[str]]:
        raise NotImplementedError

    def person(self, student) -> list[str]:
        raise NotImplementedError

    def export(self, gradebook: Gradebook) -> None:
        dest = self.to or self.default_name
        chosen, people, scores = grade_table(gradebook, [str(a) for a in self.assignment],
                                             [str(s) for s in self.student])
        self.log.info("Exporting %d students' grades on %d assignments to %s", len(people),
                      len(chosen), dest)
        with open(dest, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerows(self.header(chosen))
            for student in people:
                writer.writerow(self.person(student)
                                + [_number(scores[student.id, a.name]) for a in chosen])


class CanvasExportPlugin(_LayoutPlugin):
    """Canvas's gradebook CSV: rows matched by SIS User ID, a ``Points Possible`` row."""

    default_name = "canvas.csv"

    def header(self, assignments) -> list[list[str]]:
        names = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
        return [names + [a.name for a in assignments],
                ["Points Possible", "", "", "", ""] + [_number(a.max_score) for a in assignments]]

    def person(self, student) -> list[str]:
        name = ", ".join(p for p in (student.last_name, student.first_name) if p) or student.id
        return [name, "", student.id, student.id, ""]


class MoodleExportPlugin(_LayoutPlugin):
    """Moodle's grade import CSV: a user identifier and names, then one column per assignment."""

    default_name = "moodle.csv"

    def header(self, assignments) -> list[list[str]]:
        names = ["ID number", "Email address", "First name", "Last name"]
        return [names + [a.name for a in assignments]]

    def person(self, student) -> list[str]:
        return [student.id, student.email or "", student.first_name or "", student.last_name or ""]


FORMATS = {
    "nbgrader": "nbgrader.plugins.export.CsvExportPlugin",
    "canvas": "dl_course.exports.CanvasExportPlugin",
    "moodle": "dl_course.exports.MoodleExportPlugin",
}

"""Feedback pages that typeset math offline and, if the instructor asks, keep hidden tests hidden.

nbgrader's ``generate_feedback`` writes one HTML page per notebook with every test cell in full,
hidden tests included, and loads MathJax from a CDN. The course's configuration
(``exercises/nbgrader_config.py`` calls :func:`configure`) changes both, for ``nbgrader
generate_feedback`` and ``python -m dl_course feedback`` alike:

* each page loads MathJax 3 from ``mathjax/tex-svg.js``, a copy written beside it (the
  ``sphinx-mathjax-offline`` package's file, fonts included), so its math typesets with no network;
* :class:`FeedbackPolicy` chooses, course-wide (``c.FeedbackPolicy.mode``) and per assignment
  (``c.FeedbackPolicy.assignments = {"05_losses": "hidden"}``), between ``"full"`` feedback
  (nbgrader's: every test's code and traceback) and ``"hidden"`` feedback: each test cell shows
  its points, whether it passed and the message of its failed assertion, but neither the code
  between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` nor a traceback (a traceback
  quotes the failing line of the test).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Dict, Enum

__all__ = [
    "HIDDEN_NOTE", "MATHJAX_FILE", "MODES", "FeedbackPolicy", "configure", "hide_hidden_tests",
    "mathjax_source",
]

MODES = ("full", "hidden")
MATHJAX_FILE = "mathjax/tex-svg.js"  # relative to the page; templates/feedback/mathjax.html.j2
HIDDEN_NOTE = "# (hidden tests: not shown)"
TEMPLATES = Path(__file__).resolve().parent / "templates"
HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*$",
                    flags=re.MULTILINE | re.DOTALL)


def mathjax_source() -> Path:
    """The MathJax 3 file (TeX input, SVG output, fonts inside) the feedback pages load."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("sphinx-mathjax-offline")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("feedback pages ship MathJax from the sphinx-mathjax-offline package: "
                          "pip install sphinx-mathjax-offline (the course extra)")
    path = Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax" / "tex-svg.js"
    if not path.is_file():
        raise FileNotFoundError(f"no MathJax at {path}")
    return path


def hide_hidden_tests(source: str) -> str:
    """A test cell's code with each hidden-tests region replaced by :data:`HIDDEN_NOTE`."""
    return HIDDEN.sub(lambda m: re.match(r"[ \t]*", m.group(0)).group(0) + HIDDEN_NOTE, source)


def _is_test(cell) -> bool:
    grading = cell.get("metadata", {}).get("nbgrader", {})
    return bool(grading.get("grade")) and not grading.get("solution") and cell.cell_type == "code"


def _verdict(cell, passed: bool) -> dict:
    grading = cell.metadata.nbgrader
    points = f"{float(grading.get('score') or 0):g} / {float(grading.get('points') or 0):g} points"
    word = "passed" if passed else "failed"
    colour = "#1a7f37" if passed else "#c62828"
    text = f"{grading['grade_id']}: {word} ({points})"
    return {"output_type": "display_data", "metadata": {},
            "data": {"text/plain": text,
                     "text/html": f'<p class="dl-verdict" style="color:{colour}"><b>'
                                  f"{html.escape(text)}</b></p>"}}


class FeedbackPolicy(Preprocessor):
    """Full or hidden-tests-kept feedback, course-wide and per assignment; MathJax beside the page."""

    enabled = Bool(True).tag(config=True)
    mode = Enum(MODES, default_value="full",
                help="the course-wide choice: 'full' (nbgrader's feedback) or 'hidden'").tag(config=True)
    assignments = Dict(help="per-assignment choices, e.g. {'05_losses': 'hidden'}").tag(config=True)

    def mode_for(self, assignment: str | None) -> str:
        """The choice that applies to ``assignment``."""
        chosen = self.assignments.get(assignment, self.mode)
        if chosen not in MODES:
            raise ValueError(f"FeedbackPolicy.assignments[{assignment!r}] is {chosen!r}; "
                             f"choose one of {MODES}")
        return chosen

    def preprocess(self, nb, resources):
        assignment = resources.get("nbgrader", {}).get("assignment")
        resources["dl_feedback"] = {"mode": self.mode_for(assignment)}
        resources.setdefault("outputs", {})[MATHJAX_FILE] = mathjax_source().read_bytes()
        if resources["dl_feedback"]["mode"] == "hidden":
            for cell in nb.cells:
                if _is_test(cell):
                    self._keep_hidden(cell)
        return nb, resources

    @staticmethod
    def _keep_hidden(cell) -> None:
        cell.source = hide_hidden_tests(cell.source)
        kept, passed = [], True
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                passed = False
                message = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
                kept.append({"output_type": "stream", "name": "stderr", "text": message + "\n"})
            else:
                kept.append(output)
        cell.outputs = [_verdict(cell, passed), *kept]


def configure(c) -> None:
    """Point nbgrader's feedback at this module: call it from the course's nbgrader_config.py."""
    import nbgrader
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    nbgrader_templates = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"
    c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, FeedbackPolicy]
    # nbgrader's feedback template, with templates/feedback/mathjax.html.j2 found first
    c.HTMLExporter.template_name = "feedback"
    c.HTMLExporter.extra_template_basedirs = [str(TEMPLATES), str(nbgrader_templates)]

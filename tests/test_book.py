"""The strict book build: every notebook executes, no warning, every page and figure is there."""

from __future__ import annotations

import re

import pytest

from tests.conftest import CHAPTERS

# All of this module shares one build (the fixture `built`, tests/conftest.py), so xdist keeps it
# on one worker, with the other modules of the group "book".
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("book")]


def test_build_has_no_warnings(built):
    _, log = built
    # Sphinx's warnings (which -W turns into errors) look like "file.ipynb:12: WARNING: ...".
    warnings = [line for line in log.splitlines() if re.search(r"(^|: )WARNING: ", line)]
    assert not warnings, "\n".join(warnings[:20])


def test_front_matter_and_bibliography(built):
    html, _ = built
    for page in ("index.html", "book/intro.html", "book/how_to_use.html", "book/bibliography.html"):
        assert (html / page).is_file(), page
    assert "Rosenblatt" in (html / "book" / "bibliography.html").read_text()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_page_shows_its_executed_outputs(built, chapter):
    html, _ = built
    page = (html / "chapters" / f"{chapter.stem}.html").read_text()
    assert re.search(r'<img[^>]+src="[^"]+\.png"', page), "no figure was rendered"
    assert "cell_output" in page
    assert "{glue" not in page, "a glued number was not resolved"
    assert "Traceback" not in page
    assert "colab.research.google.com" in page  # the launch button / badge

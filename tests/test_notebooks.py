"""Every notebook in git is clean, and every chapter follows the book's pattern."""

from __future__ import annotations

import re

import nbformat
import pytest
import yaml

from dl_course import colab
from tests.conftest import ASSIGNMENTS, CHAPTERS, COURSE, ROOT


def _toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part["chapters"]]
    return files


ALL_NOTEBOOKS = CHAPTERS + sorted(COURSE.glob("*/*/*.ipynb"))
# Chapters that have no graded exercise (the closing map of the book); every other one links its own.
WITHOUT_EXERCISE = {"23_where_next"}


def test_there_are_chapters_and_assignments():
    assert CHAPTERS, "no chapters found"
    assert ASSIGNMENTS, "no exercises found"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebooks_in_git_carry_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; strip them before committing"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
class TestChapterPattern:
    def test_title_and_colab_badge_first(self, path):
        first = nbformat.read(path, as_version=4).cells[0]
        assert first.cell_type == "markdown" and first.source.startswith("# ")
        assert colab.badge(f"chapters/{path.name}") in first.source

    def test_shared_setup_cell_second(self, path):
        second = nbformat.read(path, as_version=4).cells[1]
        assert second.cell_type == "code" and second.source == colab.SETUP_CELL

    def test_claims_asserted_in_removed_cells(self, path):
        cells = nbformat.read(path, as_version=4).cells
        claims = [c for c in cells if "remove-cell" in c.metadata.get("tags", [])]
        assert claims and all("assert" in c.source for c in claims)

    def test_links_its_released_exercise(self, path):
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        assignment = path.stem
        release = f"exercises/release/{assignment}/{assignment}.ipynb"
        if assignment in WITHOUT_EXERCISE:
            assert not (ROOT / "exercises" / "source" / assignment).exists(), (
                f"{path.name} has an exercise now: take it out of WITHOUT_EXERCISE and link it")
            assert "exercises/release/" not in text, f"{path.name} links an exercise it does not have"
            return
        assert (ROOT / release).is_file(), f"{path.name} has no released exercise at {release}"
        assert colab.exercise_links(assignment) in text, (
            f"{path.name}: send students to the exercise with the one block every chapter uses, "
            f"dl_course.colab.exercise_links({assignment!r}), verbatim in a markdown cell")

    def test_cites_papers_from_the_bibliography(self, path):
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        keys = set(re.findall(r"\{cite[pt]?\}`([^`]+)`", text))
        assert keys, f"{path.name} cites no paper"
        bib = (ROOT / "book" / "references.bib").read_text()
        for key in {k.strip() for group in keys for k in group.split(",")}:
            assert re.search(r"@\w+\{" + re.escape(key) + ",", bib), f"{key} is not in references.bib"

    def test_is_in_the_table_of_contents(self, path):
        assert f"chapters/{path.stem}" in _toc_files()


def test_chapters_without_exercise_are_chapters():
    assert WITHOUT_EXERCISE <= {path.stem for path in CHAPTERS}, WITHOUT_EXERCISE


def test_every_toc_entry_exists():
    for entry in _toc_files():
        assert any((ROOT / f"{entry}{ext}").is_file() for ext in (".md", ".ipynb")), entry

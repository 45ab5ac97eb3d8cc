"""The readers' edition (dl_course.readers): the build's numbers and readable references in place
of the roles, for Colab and JupyterLab; the built edition has no role left and still executes."""

from __future__ import annotations

import re

import nbformat
import pytest
from myst_nb.core.variables import format_plain_text

from dl_course.readers import (
    ANY_ROLE,
    GLUE_ROLE,
    build_edition,
    cite_text,
    format_glued,
    glued_values,
    load_references,
    readers_notebook,
)
from tests.conftest import CHAPTERS

# The edition test reuses the session's one book build (the fixture `built`), so the module runs
# on the worker of the group "book"; its other tests are fast.
pytestmark = pytest.mark.xdist_group("book")


@pytest.mark.parametrize("text, spec", [
    ("0.9731", ".1%"), ("18688", ",d"), ("5.3e-15", ".0e"), ("3.14159", ".2f"), ("'abc'", ""),
    ("12", "s"), ("2048128", ",.0f"), ("7", ".3g"),
])
def test_values_are_formatted_exactly_as_myst_nb_formats_them(text, spec):
    assert format_glued(text, spec) == format_plain_text(text, spec or "")


def test_citations_are_author_year_and_unknown_keys_fail():
    references = load_references()
    assert cite_text("elman1990finding", references) == "(Elman, 1990)"
    assert re.fullmatch(r"\(Elman, 1990; Bengio et al\., 1994\)",
                        cite_text("elman1990finding, bengio1994learning", references))
    with pytest.raises(KeyError, match="not an entry"):
        cite_text("nobody2099", references)


def _notebook(*markdown: str) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(text) for text in markdown]
    notebook.cells.append(nbformat.v4.new_code_cell("x = 1  # {glue:text}`not_a_role` in code"))
    return notebook


def test_every_role_is_resolved_and_the_works_cited_are_listed():
    source = _notebook("# Title", "Accuracy {glue:text}`acc:.1%`, loss {glue:text}`loss:.2f`, "
                       "as {cite}`elman1990finding` found; see the {term}`epoch`.")
    edition = readers_notebook(source, {"acc": "0.9731", "loss": "0.12345"}, load_references())
    text = edition.cells[1].source
    assert text == "Accuracy 97.3%, loss 0.12, as (Elman, 1990) found; see the epoch."
    assert "Readers' edition" in edition.cells[0].source
    assert edition.cells[-1].source.startswith("### Works cited") and "Elman (1990)" in edition.cells[-1].source
    assert edition.cells[2].source == source.cells[2].source  # code is unchanged
    assert "{glue" in source.cells[1].source  # the chapter itself is not modified


def test_a_missing_value_or_an_unknown_role_fails():
    with pytest.raises(KeyError, match="has no value"):
        readers_notebook(_notebook("{glue:text}`gone`"), {}, load_references())
    with pytest.raises(ValueError, match="cannot resolve"):
        readers_notebook(_notebook("{ref}`a-label`"), {}, load_references())


def test_glued_values_are_read_from_an_executed_notebook(tmp_path):
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("glue('acc', 0.5)")
    cell.outputs = [nbformat.v4.new_output(
        "display_data", data={"application/papermill.record/text/plain": "0.5"},
        metadata={"scrapbook": {"name": "acc", "mime_prefix": "application/papermill.record/"}})]
    notebook.cells = [cell]
    nbformat.write(notebook, tmp_path / "01.ipynb")
    assert glued_values(tmp_path / "01.ipynb") == {"acc": "0.5"}


@pytest.mark.slow
def test_the_edition_of_the_built_book_has_every_value_and_executes(built, tmp_path):
    """Reuses the session's one book build; writes the edition and runs its smallest chapter."""
    html, _ = built
    executed = html.parent / "jupyter_execute"
    written = build_edition(executed, tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in CHAPTERS)
    for chapter, edition_path in zip(sorted(CHAPTERS), sorted(written), strict=True):
        edition = nbformat.read(edition_path, as_version=4)
        prose = "\n".join(c.source for c in edition.cells if c.cell_type == "markdown")
        assert not ANY_ROLE.search(prose), f"{chapter.name}: a role is left"
        glue_file = executed / "chapters" / f"{chapter.stem}.glue.json"
        values = glued_values(glue_file if glue_file.is_file() else executed / "chapters" / chapter.name)
        source = nbformat.read(chapter, as_version=4)
        for cell in source.cells:
            if cell.cell_type == "markdown":
                for match in GLUE_ROLE.finditer(cell.source):
                    name, _, spec = match.group(1).partition(":")
                    assert format_glued(values[name], spec) in prose, f"{chapter.name}: {name}"
    from nbclient import NotebookClient

    smallest = min(written, key=lambda p: p.stat().st_size)
    notebook = nbformat.read(smallest, as_version=4)
    chapters = CHAPTERS[0].parent  # as the book runs them: relative paths from chapters/
    NotebookClient(notebook, timeout=300, resources={"metadata": {"path": str(chapters)}}).execute()

"""The readers' edition: every chapter as a notebook whose prose holds the build's numbers.

The book's Markdown carries computed numbers as ``{glue:text}`name:fmt``` roles and citations as
``{cite}`key``` roles; Jupyter Book renders them, but Colab and a plain JupyterLab show them raw.
This module writes each chapter again with every glue role replaced by the value the book's
build computed (formatted with the role's format spec, as myst-nb does), every cite role by an
author-year citation, every ``{term}`` role by its word, and a list of the works cited at the
end. The code cells are unchanged, so the edition still executes, and the seeds bring a reader's
re-run to the same numbers.

The values come from the build's executed notebooks: ``_build/jupyter_execute/chapters/NN.glue.json``
(written by myst-nb), or the glue outputs of an executed notebook. ``make readers`` builds the
edition into ``_build/readers/chapters/`` (see the README for where it is published).

    python -m dl_course.readers _build/jupyter_execute _build/readers
"""

from __future__ import annotations

import argparse
import json
import re
from ast import literal_eval
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from dl_course.buildbook import REPO_ROOT

__all__ = ["ANY_ROLE", "CITE_ROLE", "GLUE_ROLE", "TERM_ROLE", "Reference", "build_edition", "cite_text", "format_glued",
           "glued_values", "load_references", "main", "readers_notebook"]

GLUE_ROLE = re.compile(r"\{glue(?::text)?\}`([^`]+)`")
CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
TERM_ROLE = re.compile(r"\{term\}`([^`<]+?)(?:\s*<[^`>]+>)?`")
ANY_ROLE = re.compile(r"\{[a-z]+(?::[a-z]+)?\}`")
EDITION_NOTE = (
    "*Readers' edition: the numbers in this text are those of the book's own run, and the seeds "
    "bring yours to the same values. The rendered book is the reference.*"
)


class Reference:
    """One entry of ``book/references.bib``: what an author-year citation and the list need."""

    def __init__(self, key: str, authors: list[str], year: str, title: str, venue: str):
        self.key, self.authors, self.year, self.title, self.venue = key, authors, year, title, venue

    @property
    def cited(self) -> str:
        """``Elman, 1990``, ``Bengio and Frasconi, 1994`` or ``Vaswani et al., 2017``."""
        names = self.authors
        who = (names[0] if len(names) == 1 else f"{names[0]} and {names[1]}" if len(names) == 2
               else f"{names[0]} et al." if names else self.key)
        return f"{who}, {self.year}"

    @property
    def entry(self) -> str:
        """The line of the list of works cited."""
        venue = f" *{self.venue}*." if self.venue else ""
        return f"{', '.join(self.authors) or self.key} ({self.year}). {self.title}.{venue}"


def _clean(text: str) -> str:
    return " ".join(text.replace("{", "").replace("}", "").replace("\\&", "&").split())


def load_references(bib: Path = REPO_ROOT / "book" / "references.bib") -> dict[str, Reference]:
    """Every entry of the bibliography, by key."""
    from pybtex.database import parse_file

    data = parse_file(str(bib))
    references = {}
    for key, entry in data.entries.items():
        authors = [_clean(" ".join(person.last_names)) for person in entry.persons.get("author", [])]
        fields = entry.fields
        venue = fields.get("journal") or fields.get("booktitle") or fields.get("publisher") or ""
        references[key] = Reference(key, authors, _clean(fields.get("year", "n.d.")),
                                    _clean(fields.get("title", "")), _clean(venue))
    return references


def cite_text(keys: str, references: dict[str, Reference]) -> str:
    """``(Elman, 1990; Bengio et al., 1994)`` for the role text ``elman1990finding,bengio1994...``."""
    cited = []
    for key in (k.strip() for k in keys.split(",")):
        if key not in references:
            raise KeyError(f"{{cite}}`{key}` is not an entry of book/references.bib")
        cited.append(references[key].cited)
    return "(" + "; ".join(cited) + ")"


def format_glued(text: str, fmt_spec: str) -> str:
    """A glued value's text/plain as myst-nb's ``{glue:text}`` shows it with ``fmt_spec``."""
    try:
        value = literal_eval(text)
    except (SyntaxError, ValueError):
        value = text
    if fmt_spec == "":
        return str(value)
    kind = fmt_spec[-1]
    if kind == "s":
        value = str(value)
    elif kind in "bcdoxX":
        value = int(value)
    elif kind in "eEfFgGn%":
        value = float(value)
    return format(value, fmt_spec)


def glued_values(executed: Path) -> dict[str, str]:
    """The glued values (name -> text/plain) of one executed chapter.

    ``executed`` is the build's ``NN.glue.json`` or an executed ``.ipynb`` with glue outputs.
    """
    executed = Path(executed)
    if executed.suffix == ".json":
        outputs = json.loads(executed.read_text()).values()
    else:
        notebook = nbformat.read(executed, as_version=4)
        outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])
                   if "scrapbook" in o.get("metadata", {})]
    values = {}
    for output in outputs:
        name = output["metadata"]["scrapbook"]["name"]
        prefix = output["metadata"]["scrapbook"].get("mime_prefix", "")
        data = {key[len(prefix):] if key.startswith(prefix) else key: value
                for key, value in output["data"].items()}
        if "text/plain" in data:
            values[name] = data["text/plain"]
    return values


def readers_notebook(source: NotebookNode, glued: dict[str, str],
                     references: dict[str, Reference]) -> NotebookNode:
    """The chapter ``source`` with its roles resolved; raises if a value or a key is missing."""
    notebook = nbformat.from_dict(json.loads(json.dumps(source)))
    cited: list[str] = []

    def glue(match: re.Match) -> str:
        name, _, spec = match.group(1).partition(":")
        if name not in glued:
            raise KeyError(f"{{glue:text}}`{name}` has no value in the build's run")
        return format_glued(glued[name], spec)

    def cite(match: re.Match) -> str:
        cited.extend(k.strip() for k in match.group(1).split(",") if k.strip() not in cited)
        return cite_text(match.group(1), references)

    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        text = GLUE_ROLE.sub(glue, cell.source)
        text = CITE_ROLE.sub(cite, text)
        text = TERM_ROLE.sub(lambda m: m.group(1), text)
        left = ANY_ROLE.search(text)
        if left:
            raise ValueError(f"a role the readers' edition cannot resolve: {text[left.start():][:60]!r}")
        cell.source = text
    if notebook.cells and notebook.cells[0].cell_type == "markdown":
        notebook.cells[0].source += "\n\n" + EDITION_NOTE
    if cited:
        listing = "\n".join(f"- {references[key].entry}" for key in dict.fromkeys(cited))
        cell = nbformat.v4.new_markdown_cell(f"### Works cited\n\n{listing}")
        cell.id = "readers-works-cited"
        notebook.cells.append(cell)
    return notebook


def build_edition(executed_dir: Path, out_dir: Path, root: Path = REPO_ROOT) -> list[Path]:
    """Write the readers' edition of every chapter of ``root/chapters`` into ``out_dir/chapters``.

    ``executed_dir`` is the build's ``_build/jupyter_execute`` (or any folder with
    ``chapters/NN.glue.json`` or executed ``chapters/NN.ipynb``).
    """
    references = load_references(root / "book" / "references.bib")
    (Path(out_dir) / "chapters").mkdir(parents=True, exist_ok=True)
    written = []
    for chapter in sorted((root / "chapters").glob("[0-9][0-9]_*.ipynb")):
        glue_file = Path(executed_dir) / "chapters" / f"{chapter.stem}.glue.json"
        executed = glue_file if glue_file.is_file() else Path(executed_dir) / "chapters" / chapter.name
        if not executed.is_file():
            raise FileNotFoundError(f"no executed {chapter.name} in {executed_dir}: build the book first")
        try:
            edition = readers_notebook(nbformat.read(chapter, as_version=4),
                                       glued_values(executed), references)
        except (KeyError, ValueError) as error:
            raise ValueError(f"{chapter.name}: {error} (is the build older than the chapter?)") from error
        target = Path(out_dir) / "chapters" / chapter.name
        nbformat.write(edition, target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the readers' edition of the chapters.")
    parser.add_argument("executed", type=Path, nargs="?", default=REPO_ROOT / "_build" / "jupyter_execute",
                        help="the build's executed notebooks (_build/jupyter_execute)")
    parser.add_argument("out", type=Path, nargs="?", default=REPO_ROOT / "_build" / "readers")
    args = parser.parse_args(argv)
    written = build_edition(args.executed, args.out)
    print(f"wrote {len(written)} chapters into {args.out / 'chapters'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The book's own Sphinx extension mends what browsers report on Jupyter Book 1's pages."""

from __future__ import annotations

from sphinx.builders.html._assets import _JavaScript

from dl_course.offline_book import mend_page


def test_each_inline_script_is_kept_once():
    thebe = 'const THEBE_JS_URL = "x";'
    context = {"script_files": [_JavaScript(None, body=thebe), _JavaScript("_static/a.js"),
                                _JavaScript("", body=thebe), _JavaScript("_static/a.js"),
                                _JavaScript("", body="let other = 1;")]}
    mend_page(None, "index", "page.html", context, None)
    assert [str(s) for s in context["script_files"]] == [
        str(_JavaScript(None, body=thebe)), str(_JavaScript("_static/a.js")),
        str(_JavaScript("", body="let other = 1;"))]


def test_bibliography_entries_become_list_items():
    body = '<div role="list" class="citation-list"><div class="citation" role="doc-biblioentry">'
    context = {"body": body, "script_files": []}
    mend_page(None, "book/bibliography", "page.html", context, None)
    assert 'role="doc-biblioentry"' not in context["body"] and 'role="listitem"' in context["body"]

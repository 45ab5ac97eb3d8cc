"""A Sphinx extension that makes the built book work with no network.

Jupyter Book 1 loads its math renderer, MathJax 3, from a CDN, and every chapter's "Open in
Colab" badge is an image on Colab's site. With this extension (listed in ``_config.yml``):

- MathJax 3 ships with the book: the ``sphinx-mathjax-offline`` package (the ``book`` extra)
  copies MathJax's files, fonts included, into ``_static/mathjax`` and points the pages at them;
- the Colab badge's image is replaced, in the HTML only, by a copy that ships with the book
  (``book/_static/colab-badge.svg``); the notebooks keep Colab's own badge.

It also mends three things of Jupyter Book 1's pages that a browser reports as errors:

- sphinx-thebe's and sphinx-togglebutton's inline scripts are added twice to every page, and the
  second ``const THEBE_JS_URL`` is a JavaScript error: each script is kept once;
- on a reader's first visit the theme finds no colour mode stored and logs an error before it
  falls back to "auto": the page starts in "auto" itself;
- the bibliography is a ``role="list"`` whose entries have the role ``doc-biblioentry``, which
  assistive technology does not accept as list items (axe-core: aria-required-children): the
  entries become ``listitem``.

The browser tests (``tests/book/test_browser.py``) check the result with the network cut off.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.transforms import SphinxTransform

__all__ = ["COLAB_BADGE_IMAGE", "DEFAULT_MODE_SCRIPT", "LOCAL_BADGE", "LocalColabBadge", "mend_page", "setup"]

COLAB_BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
# An image path starting with "/" is relative to the book's source folder (the repository root).
LOCAL_BADGE = "/book/_static/colab-badge.svg"


class LocalColabBadge(SphinxTransform):
    """Point every image of Colab's badge at the copy that ships with the book."""

    default_priority = 100  # before Sphinx collects the images of the page

    def apply(self, **kwargs) -> None:
        for image in self.document.findall(nodes.image):
            if image.get("uri") == COLAB_BADGE_IMAGE:
                image["uri"] = LOCAL_BADGE
                image.get("candidates", {}).pop("?", None)


DEFAULT_MODE_SCRIPT = 'document.documentElement.dataset.mode ||= "auto";'


def _script_key(script: Any) -> tuple:
    return (getattr(script, "filename", str(script)) or "",  # None and "" both mean an inline script
            tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items())))


def mend_page(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Keep each script of the page once, and make the bibliography's entries list items."""
    seen, kept = set(), []
    for script in context.get("script_files", []):
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    if "script_files" in context:
        context["script_files"][:] = kept
    if "body" in context and 'role="doc-biblioentry"' in context["body"]:
        context["body"] = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app):
    app.setup_extension("sphinx-mathjax-offline")
    app.add_transform(LocalColabBadge)
    app.add_js_file(None, body=DEFAULT_MODE_SCRIPT, priority=1)
    app.connect("html-page-context", mend_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

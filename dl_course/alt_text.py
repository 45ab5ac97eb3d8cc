"""The book's output renderer: a figure's alt text, carried in its output's metadata, becomes the
``alt`` of the page's ``<img>``.

myst-nb takes an image's ``alt`` only from the cell's metadata. The chapters' figures carry theirs
in the output (``{"image/png": {"alt": ...}}``, written by :func:`dl_lib.book.register_alt_text`
from :func:`dl_lib.book.describe` or from the figure's titles and labels), so this renderer reads
it there too. It is registered under the entry point ``myst_nb.renderers: dl_book``
(``pyproject.toml``) and chosen by ``nb_render_plugin: dl_book`` in ``_config.yml``.
Everything else renders exactly as myst-nb's default renderer does.
"""

from __future__ import annotations

from typing import Any

from myst_nb.core.render import MimeData, NbElementRenderer

__all__ = ["AltTextRenderer", "output_alt_text"]


def output_alt_text(data: MimeData) -> str | None:
    """The alt text an image output carries in its metadata, or ``None``."""
    alt = data.output_metadata.get(data.mime_type, {}).get("alt")
    return " ".join(alt.split()) if isinstance(alt, str) and alt.strip() else None


class AltTextRenderer(NbElementRenderer):
    """myst-nb's renderer, with the alt text of an image output taken from its metadata.

    An ``alt`` set in the cell's metadata (myst-nb's ``image: alt:`` option) still wins.
    """

    def render_image(self, data: MimeData) -> list[Any]:
        nodes = super().render_image(data)
        alt = output_alt_text(data)
        if alt is not None:
            for node in nodes:
                if not node.get("alt"):
                    node["alt"] = alt
        return nodes

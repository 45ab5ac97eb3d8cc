"""Helpers for chapters that are also book pages."""

from __future__ import annotations

import sys
from typing import Any, TypeVar

import numpy as np
import torch

__all__ = ["alt_text", "describe", "glue", "plain", "register_alt_text"]

T = TypeVar("T")


def plain(value: Any) -> Any:
    """A NumPy scalar or a one-element tensor as the Python number it holds; anything else unchanged.

    The book formats glued numbers itself (``{glue:text}`acc:.1%```), which needs a Python
    number: a ``np.float64`` would reach the page as ``np.float64(0.97)``.
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    return value


def glue(name: str, value: T, fmt: str | None = None) -> T:
    r"""Hand a computed number to the book's prose and return it unchanged.

    In the Jupyter Book build, ``{glue:text}`name``` in a Markdown cell shows the value
    this run computed, so no number in the text is ever typed by hand. Where
    myst-nb is not installed (Colab, a bare JupyterLab) this only returns the value.

    Args:
        name: the key the prose refers to; letters, digits and underscores.
        value: the number, string or figure to glue.
        fmt: an optional format spec applied before gluing (``".1%"``, ``".3f"``);
            the prose may also format it itself (``{glue:text}`name:.2f```).
    """
    if not name.replace("_", "").isalnum():
        raise ValueError(f"glue name must use letters, digits and underscores, got {name!r}")
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        return value
    shown: Any = plain(value)
    shown = format(shown, fmt) if fmt else shown
    myst_glue(name, shown, display=False)
    return value


def describe(figure: Any, text: str) -> Any:
    """Attach the alternative text that says what ``figure`` shows, for readers who cannot see it.

    The book's pages use it as the image's ``alt`` text; a figure without one is described from
    its titles and axis labels. Returns the figure, so that ``describe(fig, "...")`` can end a cell.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"describe needs a non-empty text saying what the figure shows, got {text!r}")
    if not hasattr(figure, "savefig"):
        raise TypeError(f"describe expects a matplotlib figure, got {type(figure).__name__}")
    figure.alt_text = " ".join(text.split())
    return figure


def alt_text(figure: Any) -> str:
    """The alternative text of ``figure``: what :func:`describe` attached, else one made from its labels.

    A figure nobody described is described from its suptitle, its axes' titles and their axis
    labels: ``"Figure: Training loss. loss against epoch."``; a figure with none of these is
    ``"Figure with n panels."``, so that no image of the book is without alt text.
    """
    if not hasattr(figure, "savefig"):
        raise TypeError(f"alt_text expects a matplotlib figure, got {type(figure).__name__}")
    given = getattr(figure, "alt_text", None)
    if isinstance(given, str) and given.strip():
        return given
    parts: list[str] = []
    if figure.get_suptitle().strip():
        parts.append(figure.get_suptitle().strip())
    for axes in figure.get_axes():
        title = axes.get_title().strip()
        x_label, y_label = axes.get_xlabel().strip(), axes.get_ylabel().strip()
        labels = f"{y_label} against {x_label}" if x_label and y_label else x_label or y_label
        sentence = f"{title}: {labels}" if title and labels else title or labels
        if sentence:
            parts.append(sentence)
    if not parts:
        panels = len(figure.get_axes())
        return f"Figure with {panels} panel{'s' if panels != 1 else ''}."
    return "Figure: " + ". ".join(" ".join(part.split()) for part in parts) + "."


def register_alt_text(shell: Any = None) -> bool:
    """Make every figure a notebook displays carry its alt text in the output's metadata.

    IPython shows a matplotlib figure through its ``image/png`` formatter; this wraps that
    formatter so that it also returns ``{"alt": alt_text(figure)}`` as the image's metadata.
    The PNG itself is unchanged. The book's build (``dl_course.alt_text``) turns that metadata
    into the ``alt`` of the page's ``<img>``. Called by :func:`dl_lib.setup`; does nothing
    outside IPython. Returns whether a formatter was wrapped (calling it twice wraps once).
    """
    if shell is None:
        ipython = sys.modules.get("IPython")  # loaded in any notebook; never imported here
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    # pyplot loads its backend lazily; the inline backend registers its PNG formatter when
    # loaded, so load it now (no figure is open yet in a chapter's set-up cell).
    plt.switch_backend(matplotlib.get_backend())
    formatter = shell.display_formatter.formatters["image/png"]

    def wrap() -> bool:
        try:
            previous = formatter.lookup_by_type(Figure)
        except KeyError:  # a shell that does not draw figures inline
            return False
        if getattr(previous, "adds_alt_text", False):
            return True

        def png_with_alt_text(figure: Any) -> Any:
            data = previous(figure)
            if isinstance(data, tuple):  # already (data, metadata)
                data, metadata = data
                return data, {**(metadata or {}), "alt": alt_text(figure)}
            return None if data is None else (data, {"alt": alt_text(figure)})

        png_with_alt_text.adds_alt_text = True  # type: ignore[attr-defined]
        formatter.for_type(Figure, png_with_alt_text)
        return True

    # `%matplotlib inline` registers a fresh formatter: wrap it again after every cell, before
    # the inline backend shows the cell's figures (its hook is registered after this one).
    if not any(getattr(hook, "adds_alt_text", False) for hook in shell.events.callbacks["post_execute"]):
        def rewrap() -> None:
            wrap()

        rewrap.adds_alt_text = True  # type: ignore[attr-defined]
        shell.events.register("post_execute", rewrap)
    return wrap()

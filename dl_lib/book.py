"""Helpers for chapters that are also book pages."""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
import torch

__all__ = ["describe", "glue", "plain"]

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

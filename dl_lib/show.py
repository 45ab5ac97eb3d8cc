"""Show the source of the library's code inside the book, so the book never keeps a second copy."""

from __future__ import annotations

import inspect
import textwrap
from typing import Any

__all__ = ["HighlightedSource", "show", "source"]


def source(obj: Any) -> str:
    r"""The source code of a function, class, method or module, dedented.

    Raises:
        TypeError: when ``obj`` has no Python source (a built-in, a number, a tensor).
    """
    try:
        return textwrap.dedent(inspect.getsource(obj)).rstrip() + "\n"
    except (TypeError, OSError) as error:
        raise TypeError(
            f"show() needs a function, class, method or module written in Python, "
            f"got {type(obj).__name__}: {error}"
        ) from None


class HighlightedSource:
    """What ``show`` returns: a notebook renders it as highlighted HTML, a console as text."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __repr__(self) -> str:
        return self.code

    __str__ = __repr__

    def _repr_html_(self) -> str:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer

        formatter = HtmlFormatter(noclasses=True, style="default", nowrap=False)
        return highlight(self.code, PythonLexer(), formatter)


def show(obj: Any) -> HighlightedSource:
    r"""Display the source of ``obj``: highlighted in a notebook, plain text elsewhere.

    Chapters call ``dl_lib.show(dl_lib.nn.neuron.perceptron_step)`` rather than
    pasting library code, so what the reader sees is what the tests check.
    The returned object renders itself; ``str(show(f))`` is the plain source.
    """
    return HighlightedSource(source(obj))

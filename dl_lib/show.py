r"""Show the source of the library's code inside the book, so the book never keeps a second copy.

``show(f)`` displays what the tests check, not a copy of it. Two options keep the page on
the idea rather than the bookkeeping around it:

* ``docstring``: ``True`` shows the whole docstring, ``"summary"`` its first paragraph only,
  ``False`` none of it (the chapter's prose explains the function instead);
* ``checks``: ``False`` hides the argument checks (``if bad: raise ...``, ``assert ...``,
  calls to ``check_*`` / ``validate_*`` helpers) and says so in one comment line.

``show(f, compact=True)`` is the short form of ``docstring="summary", checks=False``.
Whatever is shown is made readable: the reStructuredText of the docstrings
(``:math:`\eta```, ``:func:`f```, double back quotes, ``.. math::`` blocks) is rendered as plain
text with Unicode symbols (``η``), so the reader never sees raw markup. ``source(f)`` is the
exact, unchanged source.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from typing import Any

__all__ = ["HighlightedSource", "latex_to_text", "readable_docstring", "show", "source"]

CHECKS_NOTE = "# (checks of the arguments not shown)"
DOCSTRING_CHOICES = (True, False, "summary")
# Calls that only validate: a statement ``check_shape(x, ...)`` is an argument check.
CHECK_CALL = re.compile(r"^_*(check|validate|require|ensure)(_|$)")


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
        from a11y_pygments.a11y_light.style import Theme  # colours with WCAG AA contrast
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer

        formatter = HtmlFormatter(noclasses=True, style=Theme, nowrap=False)
        return highlight(self.code, PythonLexer(), formatter)


def show(
    obj: Any,
    *,
    docstring: bool | str = True,
    checks: bool = True,
    compact: bool = False,
) -> HighlightedSource:
    r"""Display the source of ``obj``: highlighted in a notebook, plain text elsewhere.

    Chapters call ``dl_lib.show(dl_lib.nn.neuron.perceptron_step)`` rather than
    pasting library code, so what the reader sees is what the tests check.
    The returned object renders itself; ``str(show(f))`` is the code shown.

    Args:
        obj: a function, class, method or module written in Python.
        docstring: True (all of it), ``"summary"`` (its first paragraph) or False (none).
        checks: False hides the statements that only check the arguments.
        compact: shorthand for ``docstring="summary", checks=False``.

    Returns:
        A :class:`HighlightedSource`, whose docstrings are rendered readably (no raw
        reStructuredText roles or LaTeX commands).

    Raises:
        TypeError: when ``obj`` has no Python source.
        ValueError: for a ``docstring`` other than True, False or ``"summary"``, or
            ``compact=True`` together with another option.
    """
    if not any(docstring is choice or docstring == choice for choice in DOCSTRING_CHOICES):
        raise ValueError(f"show(docstring=...) takes True, False or 'summary', got {docstring!r}")
    if not isinstance(checks, bool) or not isinstance(compact, bool):
        raise ValueError(
            f"show(checks=..., compact=...) take True or False, got {checks!r}, {compact!r}"
        )
    if compact:
        if docstring is not True or checks is not True:
            raise ValueError("show(compact=True) sets docstring and checks itself: pass one or the other")
        docstring, checks = "summary", False
    return HighlightedSource(trim(source(obj), docstring=docstring, checks=checks))


# ----------------------------------------------------------------------------- trimming the code


def trim(code: str, *, docstring: bool | str = True, checks: bool = True) -> str:
    """``code`` with its docstrings rendered (or cut) and, if asked, its argument checks removed."""
    lines = code.splitlines()
    tree = ast.parse(code)
    drop: set[int] = set()  # 0-based line numbers to remove
    replace: dict[int, list[str]] = {}  # first line of a docstring -> the lines shown instead
    notes: dict[int, str] = {}  # line after which the checks note goes -> its indentation
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        body = node.body
        if body and _is_docstring(body[0]):
            first, last = body[0].lineno - 1, body[0].end_lineno - 1
            shown = _docstring_lines(lines[first : last + 1], docstring)
            drop.update(range(first, last + 1))
            if not shown and len(body) == 1 and not isinstance(node, ast.Module):
                shown = [_indent(lines[first]) + "..."]  # a class that is only its docstring
            if shown:
                replace[first] = shown
        if not checks and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            removed = _remove_checks(body, lines)
            if removed:
                drop.update(removed)
                start = body[0]
                after = (start.lineno - 2 if not _is_docstring(start) else start.end_lineno - 1)
                indent = _indent(lines[start.lineno - 1])
                notes[after] = indent
    if docstring is True and checks:  # only the docstrings' markup changes
        for first, shown in replace.items():
            lines[first] = "\n".join(shown)
        return "\n".join(line for number, line in enumerate(lines)
                         if number in replace or number not in drop) + "\n"
    kept = []
    for number, line in enumerate(lines):
        if number in replace:
            kept += replace[number]
        elif number not in drop:
            kept.append(line)
        if number in notes:
            kept.append(notes[number] + CHECKS_NOTE)
    return _tidy_blank_lines(kept)


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _docstring_lines(raw: list[str], docstring: bool | str) -> list[str]:
    """The docstring's source lines as shown: all, the first paragraph, or none; readable."""
    if docstring is False:
        return []
    text = "\n".join(raw)
    indent = _indent(raw[0])
    match = re.match(r'\s*([rRuUbB]*)("""|\'\'\'|"|\')', text)
    quote = match.group(2)
    inner = text[match.end() : text.rstrip().rfind(quote)]
    body = readable_docstring(inner)
    if docstring == "summary":
        paragraph = re.split(r"\n\s*\n", body.strip("\n"), maxsplit=1)[0]
        body = paragraph.strip()
        if "\n" in body:
            body += "\n" + indent
    prefix = match.group(1)
    if body != inner and "\\" not in body:
        prefix = prefix.replace("r", "").replace("R", "")  # rendered: no backslash is left
    return f"{indent}{prefix}{quote}{body}{quote}".splitlines()


def _is_raise_block(statements: list[ast.stmt]) -> bool:
    """A block that ends in ``raise`` and does nothing else that matters (checks only)."""
    return bool(statements) and all(isinstance(s, ast.Raise) or _is_check(s) for s in statements)


def _is_check(statement: ast.stmt) -> bool:
    """True for a statement whose only effect is to refuse bad arguments."""
    if isinstance(statement, ast.Assert):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        function = statement.value.func
        name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")
        return bool(CHECK_CALL.match(name))
    if isinstance(statement, ast.If):
        body_ok = _is_raise_block(statement.body)
        else_ok = not statement.orelse or all(
            isinstance(s, ast.Raise) or _is_check(s) for s in statement.orelse
        )
        return body_ok and else_ok
    if isinstance(statement, (ast.For, ast.While)):
        return not statement.orelse and all(_is_check(s) for s in statement.body)
    return False


def _with_comments_above(first: int, lines: list[str]) -> int:
    """Move ``first`` up over comment lines directly above it, at the same indentation."""
    indent = _indent(lines[first])
    while first > 0 and lines[first - 1].strip().startswith("#"):
        if _indent(lines[first - 1]) != indent:
            break
        first -= 1
    return first


def _remove_checks(body: list[ast.stmt], lines: list[str]) -> set[int]:
    """Line numbers (0-based) of the argument checks in ``body`` and its nested blocks."""
    removed: set[int] = set()
    removable = [s for s in body if _is_check(s) and not _is_docstring(s)]
    if len(removable) == len([s for s in body if not _is_docstring(s)]):
        return removed  # a block of checks only (or empty): leave it, it must keep a body
    for statement in body:
        if statement in removable:
            first = _with_comments_above(statement.lineno - 1, lines)
            removed.update(range(first, statement.end_lineno))
            continue
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue  # nested definitions are trimmed on their own
        for field in ("body", "orelse", "finalbody"):
            block = getattr(statement, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                if field == "orelse" and isinstance(statement, ast.If):
                    removed |= _remove_else_checks(statement, lines)
                else:
                    removed |= _remove_checks(block, lines)
        for handler in getattr(statement, "handlers", []):
            removed |= _remove_checks(handler.body, lines)
    return removed


def _remove_else_checks(statement: ast.If, lines: list[str]) -> set[int]:
    """Remove an ``elif bad: raise`` or ``else: raise`` branch; other branches are kept."""
    orelse = statement.orelse
    head = orelse[0].lineno - 1
    is_elif = len(orelse) == 1 and isinstance(orelse[0], ast.If) and lines[head].lstrip().startswith("elif")
    if is_elif:
        branch = orelse[0]
        if _is_raise_block(branch.body):
            end = branch.orelse[0].lineno - 2 if branch.orelse else branch.end_lineno - 1
            if branch.orelse and not lines[end + 1].lstrip().startswith(("elif", "else")):
                end = _else_line(branch.orelse[0].lineno - 1, lines) - 1
            removed = set(range(head, end + 1))
            if branch.orelse:
                removed |= _remove_else_checks(branch, lines)
            else:
                removed |= set()
            return removed
        removed = _remove_checks(branch.body, lines)
        if branch.orelse:
            removed |= _remove_else_checks(branch, lines)
        return removed
    if all(isinstance(s, ast.Raise) or _is_check(s) for s in orelse):
        else_line = _else_line(head, lines)
        return set(range(else_line, statement.end_lineno))
    return _remove_checks(orelse, lines)


def _else_line(first_of_block: int, lines: list[str]) -> int:
    """The ``else:`` line that opens the block starting at ``first_of_block`` (0-based)."""
    number = first_of_block
    while number > 0 and not lines[number].lstrip().startswith(("else", "elif")):
        number -= 1
    return number


def _tidy_blank_lines(lines: list[str]) -> str:
    """Join ``lines``: no blank line right after a ``def``/``class`` header or a doubled one."""
    out: list[str] = []
    for line in lines:
        if not line.strip():
            if not out or not out[-1].strip() or out[-1].rstrip().endswith(":"):
                continue
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- readable reStructuredText


ROLE = re.compile(r":(?:py:)?([a-z]+):`([^`]*)`")
LITERAL = re.compile(r"``(.+?)``(?!`)", re.DOTALL)
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
# $x$ in Markdown style; not a price: "$200 or $300" has no closing $ next to a non-space.
DOLLAR_MATH = re.compile(r"(?<![\w$])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\w$])")


def readable_docstring(text: str) -> str:
    r"""A docstring's reStructuredText rendered as plain text a reader can read in code.

    ``:math:`\eta \ge 0``` becomes ``η ≥ 0``, ``:func:`~dl_lib.show``` becomes ``show``,
    double back quotes become single ones and a ``.. math::`` block becomes its formula,
    rendered, indented under the text it follows.
    """
    lines = text.split("\n")
    out: list[str] = []
    number = 0
    while number < len(lines):
        line = lines[number]
        directive = re.match(r"^(\s*)\.\. math::\s*(.*)$", line)
        if not directive:
            out.append(line)
            number += 1
            continue
        indent = directive.group(1)
        formula = [directive.group(2)] if directive.group(2).strip() else []
        number += 1
        while number < len(lines) and (
            not lines[number].strip() or len(_indent(lines[number])) > len(indent)
        ):
            formula.append(lines[number])
            number += 1
        blanks_after = 0
        while formula and not formula[-1].strip():
            formula.pop()
            blanks_after += 1
        while formula and not formula[0].strip():
            formula.pop(0)
        for part in formula:
            rendered = latex_to_text(part.strip().rstrip("\\").strip())
            if rendered:
                out.append(f"{indent}    {rendered}")
        out += [""] * blanks_after
    return _inline("\n".join(out))


def _inline(text: str) -> str:
    """Render the roles and literals of ``text``; a role may run over several lines."""
    literals: list[str] = []

    def keep(match: re.Match[str]) -> str:
        literals.append(f"`{match.group(1)}`")
        return f"\x02{len(literals) - 1}\x03"

    def math(content: str) -> str:
        parts = re.split(r"(\n[ \t]*)", content)  # keep the docstring's line breaks
        return "".join(part if part.startswith("\n") else latex_to_text(part) for part in parts)

    def role(match: re.Match[str]) -> str:
        kind, content = match.group(1), match.group(2)
        if kind == "math":
            return math(content)
        if "<" in content and content.endswith(">"):
            return content.split("<")[0].strip()  # :ref:`text <target>`
        return content.lstrip("~").split(".")[-1] if content.startswith("~") else content

    text = LITERAL.sub(keep, text)
    text = ROLE.sub(role, text)
    text = DISPLAY_MATH.sub(lambda match: math(match.group(1)), text)
    text = DOLLAR_MATH.sub(lambda match: math(match.group(1)), text)
    return re.sub("\x02(\\d+)\x03", lambda match: literals[int(match.group(1))], text)


GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ",
    "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
SYMBOLS = {
    **GREEK,
    "ell": "ℓ", "ge": "≥", "geq": "≥", "le": "≤", "leq": "≤", "ne": "≠", "neq": "≠",
    "approx": "≈", "sim": "∼", "propto": "∝", "cdot": "·", "times": "×", "odot": "⊙",
    "otimes": "⊗", "oplus": "⊕", "in": "∈", "notin": "∉", "subset": "⊂", "sum": "Σ",
    "prod": "Π", "int": "∫", "partial": "∂", "nabla": "∇", "infty": "∞", "leftarrow": "←",
    "gets": "←", "rightarrow": "→", "to": "→", "Rightarrow": "⇒", "Leftrightarrow": "⇔",
    "mapsto": "↦", "mid": "|", "lVert": "‖", "rVert": "‖", "Vert": "‖", "|": "‖",
    "lvert": "|", "rvert": "|", "vert": "|", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈",
    "rceil": "⌉", "langle": "⟨", "rangle": "⟩", "dots": "…", "ldots": "…", "cdots": "⋯",
    "top": "⊤", "star": "⋆", "ast": "∗", "pm": "±", "mp": "∓", "forall": "∀",
    "exists": "∃", "neg": "¬", "land": "∧", "lor": "∨", "cup": "∪", "cap": "∩",
    "emptyset": "∅", "circ": "∘", "{": "{", "}": "}", "%": "%", "_": "_", "#": "#",
    "&": "&", "$": "$", "lbrace": "{", "rbrace": "}", "quad": "\x00", "qquad": "\x00",
    ",": " ", ";": " ", ":": " ", " ": " ", "!": "", "\\": " ",
}
WORDS = {
    "log", "ln", "exp", "sin", "cos", "tan", "tanh", "sinh", "cosh", "max", "min", "arg",
    "argmax", "argmin", "lim", "det", "tr", "sup", "inf", "sign", "Pr", "dim", "ker",
}
IGNORED = {
    "left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big", "biggl", "biggr",
    "displaystyle", "textstyle", "limits", "nolimits",
}
FONTS = {
    "mathbf", "boldsymbol", "bm", "mathrm", "text", "textrm", "textbf", "textit",
    "operatorname", "mathit", "mathsf", "mathtt", "texttt", "mathrel", "mathop", "mbox",
}
ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0304",
           "tilde": "\u0303", "widetilde": "\u0303", "dot": "\u0307", "vec": "\u20d7"}
CALLIGRAPHIC = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "𝒜ℬ𝒞𝒟ℰℱ𝒢ℋℐ𝒥𝒦ℒℳ𝒩𝒪𝒫𝒬ℛ𝒮𝒯𝒰𝒱𝒲𝒳𝒴𝒵", strict=True))
BLACKBOARD = {"E": "𝔼", "R": "ℝ", "N": "ℕ", "Z": "ℤ", "P": "ℙ", "Q": "ℚ", "C": "ℂ", "1": "𝟙"}
SUPERSCRIPT = dict(zip("0123456789+-=()nitT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵗᵀ", strict=True))
SUPERSCRIPT.update({"⊤": "ᵀ", "∗": "*", "⋆": "*", "′": "′"})
SUBSCRIPT = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))


def latex_to_text(latex: str) -> str:
    r"""A LaTeX formula as plain Unicode text: ``\hat{\mathbf{v}}_t`` becomes ``v̂ₜ``.

    Covers what the library's docstrings use (Greek letters, operators, fonts, accents,
    fractions, roots, sub- and superscripts); an unknown command loses its backslash.
    """
    text, _ = _convert(latex, 0, closing=None)
    text = re.sub(r" {2,}", " ", text).replace("\x00", "  ")
    text = re.sub(r"\b(" + "|".join(sorted(WORDS)) + r") (?=[(\[_^])", r"\1", text)
    text = re.sub(r"([∂∇]) (?=\w)", r"\1", text)
    return re.sub(r"\s+([,.;)])", r"\1", text).strip()


def _argument(latex: str, position: int) -> tuple[str, int]:
    """The converted argument at ``position``: a braced group, a command or one character."""
    while position < len(latex) and latex[position] == " ":
        position += 1
    if position >= len(latex):
        return "", position
    if latex[position] == "{":
        return _convert(latex, position + 1, closing="}")
    if latex[position] == "\\":
        return _command(latex, position)
    return latex[position], position + 1


def _raw_group(latex: str, position: int) -> tuple[str, int]:
    """The unconverted text of the braced group at ``position`` (for ``\\text{...}``)."""
    while position < len(latex) and latex[position] == " ":
        position += 1
    if position >= len(latex) or latex[position] != "{":
        return _argument(latex, position)
    depth, start = 0, position
    for end in range(position, len(latex)):
        depth += {"{": 1, "}": -1}.get(latex[end], 0)
        if depth == 0:
            return latex[start + 1 : end], end + 1
    return latex[start + 1 :], len(latex)


def _grouped(text: str) -> str:
    """Parenthesize ``text`` for a fraction or a root unless it is one simple term."""
    text = re.sub(r"([∂∇]) (?=\w)", r"\1", text)
    simple = r"[\w.′∂∇\u0302\u0303\u0304\u0307\u20d7]+|√?\([^()]*\)|√[\w.]+|\[[^\[\]]*\]"
    return text if re.fullmatch(simple, text) else f"({text})"


def _script(text: str, table: dict[str, str], mark: str) -> str:
    if text and all(c in table for c in text):
        return "".join(table[c] for c in text)
    return mark + (text if len(text) == 1 else f"({text})")


def _command(latex: str, position: int) -> tuple[str, int]:
    """Convert the command starting at the backslash at ``position``."""
    match = re.match(r"\\([A-Za-z]+|.)", latex[position:])
    if match is None:
        return "", position + 1
    name, position = match.group(1), position + match.end()
    if name in FONTS:
        if name.startswith("text") or name in {"mbox", "operatorname"}:
            raw, position = _raw_group(latex, position)
            return latex_to_text(raw.replace("\\_", "_")) if "\\" in raw else raw, position
        return _argument(latex, position)
    if name in ("mathcal", "mathscr"):
        argument, position = _argument(latex, position)
        return "".join(CALLIGRAPHIC.get(c, c) for c in argument), position
    if name == "mathbb":
        argument, position = _argument(latex, position)
        return "".join(BLACKBOARD.get(c, c) for c in argument), position
    if name in ACCENTS:
        argument, position = _argument(latex, position)
        if len(argument) == 1:
            return argument + ACCENTS[name], position
        return f"{name}({argument})", position
    if name in ("frac", "tfrac", "dfrac"):
        numerator, position = _argument(latex, position)
        denominator, position = _argument(latex, position)
        return f"{_grouped(numerator)}/{_grouped(denominator)}", position
    if name == "sqrt":
        argument, position = _argument(latex, position)
        return f"√{_grouped(argument)}", position
    if name in ("begin", "end"):
        _, position = _raw_group(latex, position)
        return "", position
    if name in IGNORED:
        return "", position
    if name in WORDS:
        return f"{name} ", position
    return SYMBOLS.get(name, name), position


def _convert(latex: str, position: int, closing: str | None) -> tuple[str, int]:
    out: list[str] = []
    while position < len(latex):
        char = latex[position]
        if closing is not None and char == closing:
            return "".join(out), position + 1
        if char == "\\":
            text, position = _command(latex, position)
            out.append(text)
        elif char == "{":
            text, position = _convert(latex, position + 1, closing="}")
            out.append(text)
        elif char in "^_":
            argument, position = _argument(latex, position + 1)
            argument = argument.strip()
            if char == "^":
                out.append(_script(argument, SUPERSCRIPT, "^"))
            else:
                out.append(_script(argument, SUBSCRIPT, "_"))
        elif char == "&":
            position += 1
        elif char == "~":
            out.append(" ")
            position += 1
        else:
            out.append(char)
            position += 1
    return "".join(out), position

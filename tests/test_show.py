import inspect

import pytest

import dl_lib
from dl_lib.device import set_seed
from dl_lib.show import source


def test_show_gives_the_exact_source():
    shown = dl_lib.show(set_seed)
    assert str(shown).startswith("def set_seed(seed: int")
    assert "torch.manual_seed(seed)" in str(shown)
    assert repr(shown) == str(shown) == source(set_seed)


def test_show_highlights_in_notebooks():
    html = dl_lib.show(set_seed)._repr_html_()
    assert "<span" in html and "set_seed" in html


def test_show_dedents_methods():
    from dl_lib.show import HighlightedSource

    assert str(dl_lib.show(HighlightedSource.__repr__)).startswith("def __repr__")


@pytest.mark.parametrize("thing", [len, 3, "text"])
def test_show_refuses_objects_without_python_source(thing):
    with pytest.raises(TypeError, match="show"):
        dl_lib.show(thing)


def test_show_keeps_the_body_indented():
    from dl_lib.device import mps_available

    lines = str(dl_lib.show(mps_available)).splitlines()
    assert lines[0].startswith("def mps_available")
    assert all(line.startswith("    ") for line in lines[1:] if line.strip())


# ------------------------------------------------------------ options: docstring, checks, compact

import ast  # noqa: E402

import torch  # noqa: E402

from dl_lib.nn import batch_norm  # noqa: E402
from dl_lib.show import CHECKS_NOTE, latex_to_text, readable_docstring  # noqa: E402


def guarded(x, scale=1.0, mode="sum"):
    r"""Scale and reduce ``x``: :math:`\eta \sum_i x_i`.

    A second paragraph that only the full docstring shows.
    """
    # refuse what cannot be reduced
    if x.dim() == 0:
        raise ValueError("guarded needs at least one dimension")
    assert scale > 0, "scale must be positive"
    check_mode(mode)
    for name in ("sum", "mean"):
        if name == mode and not x.numel():
            raise ValueError("nothing to reduce")
    if mode == "sum":
        total = x.sum()  # the core
    elif mode not in ("sum", "mean"):
        raise ValueError(f"unknown mode {mode}")
    else:
        total = x.mean()
    if total.isnan():
        raise ValueError("nan")
    else:
        result = scale * total
    return result


def check_mode(mode):
    if mode not in ("sum", "mean"):
        raise ValueError(mode)


class OnlyADocstring:
    """Nothing but words."""


def test_default_show_keeps_every_line_of_code():
    shown = str(dl_lib.show(guarded))
    code = source(guarded)
    body = lambda text: text.split('"""')[-1]  # noqa: E731  the code after the docstring
    assert body(shown) == body(code)
    assert shown.count("raise") == code.count("raise") == 4


def test_show_renders_restructured_text_readably():
    shown = str(dl_lib.show(guarded))
    assert ":math:" not in shown and "``" not in shown and "\\eta" not in shown
    assert "Scale and reduce `x`: η Σᵢ xᵢ." in shown


def test_batch_norm_shows_without_raw_markup():
    shown = str(dl_lib.show(batch_norm))
    assert ":math:" not in shown and ".. math::" not in shown
    assert "x̂ = (x - μ_c)/√(σ_c² + ε)" in shown


def test_docstring_false_and_summary():
    without = str(dl_lib.show(guarded, docstring=False))
    assert '"""' not in without and "Scale" not in without
    assert without.splitlines()[1].strip() == "# refuse what cannot be reduced"
    summary = str(dl_lib.show(guarded, docstring="summary"))
    assert '"""Scale and reduce `x`: η Σᵢ xᵢ."""' in summary
    assert "second paragraph" not in summary
    assert str(dl_lib.show(OnlyADocstring, docstring=False)).splitlines() == [
        "class OnlyADocstring:",
        "    ...",
    ]


def test_checks_false_removes_every_check_and_keeps_the_core():
    shown = str(dl_lib.show(guarded, checks=False))
    ast.parse(shown)
    assert shown.count("raise") == 1 and "assert" not in shown and "check_mode" not in shown
    assert "refuse what cannot" not in shown and "for name in" not in shown
    assert shown.count(CHECKS_NOTE) == 1
    for line in ("total = x.sum()  # the core", "else:", "total = x.mean()",
                 "result = scale * total"):
        assert line in shown
    assert "elif" not in shown
    # A check whose ``else`` holds code stays: hiding it would re-indent the code.
    assert 'if total.isnan():\n        raise ValueError("nan")\n    else:' in shown


def test_batch_norm_without_checks_is_short_and_computes_the_same():
    full = str(dl_lib.show(batch_norm))
    core = str(dl_lib.show(batch_norm, docstring=False, checks=False))
    assert "raise" not in core and "raise" in full
    assert len(core.splitlines()) < 32 < 60 < len(full.splitlines())
    namespace = {"torch": torch, "Tensor": torch.Tensor}
    exec(compile(core, "<shown>", "exec"), namespace)  # the shown code runs as it is
    x = torch.randn(8, 3, 5, dtype=torch.float64)
    weight, bias = torch.rand(3, dtype=torch.float64), torch.randn(3, dtype=torch.float64)
    for training in (True, False):
        ours = [torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)]
        shown = [t.clone() for t in ours]
        expected = batch_norm(x, *ours, weight, bias, training=training)
        got = namespace["batch_norm"](x, *shown, weight, bias, training=training)
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)
        torch.testing.assert_close(shown, ours, rtol=0, atol=1e-12)


def test_compact_is_summary_without_checks():
    compact = str(dl_lib.show(batch_norm, compact=True))
    assert compact == str(dl_lib.show(batch_norm, docstring="summary", checks=False))
    assert compact.splitlines()[10].strip().startswith('"""Normalize `x` per feature')


def test_every_library_function_shows_as_valid_python_in_every_form():
    import importlib

    shown = 0
    names = ("nn", "optim", "autograd")
    for module in (importlib.import_module(f"dl_lib.{name}") for name in names):
        for name in getattr(module, "__all__", []):
            thing = getattr(module, name)
            if not (inspect.isfunction(thing) or inspect.isclass(thing)):
                continue
            for options in ({}, {"compact": True}, {"docstring": False, "checks": False}):
                ast.parse(str(dl_lib.show(thing, **options)))
                shown += 1
    assert shown > 200


@pytest.mark.parametrize(
    "options, message",
    [({"docstring": "short"}, "docstring"), ({"checks": "no"}, "checks"),
     ({"compact": True, "checks": False}, "compact")],
)
def test_show_refuses_bad_options(options, message):
    with pytest.raises(ValueError, match=message):
        dl_lib.show(set_seed, **options)


@pytest.mark.parametrize(
    "latex, text",
    [
        (r"\hat{\mathbf{v}}_t", "v̂ₜ"),
        (r"\mathbf{w}_{t+1} = \mathbf{w}_t - \eta \, \nabla L(\mathbf{w}_t)",
         "wₜ₊₁ = wₜ - η ∇L(wₜ)"),
        (r"\log\left(1 + e^{-|z|}\right)", "log(1 + e^(-|z|))"),
        (r"\frac{\partial L}{\partial a}", "∂L/∂a"),
        (r"\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}", "(x - μ)/√(σ² + ε)"),
        (r"\mathbb{E}\,\lVert \mathbf{g} \rVert^2", "𝔼 ‖ g ‖²"),
        (r"\mathcal{L} = -\tfrac12 \mathbf{y}^\top K^{-1} \mathbf{y}", "ℒ = -1/2 yᵀ K⁻¹ y"),
        (r"H(z) = 1 \text{ if } z \ge 0", "H(z) = 1 if z ≥ 0"),
        (r"\bar v", "v̄"),
    ],
)
def test_latex_to_text(latex, text):
    assert latex_to_text(latex) == text


def test_readable_docstring_renders_math_blocks_and_roles():
    text = "Summary with :func:`~dl_lib.show` and ``code``.\n\n.. math::\n\n    y = \\alpha x\n"
    assert readable_docstring(text) == "Summary with show and `code`.\n\n    y = α x\n"

r"""Attribution methods: which input features (pixels) a network's output depends on.

Each function takes a classifier ``model`` (inputs ``(N, ...)`` to scores ``(N, K)``), a
batch ``X`` and the class to explain, ``target`` (an int for the whole batch or one
index per example), and returns attributions of the shape of ``X`` (Grad-CAM: of the
layer's spatial shape).

- `saliency`: the gradient of the class score, :math:`|\partial F_c / \partial x|`.
- `gradient_x_input`: the gradient times the input, :math:`x \odot \partial F_c /
  \partial x`.
- `integrated_gradients`: the gradient averaged along the straight path from a baseline
  to the input, times the difference; `completeness_gap` checks that the attributions
  add up to :math:`F_c(x) - F_c(x')`.
- `occlusion`: how much the score drops when a window of the input is replaced by a
  baseline.
- `grad_cam`: a convolutional layer's feature maps weighted by their mean gradient.
- `rank_correlation`: Spearman's correlation between two attribution maps, per example,
  for the model-randomization sanity check.

The model is used as it is: put it in ``eval()`` mode first. No parameter gradient is
    touched.
Each method has a counterpart in Captum, PyTorch's interpretability library
(``Saliency``, ``InputXGradient``, ``IntegratedGradients``, ``Occlusion``,
``LayerGradCam``); the tests check that they agree.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

__all__ = [
    "completeness_gap",
    "grad_cam",
    "gradient_x_input",
    "integrated_gradients",
    "occlusion",
    "path_weights",
    "rank_correlation",
    "saliency",
]

PATH_METHODS = (
    "riemann_left",
    "riemann_right",
    "riemann_middle",
    "riemann_trapezoid",
    "gausslegendre",
)


def _check_inputs(
    caller: str, model: nn.Module, X: Tensor, target: int | Tensor
) -> Tensor:
    """Validate ``X`` and ``target``; return the target as a LongTensor (N,)."""
    if not isinstance(X, Tensor) or not X.is_floating_point() or X.dim() < 2:
        shape = tuple(X.shape) if isinstance(X, Tensor) else type(X).__name__
        raise ValueError(
            f"{caller} expects X, a floating-point batch of shape (N, ...), got {shape}"
        )
    if not callable(model):
        raise TypeError(
            f"{caller} expects a callable model, got {type(model).__name__}"
        )
    N = X.shape[0]
    target = torch.as_tensor(target, device=X.device)
    if target.dtype not in (torch.int64, torch.int32) or target.dim() > 1:
        raise ValueError(
            f"{caller}: target must be an int or an integer tensor of shape (N,), "
            f"got {target}"
        )
    if target.dim() == 1 and target.shape[0] != N:
        raise ValueError(
            f"{caller}: target has {target.shape[0]} entries for a batch of {N}"
        )
    return target.long().expand(N)


def _class_score(model: nn.Module, X: Tensor, target: Tensor) -> Tensor:
    """The score of the target class of each example, shape (N,)."""
    scores = model(X)  # (N, K)
    if scores.dim() != 2:
        raise ValueError(
            f"the model must return scores of shape (N, K), got {tuple(scores.shape)}"
        )
    if int(target.min()) < 0 or int(target.max()) >= scores.shape[1]:
        raise ValueError(
            f"target must lie in [0, {scores.shape[1] - 1}], got {target.tolist()}"
        )
    return scores.gather(1, target[:, None])[:, 0]


def _input_gradient(model: nn.Module, X: Tensor, target: Tensor) -> Tensor:
    """d score_target / d X for every example, in one backward pass."""
    X = X.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(_class_score(model, X, target).sum(), X)
    return grad


def saliency(
    model: nn.Module, X: Tensor, target: int | Tensor, abs: bool = True
) -> Tensor:
    r"""Gradient saliency, :math:`|\partial F_c / \partial x|` (Simonyan et al., 2014).

    Args:
        model: maps ``X`` to class scores ``(N, K)`` (logits).
        X: the inputs, ``(N, ...)``.
        target: the class ``c`` to explain: an int, or a tensor of ``N`` class indices.
        abs: return the magnitude of the gradient (as Captum's ``Saliency`` does by
            default); ``False`` keeps its sign.

    Returns:
        Attributions of the shape of ``X``.
    """
    target = _check_inputs("saliency", model, X, target)
    grad = _input_gradient(model, X, target)
    return grad.abs() if abs else grad


def gradient_x_input(model: nn.Module, X: Tensor, target: int | Tensor) -> Tensor:
    r"""Gradient times input, :math:`x \odot \nabla_x F_c` (Shrikumar et al., 2016).

    For a linear model :math:`F_c(x) = w^\top x + b` this is each feature's term
    :math:`w_i x_i` of the score, so the attributions add up to :math:`F_c(x) - b`.

    Args and returns as in `saliency` (signed; same as Captum's ``InputXGradient``).
    """
    target = _check_inputs("gradient_x_input", model, X, target)
    return X.detach() * _input_gradient(model, X, target)


def path_weights(steps: int, method: str = "gausslegendre") -> tuple[Tensor, Tensor]:
    r"""Points :math:`\alpha_k \in [0, 1]` and weights :math:`w_k` with
    :math:`\int_0^1 g(\alpha)\, d\alpha \approx \sum_k w_k\, g(\alpha_k)`.

    ``riemann_left``, ``riemann_right`` and ``riemann_middle`` place ``steps`` points at
    the left ends, right ends or middles of equal intervals with weights ``1/steps``;
    ``riemann_trapezoid`` uses ``steps`` points from 0 to 1 and halves the weight of the
    two ends (Captum's convention: every weight is ``1/steps``, so the weights sum to
    ``1 - 1/steps``); ``gausslegendre`` uses Gauss-Legendre quadrature, exact for
    polynomials of degree ``2 steps - 1``.

    Returns:
        ``(alphas, weights)``, two float64 tensors of shape ``(steps,)``.
    """
    if method not in PATH_METHODS:
        raise ValueError(
            f"method must be one of {', '.join(PATH_METHODS)}, got {method!r}"
        )
    if not isinstance(steps, int) or steps < (1 if method == "gausslegendre" else 2):
        raise ValueError(
            f"steps must be an integer >= 2 (>= 1 for gausslegendre), got {steps!r}"
        )
    if method == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(steps)  # on [-1, 1]
        return torch.from_numpy((nodes + 1) / 2), torch.from_numpy(weights / 2)
    weights = torch.full((steps,), 1 / steps, dtype=torch.float64)
    alphas = {
        "riemann_left": torch.linspace(0, 1 - 1 / steps, steps, dtype=torch.float64),
        "riemann_right": torch.linspace(1 / steps, 1, steps, dtype=torch.float64),
        "riemann_middle": torch.linspace(
            1 / (2 * steps), 1 - 1 / (2 * steps), steps, dtype=torch.float64
        ),
        "riemann_trapezoid": torch.linspace(0, 1, steps, dtype=torch.float64),
    }[method]
    if method == "riemann_trapezoid":
        weights[0] /= 2
        weights[-1] /= 2
    return alphas, weights


def integrated_gradients(
    model: nn.Module,
    X: Tensor,
    target: int | Tensor,
    baseline: Tensor | float = 0.0,
    steps: int = 50,
    method: str = "gausslegendre",
) -> Tensor:
    r"""Integrated gradients (Sundararajan et al., 2017).

    .. math::
        \mathrm{IG}_i(x) = (x_i - x'_i) \int_0^1
            \frac{\partial F_c\big(x' + \alpha (x - x')\big)}{\partial x_i}\, d\alpha
        \approx (x_i - x'_i) \sum_k w_k\,
            \frac{\partial F_c(x' + \alpha_k (x - x'))}{\partial x_i}

    with the points and weights of `path_weights`. *Completeness*: the exact integral
    adds up to :math:`F_c(x) - F_c(x')` over the features (the fundamental theorem of
    calculus along the path); `completeness_gap` measures how far the sum is from that.

    Args:
        model, X, target: as in `saliency`.
        baseline: :math:`x'`, an input that means "absent": a number or a tensor
            broadcastable to ``X`` (default 0, a black image).
        steps: the number of points on the path.
        method: the quadrature rule, as in Captum (default ``"gausslegendre"``,
            Captum's).

    Returns:
        Attributions of the shape of ``X``.
    """
    target = _check_inputs("integrated_gradients", model, X, target)
    baseline = torch.as_tensor(baseline, dtype=X.dtype, device=X.device).expand_as(X)
    alphas, weights = path_weights(steps, method)
    total = torch.zeros_like(X)
    for alpha, weight in zip(alphas.tolist(), weights.tolist(), strict=True):
        total += weight * _input_gradient(
            model, baseline + alpha * (X - baseline), target
        )
    return (X - baseline).detach() * total


def completeness_gap(
    model: nn.Module,
    X: Tensor,
    target: int | Tensor,
    attributions: Tensor,
    baseline: Tensor | float = 0.0,
) -> Tensor:
    r"""How far attributions are from adding up to the change of the score, per example:
    :math:`\sum_i a_i - \big(F_c(x) - F_c(x')\big)`, shape ``(N,)``.

    Zero for exact integrated gradients (Captum calls it the convergence delta).
    """
    target = _check_inputs("completeness_gap", model, X, target)
    if attributions.shape != X.shape:
        raise ValueError(
            f"attributions must have the shape of X, {tuple(X.shape)}, "
            f"got {tuple(attributions.shape)}"
        )
    baseline = torch.as_tensor(baseline, dtype=X.dtype, device=X.device).expand_as(X)
    with torch.no_grad():
        change = _class_score(model, X, target) - _class_score(model, baseline, target)
    return attributions.flatten(1).sum(dim=1) - change


def occlusion(
    model: nn.Module,
    X: Tensor,
    target: int | Tensor,
    window: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    baseline: float = 0.0,
) -> Tensor:
    r"""Occlusion (Zeiler and Fergus, 2014): slide a window over the image, replace what
    it covers
    (every channel) by ``baseline`` and record the drop of the class score,
    :math:`F_c(x) - F_c(x_\text{occluded})`. A pixel's attribution is the mean drop over
    the windows that cover it, as in Captum's ``Occlusion``.

    Args:
        model, X, target: as in `saliency`; ``X`` of shape ``(N, C, H, W)``.
        window: ``(h, w)`` or one int, the size of the occluding patch.
        stride: ``(s_h, s_w)`` or one int, the step between windows, at most the
            window's size. Where the last step overshoots the border, the last window is
            cut at the border (as in Captum), so every pixel is covered.
        baseline: the value written under the window.

    Returns:
        Attributions of shape ``(N, C, H, W)``; every channel of a pixel gets the same
        value.
    """
    target = _check_inputs("occlusion", model, X, target)
    if X.dim() != 4:
        raise ValueError(
            f"occlusion expects images of shape (N, C, H, W), got {tuple(X.shape)}"
        )
    (h, w), (s_h, s_w) = [
        (v, v) if isinstance(v, int) else tuple(v) for v in (window, stride)
    ]
    H, W = X.shape[-2:]
    if not (0 < h <= H and 0 < w <= W) or not (1 <= s_h <= h and 1 <= s_w <= w):
        raise ValueError(
            f"occlusion: window must fit in the {H}x{W} image and strides lie "
            "between 1 and "
            f"the window's size, got window {(h, w)}, stride {(s_h, s_w)}"
        )
    with torch.no_grad():
        score = _class_score(model, X, target)  # (N,)
        total, count = (
            torch.zeros_like(X[:, :1]),
            torch.zeros_like(X[:1, :1]),
        )  # (N, 1, H, W), (1, 1, H, W)
        for i in range(
            0, H - h + s_h, s_h
        ):  # the last window may stick out: slicing cuts it
            for j in range(0, W - w + s_w, s_w):
                X_occluded = X.clone()
                X_occluded[..., i : i + h, j : j + w] = baseline
                drop = score - _class_score(model, X_occluded, target)  # (N,)
                total[..., i : i + h, j : j + w] += drop[:, None, None, None]
                count[..., i : i + h, j : j + w] += 1
    return (total / count).expand_as(X).clone()


def grad_cam(
    model: nn.Module,
    layer: nn.Module,
    X: Tensor,
    target: int | Tensor,
    relu: bool = True,
) -> Tensor:
    r"""Grad-CAM (Selvaraju et al., 2017): the feature maps :math:`A^k` of a
    convolutional layer
    weighted by the mean gradient of the class score over each map,

    .. math::
        \alpha_k = \frac{1}{hw} \sum_{i,j} \frac{\partial F_c}{\partial A^k_{ij}},
        \qquad
        L = \mathrm{ReLU}\Big(\sum_k \alpha_k A^k\Big).

    Args:
        model, X, target: as in `saliency`.
        layer: a submodule of ``model`` whose output has shape ``(N, channels, h, w)``.
        relu: keep only positive evidence, as the paper does (Captum's ``LayerGradCam``
            needs ``relu_attributions=True`` for this).

    Returns:
        The map at the layer's resolution, ``(N, 1, h, w)``; upsample it to overlay an
        image.
    """
    target = _check_inputs("grad_cam", model, X, target)
    if not isinstance(layer, nn.Module) or not any(m is layer for m in model.modules()):
        raise ValueError("grad_cam: layer must be a submodule of model")
    saved = {}
    handle = layer.register_forward_hook(
        lambda module, inputs, output: saved.update(A=output)
    )
    try:
        score = _class_score(model, X.detach(), target)
    finally:
        handle.remove()
    A = saved["A"]  # (N, channels, h, w)
    if A.dim() != 4:
        raise ValueError(
            "grad_cam: the layer's output must have shape (N, C, h, w), "
            f"got {tuple(A.shape)}"
        )
    (grad,) = torch.autograd.grad(score.sum(), A)
    alpha = grad.mean(dim=(2, 3), keepdim=True)  # (N, channels, 1, 1)
    cam = (alpha * A).sum(dim=1, keepdim=True).detach()  # (N, 1, h, w)
    return cam.clamp(min=0) if relu else cam


def rank_correlation(a: Tensor, b: Tensor) -> Tensor:
    r"""Spearman's rank correlation of two batches of attributions, one per example.

    Each example's attributions are flattened and replaced by their ranks, tied values
    sharing their average rank (as ``scipy.stats.spearmanr`` does); the result is the
    Pearson correlation of the ranks. Used for the sanity check of Adebayo et al.
    (2018): a method whose maps barely change when the model's weights are randomized
    does not explain the model. Memory grows as ``N * D**2`` for ``D`` features per
    example, fine for small images.
    """
    if a.shape != b.shape or a.dim() < 2:
        raise ValueError(
            f"rank_correlation expects two batches of the same shape (N, ...), "
            f"got {tuple(a.shape)} and {tuple(b.shape)}"
        )

    def ranks(t: Tensor) -> Tensor:  # (N, D) -> (N, D): 1 + #smaller + (#equal - 1) / 2
        t = t.flatten(1)
        smaller = (t[:, None, :] < t[:, :, None]).sum(dim=2)
        equal = (t[:, None, :] == t[:, :, None]).sum(dim=2)
        return (1 + smaller + (equal - 1) / 2).double()

    ra, rb = [r - r.mean(dim=1, keepdim=True) for r in (ranks(a), ranks(b))]
    return (ra * rb).sum(dim=1) / (ra.norm(dim=1) * rb.norm(dim=1)).clamp(min=1e-12)

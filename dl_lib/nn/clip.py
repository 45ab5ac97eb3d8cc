r"""Gradient clipping by global norm, as ``torch.nn.utils.clip_grad_norm_`` does it.

When a gradient is huge (a recurrent network that crosses a cliff of its loss surface,
Pascanu et al., 2013), one step can throw the parameters far away. Clipping rescales the
*whole* gradient, every parameter's together, so that its norm is at most ``max_norm``:

.. math::
    g \leftarrow g \cdot \min\!\Big(1, \frac{\text{max\_norm}}{\lVert g \rVert + 10^{-6}}\Big),
    \qquad \lVert g \rVert = \Big\lVert \big(\lVert g_1 \rVert, \dots, \lVert g_P \rVert\big) \Big\rVert .

The direction of the step is kept; only its length is capped. Clipping each tensor on its
own would change the direction too.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor

__all__ = ["clip_grad_norm", "grad_norm"]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def grad_norm(parameters: Tensor | Iterable[Tensor], norm_type: float = 2.0) -> Tensor:
    r"""The global norm of the gradients of ``parameters`` (those whose ``.grad`` is set).

    The norm of the vector of per-tensor norms, which equals the norm of all gradients
    flattened into one vector. ``norm_type`` is :math:`p \ge 1` or ``math.inf`` (the largest
    absolute entry). Returns a 0-dim tensor (0 when no parameter has a gradient).
    """
    norm_type = float(norm_type)
    if not (norm_type >= 1.0):
        raise ValueError(f"grad_norm: norm_type must be >= 1 or inf, got {norm_type}")
    grads = _grads(parameters)
    if not grads:
        return torch.tensor(0.0)
    norms = torch.stack(
        [torch.linalg.vector_norm(g.detach(), norm_type) for g in grads]
    )  # one per tensor
    return torch.linalg.vector_norm(norms, norm_type)


def clip_grad_norm(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    r"""Scale the gradients of ``parameters`` in place to a global norm <= ``max_norm``.

    Args:
        parameters: a tensor or an iterable of tensors (``model.parameters()``).
        max_norm: the largest global norm allowed, ``> 0``.
        norm_type: :math:`p` of the :math:`p`-norm, or ``math.inf``.
        error_if_nonfinite: raise if the norm is ``nan`` or ``inf`` instead of
            scaling by it.

    Returns:
        The global norm *before* clipping, a 0-dim tensor, as
        ``torch.nn.utils.clip_grad_norm_`` returns it (what to log, to see how
        often clipping acts).
    """
    parameters = (
        list(parameters) if not isinstance(parameters, Tensor) else [parameters]
    )
    if not (isinstance(max_norm, (int, float)) and max_norm > 0):
        raise ValueError(
            f"clip_grad_norm: max_norm must be a positive number, got {max_norm!r}"
        )
    total = grad_norm(parameters, norm_type)
    if error_if_nonfinite and not torch.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm: the total norm of the gradients is {total.item()}, "
            "so they cannot be clipped (set error_if_nonfinite=False to scale anyway)"
        )
    scale = (max_norm / (total + 1e-6)).clamp(max=1.0)  # 1: leave small gradients alone
    for g in _grads(parameters):
        g.mul_(scale.to(g.device, g.dtype))
    return total

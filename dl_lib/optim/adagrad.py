r"""Adagrad: a learning rate per coordinate, divided by the root of its summed squared gradients.

Duchi, Hazan & Singer (2011) proposed it for sparse features: a coordinate that rarely gets a
gradient keeps a large step, one that gets large gradients all the time gets a small one. The
sum only grows, so every step shrinks over time; RMSprop and Adam replace it by a moving average.
:func:`adagrad_step` is the rule for one parameter; :class:`Adagrad` applies it to a whole model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import Tensor

from dl_lib.optim.optimizer import FunctionalOptimizer, check_range, check_step_inputs

__all__ = ["Adagrad", "adagrad_step"]


def _check_hyperparameters(lr: float, lr_decay: float, weight_decay: float, initial_accumulator_value: float,
                           eps: float) -> None:
    check_range("lr", lr, 0.0)
    check_range("lr_decay", lr_decay, 0.0)
    check_range("weight_decay", weight_decay, 0.0)
    check_range("initial_accumulator_value", initial_accumulator_value, 0.0)
    check_range("eps", eps, 0.0)


@torch.no_grad()
def adagrad_step(param: Tensor, grad: Tensor, state: dict[str, Any], *, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> None:
    r"""One step of Adagrad (Duchi et al., 2011) for one parameter, as PyTorch takes it; updates in place.

    At step :math:`t = 1, 2, \dots`, with gradient :math:`\mathbf{g}_t`, all operations per coordinate:

    .. math::

        \mathbf{g}_t &\leftarrow \mathbf{g}_t + \lambda \mathbf{w}_{t-1}
            && \text{(weight decay)} \\
        \mathbf{G}_t &= \mathbf{G}_{t-1} + \mathbf{g}_t^2, \quad \mathbf{G}_0 = G_{\text{init}}
            && \text{(sum of squared gradients)} \\
        \eta_t &= \frac{\eta}{1 + (t - 1)\,\delta}
            && \text{(learning-rate decay)} \\
        \mathbf{w}_t &= \mathbf{w}_{t-1} - \eta_t \, \frac{\mathbf{g}_t}{\sqrt{\mathbf{G}_t} + \epsilon}

    Args:
        param: the parameter :math:`\mathbf{w}`, overwritten with :math:`\mathbf{w}_t`.
        grad: its gradient :math:`\mathbf{g}_t`, same shape; left unchanged.
        state: this parameter's memory, an empty dict before the first step; it keeps ``"step"``
            (:math:`t`, an int) and ``"sum"`` (:math:`\mathbf{G}`, updated in place), PyTorch's names.
        lr: the learning rate :math:`\eta \ge 0` (default 1e-2).
        lr_decay: :math:`\delta \ge 0`, an extra :math:`1/t`-like decay of the learning rate.
        weight_decay: :math:`\lambda \ge 0`, added to the gradient as :math:`\lambda\mathbf{w}`.
        initial_accumulator_value: :math:`G_{\text{init}} \ge 0`, the starting value of the sum.
        eps: :math:`\epsilon \ge 0`, added to the root so that a zero sum does not divide by 0.
    """
    check_step_inputs("adagrad_step", param, grad, state)
    _check_hyperparameters(lr, lr_decay, weight_decay, initial_accumulator_value, eps)
    if not state:
        state["step"] = 0
        state["sum"] = torch.full_like(param, initial_accumulator_value)
    state["step"] += 1
    if weight_decay != 0:
        grad = grad + weight_decay * param
    state["sum"].add_(grad * grad)  # G = G + g^2
    lr_t = lr / (1 + (state["step"] - 1) * lr_decay)
    param.sub_(lr_t * grad / (state["sum"].sqrt() + eps))  # w = w - lr_t g / (sqrt(G) + eps)


class Adagrad(FunctionalOptimizer):
    r"""Adagrad (Duchi et al., 2011), with PyTorch's arguments.

    A ``torch.optim.Optimizer`` that applies :func:`adagrad_step` (see it for the rule) to every
    parameter with a gradient. State: ``"step"`` (an int) and ``"sum"``.

    Differs from ``torch.optim.Adagrad``: no ``maximize``, ``foreach``, ``fused`` or
    ``differentiable`` options and no sparse gradients.
    """

    rule = staticmethod(adagrad_step)

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> None:
        _check_hyperparameters(lr, lr_decay, weight_decay, initial_accumulator_value, eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps))

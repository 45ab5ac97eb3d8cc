r"""RMSprop: divide each coordinate's gradient by a moving root-mean-square of its recent gradients.

Tieleman & Hinton proposed it in a lecture of their 2012 Coursera course (it was never published
as a paper). It keeps Adagrad's per-coordinate scaling but forgets old gradients, so the step
does not shrink to zero in a long run. :func:`rmsprop_step` is the rule for one parameter;
:class:`RMSprop` applies it to a whole model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import Tensor

from dl_lib.optim.optimizer import FunctionalOptimizer, check_range, check_step_inputs

__all__ = ["RMSprop", "rmsprop_step"]


def _check_hyperparameters(lr: float, alpha: float, eps: float, weight_decay: float, momentum: float) -> None:
    check_range("lr", lr, 0.0)
    check_range("alpha", alpha, 0.0, 1.0, high_open=True)
    check_range("eps", eps, 0.0)
    check_range("weight_decay", weight_decay, 0.0)
    check_range("momentum", momentum, 0.0)


@torch.no_grad()
def rmsprop_step(param: Tensor, grad: Tensor, state: dict[str, Any], *, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False) -> None:
    r"""One step of RMSprop (Tieleman & Hinton, 2012) for one parameter, as PyTorch takes it; in place.

    At step :math:`t = 1, 2, \dots`, with gradient :math:`\mathbf{g}_t`, all operations per coordinate:

    .. math::

        \mathbf{g}_t &\leftarrow \mathbf{g}_t + \lambda \mathbf{w}_{t-1}
            && \text{(weight decay)} \\
        \mathbf{s}_t &= \alpha \mathbf{s}_{t-1} + (1 - \alpha) \mathbf{g}_t^2, \quad \mathbf{s}_0 = 0
            && \text{(mean square)} \\
        \mathbf{a}_t &= \alpha \mathbf{a}_{t-1} + (1 - \alpha) \mathbf{g}_t, \quad \mathbf{a}_0 = 0
            && \text{(mean, only if centered)} \\
        \mathbf{r}_t &= \sqrt{\mathbf{s}_t - \mathbf{a}_t^2} + \epsilon \ \text{ if centered, else }
            \sqrt{\mathbf{s}_t} + \epsilon \\
        \mathbf{b}_t &= \mu \mathbf{b}_{t-1} + \mathbf{g}_t / \mathbf{r}_t, \quad \mathbf{b}_0 = 0
            && \text{(only if } \mu > 0) \\
        \mathbf{w}_t &= \mathbf{w}_{t-1} - \eta \, \mathbf{b}_t
            \quad \text{or, if } \mu = 0, \quad \mathbf{w}_{t-1} - \eta \, \mathbf{g}_t / \mathbf{r}_t

    Centered RMSprop divides by an estimate of the gradient's standard deviation rather than its
    root mean square (Graves, 2013).

    Args:
        param: the parameter :math:`\mathbf{w}`, overwritten with :math:`\mathbf{w}_t`.
        grad: its gradient :math:`\mathbf{g}_t`, same shape; left unchanged.
        state: this parameter's memory, an empty dict before the first step; it keeps ``"step"``
            (an int), ``"square_avg"`` (:math:`\mathbf{s}`), and ``"grad_avg"`` (:math:`\mathbf{a}`)
            and ``"momentum_buffer"`` (:math:`\mathbf{b}`) when used, PyTorch's names, updated in place.
        lr: the learning rate :math:`\eta \ge 0` (default 1e-2).
        alpha: :math:`\alpha \in [0, 1)`, how much of the old mean square is kept each step.
        eps: :math:`\epsilon \ge 0`, added to the root so that a zero gradient does not divide by 0.
        weight_decay: :math:`\lambda \ge 0`, added to the gradient as :math:`\lambda\mathbf{w}`.
        momentum: :math:`\mu \ge 0`; 0 (the default) means no velocity.
        centered: subtract the squared mean gradient inside the root.
    """
    check_step_inputs("rmsprop_step", param, grad, state)
    _check_hyperparameters(lr, alpha, eps, weight_decay, momentum)
    if not state:
        state["step"] = 0
        state["square_avg"] = torch.zeros_like(param)
        if centered:
            state["grad_avg"] = torch.zeros_like(param)
        if momentum > 0:
            state["momentum_buffer"] = torch.zeros_like(param)
    state["step"] += 1
    if weight_decay != 0:
        grad = grad + weight_decay * param
    s = state["square_avg"].mul_(alpha).add_((1 - alpha) * grad * grad)  # s = alpha s + (1 - alpha) g^2
    if centered:
        a = state["grad_avg"].mul_(alpha).add_((1 - alpha) * grad)  # a = alpha a + (1 - alpha) g
        r = (s - a * a).sqrt() + eps
    else:
        r = s.sqrt() + eps
    if momentum > 0:
        b = state["momentum_buffer"].mul_(momentum).add_(grad / r)  # b = mu b + g / r
        param.sub_(lr * b)
    else:
        param.sub_(lr * grad / r)


class RMSprop(FunctionalOptimizer):
    r"""RMSprop (Tieleman & Hinton, 2012), optionally centered and with momentum, as in PyTorch.

    A ``torch.optim.Optimizer`` that applies :func:`rmsprop_step` (see it for the rule) to every
    parameter with a gradient. State: ``"step"`` (an int), ``"square_avg"``, and ``"grad_avg"`` /
    ``"momentum_buffer"`` when used, as in PyTorch.

    Differs from ``torch.optim.RMSprop``: no ``maximize``, ``foreach``, ``capturable`` or
    ``differentiable`` options and no sparse gradients.
    """

    rule = staticmethod(rmsprop_step)

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False) -> None:
        _check_hyperparameters(lr, alpha, eps, weight_decay, momentum)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered))

r"""Stochastic gradient descent with momentum (Polyak, 1964) and Nesterov momentum (Nesterov, 1983).

Plain SGD steps against the gradient. Momentum keeps a running sum of past gradients, the
*velocity*, and steps along it: directions where the gradient keeps its sign build up speed,
directions where it flips sign cancel out. This is the algorithm of ``torch.optim.SGD``, in its
convention (the learning rate multiplies the velocity, not the gradient inside it).
:func:`sgd_step` is the rule for one parameter; :class:`SGD` applies it to a whole model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import Tensor

from dl_lib.optim.optimizer import FunctionalOptimizer, check_range, check_step_inputs

__all__ = ["SGD", "sgd_step"]


def _check_hyperparameters(lr: float, momentum: float, dampening: float, weight_decay: float,
                           nesterov: bool) -> None:
    check_range("lr", lr, 0.0)
    check_range("momentum", momentum, 0.0)
    check_range("dampening", dampening, 0.0, 1.0)
    check_range("weight_decay", weight_decay, 0.0)
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError(f"nesterov=True needs momentum > 0 and dampening = 0, got momentum={momentum!r}, "
                         f"dampening={dampening!r}")


@torch.no_grad()
def sgd_step(param: Tensor, grad: Tensor, state: dict[str, Any], *, lr: float = 1e-3, momentum: float = 0.0,
             dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False) -> None:
    r"""One step of SGD for one parameter, as ``torch.optim.SGD`` takes it; updates in place.

    At step :math:`t = 1, 2, \dots`, with the gradient
    :math:`\mathbf{g}_t = \nabla \mathcal{L}(\mathbf{w}_{t-1})`:

    .. math::

        \mathbf{g}_t &\leftarrow \mathbf{g}_t + \lambda \mathbf{w}_{t-1}
            && \text{(weight decay, an L2 penalty } \tfrac{\lambda}{2}\lVert\mathbf{w}\rVert^2) \\
        \mathbf{b}_t &= \mu \mathbf{b}_{t-1} + (1 - \tau) \mathbf{g}_t, \quad \mathbf{b}_1 = \mathbf{g}_1
            && \text{(velocity, when } \mu > 0) \\
        \mathbf{d}_t &= \begin{cases} \mathbf{g}_t + \mu \mathbf{b}_t & \text{Nesterov} \\
            \mathbf{b}_t & \text{momentum} \\ \mathbf{g}_t & \mu = 0 \end{cases} \\
        \mathbf{w}_t &= \mathbf{w}_{t-1} - \eta \, \mathbf{d}_t

    With :math:`\tau = 0` this is Polyak's heavy ball, :math:`\mathbf{w}_{t+1} = \mathbf{w}_t - \eta
    \mathbf{g} + \mu (\mathbf{w}_t - \mathbf{w}_{t-1})` (Polyak, 1964). The Nesterov form evaluates the
    step as if the velocity had already been applied, the rewriting of Nesterov's accelerated
    gradient (Nesterov, 1983) by Sutskever et al. (2013) that PyTorch uses.

    Args:
        param: the parameter :math:`\mathbf{w}`, overwritten with :math:`\mathbf{w}_t`.
        grad: its gradient :math:`\mathbf{g}_t`, same shape; left unchanged.
        state: this parameter's memory, an empty dict before the first step. With momentum the
            velocity :math:`\mathbf{b}` is kept (and updated in place) in ``state["momentum_buffer"]``,
            PyTorch's name.
        lr: the learning rate :math:`\eta \ge 0` (PyTorch's default, 1e-3).
        momentum: :math:`\mu \ge 0`; 0 is plain SGD, 0.9 is the usual choice.
        dampening: :math:`\tau \in [0, 1]`, shrinks each new gradient's share of the velocity.
        weight_decay: :math:`\lambda \ge 0`, added to the gradient as :math:`\lambda\mathbf{w}`.
        nesterov: use Nesterov momentum; needs ``momentum > 0`` and ``dampening = 0``.
    """
    check_step_inputs("sgd_step", param, grad, state)
    _check_hyperparameters(lr, momentum, dampening, weight_decay, nesterov)
    if weight_decay != 0:
        grad = grad + weight_decay * param  # L2 penalty: its gradient is lambda * w
    if momentum != 0:
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = grad.clone()  # b_1 = g_1: the first step has no past
        else:
            state["momentum_buffer"].mul_(momentum).add_((1 - dampening) * grad)  # b = mu b + (1 - tau) g
        velocity = state["momentum_buffer"]
        grad = grad + momentum * velocity if nesterov else velocity
    param.sub_(lr * grad)  # w = w - lr d


class SGD(FunctionalOptimizer):
    r"""Stochastic gradient descent, optionally with momentum, Nesterov momentum and weight decay.

    A ``torch.optim.Optimizer`` that applies :func:`sgd_step` (see it for the rule) to every
    parameter with a gradient. Arguments, defaults and state names are ``torch.optim.SGD``'s:
    the velocity is in ``self.state[p]["momentum_buffer"]``.

    Differs from ``torch.optim.SGD``: no ``maximize``, ``foreach``, ``fused`` or
    ``differentiable`` options, and no sparse gradients.
    """

    rule = staticmethod(sgd_step)

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False) -> None:
        _check_hyperparameters(lr, momentum, dampening, weight_decay, nesterov)
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

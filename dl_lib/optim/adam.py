r"""Adam (Kingma & Ba, 2015) and AdamW, Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

Adam combines momentum (a moving average of gradients) with RMSprop's per-coordinate scaling
(a moving average of squared gradients), and corrects both averages for starting at zero.
AdamW differs in one line: weight decay shrinks the weights directly instead of being added to
the gradient, where Adam's scaling would weaken it for exactly the weights with large gradients.
:func:`adam_step` is the rule for one parameter (both variants); :class:`Adam` and
:class:`AdamW` apply it to a whole model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import Tensor

from dl_lib.optim.optimizer import FunctionalOptimizer, check_betas, check_range, check_step_inputs

__all__ = ["Adam", "AdamW", "adam_step"]


def _check_hyperparameters(lr: float, betas: tuple[float, float], eps: float, weight_decay: float) -> None:
    check_range("lr", lr, 0.0)
    check_betas(betas)
    check_range("eps", eps, 0.0)
    check_range("weight_decay", weight_decay, 0.0)


@torch.no_grad()
def adam_step(param: Tensor, grad: Tensor, state: dict[str, Any], *, lr: float = 1e-3,
              betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0,
              decoupled_weight_decay: bool = False) -> None:
    r"""One step of Adam (or AdamW) for one parameter, as PyTorch takes it; updates in place.

    At step :math:`t = 1, 2, \dots`, with gradient :math:`\mathbf{g}_t`, all operations per coordinate:

    .. math::

        \mathbf{g}_t &\leftarrow \mathbf{g}_t + \lambda \mathbf{w}_{t-1}
            && \text{(coupled weight decay: Adam)} \\
        \mathbf{w}_{t-1} &\leftarrow (1 - \eta\lambda)\, \mathbf{w}_{t-1}
            && \text{(decoupled weight decay: AdamW, instead)} \\
        \mathbf{m}_t &= \beta_1 \mathbf{m}_{t-1} + (1 - \beta_1) \mathbf{g}_t, \quad \mathbf{m}_0 = 0
            && \text{(first moment)} \\
        \mathbf{v}_t &= \beta_2 \mathbf{v}_{t-1} + (1 - \beta_2) \mathbf{g}_t^2, \quad \mathbf{v}_0 = 0
            && \text{(second moment)} \\
        \hat{\mathbf{m}}_t &= \frac{\mathbf{m}_t}{1 - \beta_1^t}, \quad
        \hat{\mathbf{v}}_t = \frac{\mathbf{v}_t}{1 - \beta_2^t}
            && \text{(bias correction)} \\
        \mathbf{w}_t &= \mathbf{w}_{t-1}
            - \eta \, \frac{\hat{\mathbf{m}}_t}{\sqrt{\hat{\mathbf{v}}_t} + \epsilon}

    Both averages start at zero, so early on they are too small by the factor :math:`1 - \beta^t`;
    dividing by it makes them unbiased estimates of the gradient's first and second moments
    (when these do not change), and makes the first step exactly :math:`\eta` per coordinate
    in the direction of :math:`-\operatorname{sign}(\mathbf{g}_1)` (up to :math:`\epsilon`).

    Args:
        param: the parameter :math:`\mathbf{w}`, overwritten with :math:`\mathbf{w}_t`.
        grad: its gradient :math:`\mathbf{g}_t`, same shape; left unchanged.
        state: this parameter's memory, an empty dict before the first step; it keeps ``"step"``
            (:math:`t`, an int), ``"exp_avg"`` (:math:`\mathbf{m}`) and ``"exp_avg_sq"``
            (:math:`\mathbf{v}`), PyTorch's names, updated in place. The averages are stored
            uncorrected: the correction only enters the step.
        lr: the learning rate :math:`\eta \ge 0` (default 1e-3).
        betas: :math:`(\beta_1, \beta_2)`, each in :math:`[0, 1)`, the averages' decay rates.
        eps: :math:`\epsilon \ge 0`, added to the root, *outside* it, as in the paper.
        weight_decay: :math:`\lambda \ge 0`.
        decoupled_weight_decay: shrink the weights directly (AdamW) instead of adding
            :math:`\lambda\mathbf{w}` to the gradient.
    """
    check_step_inputs("adam_step", param, grad, state)
    _check_hyperparameters(lr, betas, eps, weight_decay)
    beta1, beta2 = betas
    if not state:
        state["step"] = 0
        state["exp_avg"] = torch.zeros_like(param)
        state["exp_avg_sq"] = torch.zeros_like(param)
    state["step"] += 1
    t = state["step"]
    if weight_decay != 0 and decoupled_weight_decay:
        param.mul_(1 - lr * weight_decay)  # AdamW: shrink the weights, outside the adaptive scaling
    elif weight_decay != 0:
        grad = grad + weight_decay * param  # Adam: an L2 penalty's gradient, scaled like any other gradient
    m = state["exp_avg"].mul_(beta1).add_((1 - beta1) * grad)  # m = beta1 m + (1 - beta1) g
    v = state["exp_avg_sq"].mul_(beta2).add_((1 - beta2) * grad * grad)  # v = beta2 v + (1 - beta2) g^2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    param.sub_(lr * m_hat / (v_hat.sqrt() + eps))


class Adam(FunctionalOptimizer):
    r"""Adam (Kingma & Ba, 2015), with coupled (L2) or decoupled weight decay, as in PyTorch.

    A ``torch.optim.Optimizer`` that applies :func:`adam_step` (see it for the rule) to every
    parameter with a gradient. State: ``"step"`` (an int), ``"exp_avg"`` (:math:`\mathbf{m}`) and
    ``"exp_avg_sq"`` (:math:`\mathbf{v}`), as in PyTorch.

    Differs from ``torch.optim.Adam``: no ``amsgrad``, ``maximize``, ``foreach``, ``fused``,
    ``capturable`` or ``differentiable`` options and no sparse gradients.
    """

    rule = staticmethod(adam_step)

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0,
                 decoupled_weight_decay: bool = False) -> None:
        _check_hyperparameters(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay))


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019); see :func:`adam_step` for the rule.

    Each step first shrinks the weights, :math:`\mathbf{w} \leftarrow (1 - \eta\lambda)\mathbf{w}`,
    then makes Adam's step with the loss gradient alone. Every weight therefore decays at the same
    rate, whatever its gradients; with Adam's L2 penalty the decay is divided by
    :math:`\sqrt{\hat{\mathbf{v}}}` and weights with large gradients are hardly regularized.
    As in ``torch.optim.AdamW`` the default ``weight_decay`` is 1e-2, not 0.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, decoupled_weight_decay=True)

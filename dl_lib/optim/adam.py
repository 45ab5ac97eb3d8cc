r"""Adam (Kingma & Ba, 2015) and AdamW, Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

Adam combines momentum (a moving average of gradients) with RMSprop's per-coordinate scaling
(a moving average of squared gradients), and corrects both averages for starting at zero.
AdamW differs in one line: weight decay shrinks the weights directly instead of being added to
the gradient, where Adam's scaling would weaken it for exactly the weights with large gradients.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import Tensor

from dl_lib.optim._checks import check_betas, check_range, dense_grad


class Adam(torch.optim.Optimizer):
    r"""Adam (Kingma & Ba, 2015), with coupled (L2) or decoupled weight decay, as in PyTorch.

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
        params: the parameters to optimize, or a list of dicts defining parameter groups.
        lr: the learning rate :math:`\eta \ge 0` (default 1e-3).
        betas: :math:`(\beta_1, \beta_2)`, each in :math:`[0, 1)`, the averages' decay rates.
        eps: :math:`\epsilon \ge 0`, added to the root, *outside* it, as in the paper.
        weight_decay: :math:`\lambda \ge 0`.
        decoupled_weight_decay: shrink the weights directly (AdamW) instead of adding
            :math:`\lambda\mathbf{w}` to the gradient.

    Differs from ``torch.optim.Adam``: no ``amsgrad``, ``maximize``, ``foreach``, ``fused``,
    ``capturable`` or ``differentiable`` options and no sparse gradients. State: ``"step"``
    (an int), ``"exp_avg"`` (:math:`\mathbf{m}`) and ``"exp_avg_sq"`` (:math:`\mathbf{v}`), as in PyTorch.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_range("lr", lr, 0.0)
        check_betas(betas)
        check_range("eps", eps, 0.0)
        check_range("weight_decay", weight_decay, 0.0)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """Update every parameter that has a gradient; ``closure`` re-computes the loss if given."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = dense_grad(p)
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                state["step"] += 1
                t = state["step"]
                if wd != 0 and group["decoupled_weight_decay"]:
                    p.mul_(1 - lr * wd)  # AdamW: shrink the weights, outside the adaptive scaling
                elif wd != 0:
                    g = g + wd * p  # Adam: an L2 penalty's gradient, scaled like any other gradient
                m = state["exp_avg"].mul_(beta1).add_((1 - beta1) * g)  # m = beta1 m + (1 - beta1) g
                v = state["exp_avg_sq"].mul_(beta2).add_((1 - beta2) * g * g)  # v = beta2 v + (1 - beta2) g^2
                m_hat = m / (1 - beta1**t)
                v_hat = v / (1 - beta2**t)
                p.sub_(lr * m_hat / (v_hat.sqrt() + group["eps"]))
        return loss


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019); see :class:`Adam` for the rule.

    Each step first shrinks the weights, :math:`\mathbf{w} \leftarrow (1 - \eta\lambda)\mathbf{w}`,
    then makes Adam's step with the loss gradient alone. Every weight therefore decays at the same
    rate, whatever its gradients; with Adam's L2 penalty the decay is divided by
    :math:`\sqrt{\hat{\mathbf{v}}}` and weights with large gradients are hardly regularized.
    As in ``torch.optim.AdamW`` the default ``weight_decay`` is 1e-2, not 0.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, decoupled_weight_decay=True)

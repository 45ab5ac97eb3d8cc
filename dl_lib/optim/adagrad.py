r"""Adagrad: a learning rate per coordinate, divided by the root of its summed squared gradients.

Duchi, Hazan & Singer (2011) proposed it for sparse features: a coordinate that rarely gets a
gradient keeps a large step, one that gets large gradients all the time gets a small one. The
sum only grows, so every step shrinks over time; RMSprop and Adam replace it by a moving average.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import Tensor

from dl_lib.optim._checks import check_range, dense_grad


class Adagrad(torch.optim.Optimizer):
    r"""Adagrad (Duchi et al., 2011), with PyTorch's arguments.

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
        params: the parameters to optimize, or a list of dicts defining parameter groups.
        lr: the learning rate :math:`\eta \ge 0` (default 1e-2).
        lr_decay: :math:`\delta \ge 0`, an extra :math:`1/t`-like decay of the learning rate.
        weight_decay: :math:`\lambda \ge 0`, added to the gradient as :math:`\lambda\mathbf{w}`.
        initial_accumulator_value: :math:`G_{\text{init}} \ge 0`, the starting value of the sum.
        eps: :math:`\epsilon \ge 0`, added to the root so that a zero sum does not divide by 0.

    Differs from ``torch.optim.Adagrad``: no ``maximize``, ``foreach``, ``fused`` or
    ``differentiable`` options and no sparse gradients. State: ``"step"`` (an int) and ``"sum"``.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        check_range("lr", lr, 0.0)
        check_range("lr_decay", lr_decay, 0.0)
        check_range("weight_decay", weight_decay, 0.0)
        check_range("initial_accumulator_value", initial_accumulator_value, 0.0)
        check_range("eps", eps, 0.0)
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """Update every parameter that has a gradient; ``closure`` re-computes the loss if given."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = dense_grad(p)
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["sum"] = torch.full_like(p, group["initial_accumulator_value"])
                state["step"] += 1
                if group["weight_decay"] != 0:
                    g = g + group["weight_decay"] * p
                state["sum"].add_(g * g)  # G = G + g^2
                lr_t = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
                p.sub_(lr_t * g / (state["sum"].sqrt() + group["eps"]))  # w = w - lr_t g / (sqrt(G) + eps)
        return loss

r"""Learning-rate schedules: the learning rate as a function of the step (or epoch) number.

Each schedule is a plain function ``schedule(step, lr, ...) -> float`` that returns the learning
rate to use at ``step`` (counted from 0) when the base learning rate is ``lr``; fix its arguments
with ``functools.partial`` to get ``lr_at(step)``. :func:`lr_lambda` turns any of them into the
multiplicative factor that ``torch.optim.lr_scheduler.LambdaLR`` expects::

    scheduler = LambdaLR(optimizer, lr_lambda(cosine_annealing, lr=0.1, T_max=100))

Decaying the learning rate is the practical form of the condition of Robbins & Monro (1951):
steps large enough to travel far, then small enough to average out the gradient noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["cosine_annealing", "linear_warmup", "lr_lambda", "step_decay"]


def _check_step(step: int) -> None:
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise ValueError(f"step must be an integer >= 0, got {step!r}")


def _check_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


def step_decay(step: int, lr: float, step_size: int, gamma: float = 0.1) -> float:
    r"""Multiply the learning rate by ``gamma`` every ``step_size`` steps, like ``StepLR``.

    .. math::  \eta_t = \eta \, \gamma^{\lfloor t / s \rfloor}

    Args:
        step: :math:`t \ge 0`.
        lr: the base learning rate :math:`\eta`.
        step_size: :math:`s \ge 1`, the steps between two decays.
        gamma: :math:`\gamma > 0`, the factor of each decay (usually 0.1 to 0.5).
    """
    _check_step(step)
    _check_count("step_size", step_size)
    if not gamma > 0:
        raise ValueError(f"gamma must be > 0, got {gamma!r}")
    return lr * gamma ** (step // step_size)


def cosine_annealing(step: int, lr: float, T_max: int, eta_min: float = 0.0) -> float:
    r"""Half a cosine from ``lr`` down to ``eta_min`` over ``T_max`` steps (Loshchilov & Hutter, 2017).

    .. math::  \eta_t = \eta_{\min} + \tfrac{1}{2}(\eta - \eta_{\min})
               \bigl(1 + \cos(\pi \min(t, T_{\max}) / T_{\max})\bigr)

    For :math:`t \le T_{\max}` this is the value of ``CosineAnnealingLR``; after
    :math:`T_{\max}` it stays at :math:`\eta_{\min}`, whereas PyTorch's cosine rises again.

    Args:
        step: :math:`t \ge 0`.
        lr: the base (largest) learning rate :math:`\eta`.
        T_max: :math:`T_{\max} \ge 1`, the step at which the minimum is reached.
        eta_min: the smallest learning rate, :math:`0 \le \eta_{\min}`.
    """
    _check_step(step)
    _check_count("T_max", T_max)
    if not eta_min >= 0:
        raise ValueError(f"eta_min must be >= 0, got {eta_min!r}")
    progress = min(step, T_max) / T_max  # from 0 to 1
    return eta_min + 0.5 * (lr - eta_min) * (1 + math.cos(math.pi * progress))


def linear_warmup(
    step: int, lr: float, warmup_steps: int, total_steps: int | None = None, eta_min: float = 0.0
) -> float:
    r"""Ramp the learning rate up linearly, then hold it (``total_steps=None``) or anneal it by a cosine.

    .. math::

        \eta_t = \begin{cases}
            \eta \, (t + 1) / T_w & t < T_w \\
            \eta & t \ge T_w, \text{ constant} \\
            \text{cosine\_annealing}(t - T_w, \eta, T - T_w, \eta_{\min}) & t \ge T_w, \text{ cosine}
        \end{cases}

    The first step uses :math:`\eta / T_w`, step :math:`T_w - 1` the full :math:`\eta`. Warm-up keeps
    the first steps small while Adam's second-moment estimate and a fresh network's gradients are
    still unreliable (Goyal et al., 2017).

    Args:
        step: :math:`t \ge 0`.
        lr: the peak learning rate :math:`\eta`.
        warmup_steps: :math:`T_w \ge 1`.
        total_steps: :math:`T > T_w`, where the cosine reaches ``eta_min``; None keeps :math:`\eta`.
        eta_min: the final learning rate of the cosine.
    """
    _check_step(step)
    _check_count("warmup_steps", warmup_steps)
    if total_steps is not None and (not isinstance(total_steps, int) or total_steps <= warmup_steps):
        raise ValueError(f"total_steps must be None or an integer > warmup_steps = {warmup_steps}, "
                         f"got {total_steps!r}")
    if step < warmup_steps:
        return lr * (step + 1) / warmup_steps
    if total_steps is None:
        return lr
    return cosine_annealing(step - warmup_steps, lr, total_steps - warmup_steps, eta_min)


def lr_lambda(schedule: Callable[..., float], lr: float, **kwargs: object) -> Callable[[int], float]:
    r"""A ``LambdaLR`` factor from a schedule: ``step -> schedule(step, lr, **kwargs) / lr``.

    ``LambdaLR`` multiplies each group's initial learning rate by this factor, so ``lr`` must be
    the learning rate the optimizer was created with.

    Args:
        schedule: :func:`step_decay`, :func:`cosine_annealing`, :func:`linear_warmup` or any
            function with the same signature.
        lr: the optimizer's learning rate, > 0.
        kwargs: the schedule's other arguments (``T_max=100``, ...).
    """
    if not lr > 0:
        raise ValueError(f"lr must be > 0 to turn a schedule into a factor, got {lr!r}")
    schedule(0, lr, **kwargs)  # fail now, not at the first scheduler step, on bad arguments

    def factor(step: int) -> float:
        return schedule(step, lr, **kwargs) / lr

    return factor

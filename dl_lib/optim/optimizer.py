r"""What every optimizer here shares: argument checks, and one ``torch.optim.Optimizer`` shell.

Each update rule of :mod:`dl_lib.optim` is a stateless function, like those PyTorch keeps
behind its optimizer classes: it takes one parameter, its gradient, the state dict that
remembers past steps for that parameter, and the hyperparameters, and updates the parameter
and the state in place. :class:`FunctionalOptimizer` turns such a function into a
``torch.optim.Optimizer``: parameter groups, per-parameter state, ``state_dict``, the closure
and the learning-rate schedulers all come from PyTorch, and ``step`` calls the function once
per parameter that has a gradient.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any, ClassVar

import torch
from torch import Tensor

__all__ = ["FunctionalOptimizer", "check_betas", "check_range", "check_step_inputs"]


def check_range(
    name: str, value: float, low: float, high: float | None = None, high_open: bool = False
) -> None:
    r"""Raise ``ValueError`` unless ``low <= value <= high`` (or ``< high`` with ``high_open``).

    The message names the argument and its allowed range, e.g.
    ``"momentum must be >= 0.0, got -0.5"``. NaN is refused too.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):  # NumPy's scalars are Real too
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    too_high = high is not None and (value >= high if high_open else value > high)
    if not value >= low or too_high:  # `not >=` also catches NaN
        bound = "" if high is None else f" and {'<' if high_open else '<='} {high}"
        raise ValueError(f"{name} must be >= {low}{bound}, got {value!r}")


def check_betas(betas: tuple[float, float]) -> None:
    r"""Adam's ``betas``: a pair of numbers, each in ``[0, 1)``."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    check_range("betas[0]", betas[0], 0.0, 1.0, high_open=True)
    check_range("betas[1]", betas[1], 0.0, 1.0, high_open=True)


def check_step_inputs(rule: str, param: Tensor, grad: Tensor, state: MutableMapping[str, Any]) -> None:
    r"""The checks every update function makes before it touches anything.

    ``param`` must be a floating-point tensor, ``grad`` a dense tensor of the same shape, and
    ``state`` a dict whose tensors (the running averages of earlier steps) have that shape too.

    Args:
        rule: the name of the calling function, for the message (``"adam_step"``).
    """
    if not isinstance(param, Tensor) or not param.is_floating_point():
        raise TypeError(f"{rule}: param must be a floating-point tensor, got {_describe(param)}")
    if not isinstance(grad, Tensor):
        raise TypeError(f"{rule}: grad must be a tensor, got {type(grad).__name__}")
    if grad.is_sparse:
        raise RuntimeError("dl_lib.optim supports dense gradients only; use torch.optim for sparse ones")
    if grad.shape != param.shape:
        raise ValueError(f"{rule}: grad must have the shape of param {tuple(param.shape)}, "
                         f"got {tuple(grad.shape)}")
    if not isinstance(state, MutableMapping):
        raise TypeError(f"{rule}: state must be a dict (empty before the first step), "
                        f"got {type(state).__name__}")
    for key, value in state.items():
        if isinstance(value, Tensor) and value.shape != param.shape:
            raise ValueError(f"{rule}: state[{key!r}] has shape {tuple(value.shape)}, but param has "
                             f"{tuple(param.shape)}: is this the state of another parameter?")


def _describe(x: object) -> str:
    return f"a {x.dtype} tensor" if isinstance(x, Tensor) else type(x).__name__


class FunctionalOptimizer(torch.optim.Optimizer):
    r"""A ``torch.optim.Optimizer`` whose step applies an update function to each parameter.

    A subclass sets ``rule``, a function ``rule(param, grad, state, **hyperparameters)`` that
    updates ``param`` and ``state`` in place, and passes the hyperparameters' defaults to
    ``__init__``; their names are the function's keyword arguments (kept in ``hyperparameters``). ``step`` then calls
    ``rule(p, p.grad, self.state[p], **hyper)`` for every parameter ``p`` that has a gradient,
    with the hyperparameters of ``p``'s parameter group.

    Args:
        params: the parameters to optimize, or a list of dicts defining parameter groups.
        defaults: the hyperparameters, e.g. ``dict(lr=0.1, momentum=0.9)``.
    """

    rule: ClassVar[Callable[..., None]]

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]) -> None:
        if not callable(getattr(type(self), "rule", None)):
            raise TypeError(f"{type(self).__name__} must set `rule`, the update function it applies")
        self.hyperparameters = tuple(defaults)  # the rule's keywords (PyTorch may add keys to defaults)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """Update every parameter that has a gradient; ``closure`` re-computes the loss if given."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            hyper = {name: group[name] for name in self.hyperparameters}  # not "params", "initial_lr", ...
            for p in group["params"]:
                if p.grad is not None:
                    type(self).rule(p, p.grad, self.state[p], **hyper)
        return loss

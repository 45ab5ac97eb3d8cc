"""Argument checks shared by the optimizers: each names the argument and the range it must lie in."""

from __future__ import annotations


def check_range(
    name: str, value: float, low: float, high: float | None = None, high_open: bool = False
) -> None:
    r"""Raise ``ValueError`` unless ``low <= value <= high`` (or ``< high`` with ``high_open``)."""
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


def dense_grad(p) -> object:
    """The gradient of ``p``; sparse gradients are refused, these optimizers are written for dense ones."""
    if p.grad.is_sparse:
        raise RuntimeError("dl_lib.optim supports dense gradients only; use torch.optim for sparse ones")
    return p.grad

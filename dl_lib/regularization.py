r"""Regularization: weight penalties and data augmentation, the tools of chapter 9.

A network with more parameters than training examples can fit the training set perfectly and
still predict new data badly. The functions here push it towards simpler solutions: L2 and L1
penalties on the weights (:func:`l2_penalty`, :func:`l1_penalty`, added to the training loss by
:func:`penalized`), and randomly shifted and rotated copies of the training images
(:func:`random_affine`, applied batch by batch by :class:`AugmentedLoader`). Dropout and batch
normalization are layers (``dl_lib.nn.dropout``, ``dl_lib.nn.batchnorm``); early stopping is
``dl_lib.train.fit(..., patience=..., restore_best=True)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "AugmentedLoader", "affine_transform", "l1_penalty", "l2_penalty", "penalized",
    "random_affine", "sparsity", "weight_parameters",
]


def weight_parameters(model: nn.Module) -> list[nn.Parameter]:
    r"""The parameters a penalty applies to: the weight matrices and kernels, not the biases.

    By convention, penalties and weight decay act on parameters with at least two dimensions
    (``nn.Linear``'s ``(out, in)`` weight, ``nn.Conv2d``'s kernels) and leave out the
    one-dimensional ones: biases, and the scale and shift of normalization layers. A bias only
    moves a unit's threshold; shrinking it towards zero does not make the function simpler.
    """
    return [p for p in model.parameters() if p.dim() >= 2]


def l2_penalty(model: nn.Module, lam: float) -> Tensor:
    r"""The L2 (ridge) penalty :math:`\frac{\lambda}{2}\sum_j w_j^2` over the model's weights.

    Its gradient is :math:`\lambda\mathbf{w}`, so adding it to the loss and taking a gradient step
    shrinks every weight by the factor :math:`1 - \eta\lambda`: with this convention (the
    :math:`\frac12`), ``lam`` is exactly the ``weight_decay`` of ``torch.optim.SGD``.

    Args:
        model: the weights are :func:`weight_parameters` (biases are not penalized).
        lam: :math:`\lambda \ge 0`, the strength.

    Returns:
        A scalar tensor, differentiable with respect to the weights.
    """
    if not lam >= 0:
        raise ValueError(f"l2_penalty: lam must be >= 0, got {lam!r}")
    return lam / 2 * sum((w**2).sum() for w in weight_parameters(model))


def l1_penalty(model: nn.Module, lam: float) -> Tensor:
    r"""The L1 (lasso) penalty :math:`\lambda\sum_j |w_j|` over the model's weights.

    Its gradient (where :math:`w_j \neq 0`) is :math:`\lambda\,\mathrm{sign}(w_j)`: a pull of the
    same size towards zero however small the weight already is, which drives many weights to
    (almost) exactly zero. Tibshirani (1996) introduced it for linear regression as the lasso.

    Args:
        model: the weights are :func:`weight_parameters` (biases are not penalized).
        lam: :math:`\lambda \ge 0`, the strength.

    Returns:
        A scalar tensor, differentiable with respect to the weights (gradient 0 at exactly 0).
    """
    if not lam >= 0:
        raise ValueError(f"l1_penalty: lam must be >= 0, got {lam!r}")
    return lam * sum(w.abs().sum() for w in weight_parameters(model))


def penalized(
    loss_fn: Callable[[Tensor, Tensor], Tensor], model: nn.Module, penalty: Callable[[nn.Module], Tensor]
) -> Callable[[Tensor, Tensor], Tensor]:
    r"""A loss function that adds ``penalty(model)`` to ``loss_fn`` while the model trains.

    The penalty is part of the objective that training minimizes, not of the error we measure:
    in eval mode (``dl_lib.train.evaluate`` switches to it) the returned function is just
    ``loss_fn``, so validation losses stay comparable between penalized and unpenalized models.

    Args:
        loss_fn: ``loss_fn(y_hat, y)``, a scalar, e.g. ``nn.CrossEntropyLoss()``.
        model: the model whose ``training`` flag decides, and which ``penalty`` reads.
        penalty: e.g. ``lambda m: l2_penalty(m, 1e-3)``.

    Returns:
        ``loss(y_hat, y) = loss_fn(y_hat, y) + penalty(model)`` in train mode, ``loss_fn`` in eval mode.
    """
    def loss(y_hat: Tensor, y: Tensor) -> Tensor:
        value = loss_fn(y_hat, y)
        return value + penalty(model) if model.training else value

    return loss


def sparsity(model: nn.Module, threshold: float = 1e-3) -> float:
    r"""The fraction of the model's weights whose magnitude is below ``threshold``."""
    weights = torch.cat([w.detach().reshape(-1) for w in weight_parameters(model)])
    return (weights.abs() < threshold).float().mean().item()


def affine_transform(images: Tensor, angles: Tensor, shifts: Tensor) -> Tensor:
    r"""Rotate each image about its centre, then shift it; pixels from outside the image are 0.

    Image :math:`i` is rotated by ``angles[i]`` degrees counter-clockwise (as displayed, row 0 at
    the top) and moved ``shifts[i] = (dx, dy)`` pixels right and down. Each output pixel at
    position :math:`\mathbf{p}` (in pixels, from the image centre, :math:`y` pointing down) reads
    the input at :math:`A^\top(\mathbf{p} - \mathbf{t})`, where :math:`A` is the rotation and
    :math:`\mathbf{t}` the shift, interpolating bilinearly (``F.affine_grid`` + ``F.grid_sample``).
    Whole-pixel shifts and multiples of 90 degrees move pixels exactly, without blurring.

    Args:
        images: shape ``(N, C, H, W)``, floating point.
        angles: shape ``(N,)``, in degrees.
        shifts: shape ``(N, 2)``, ``(dx, dy)`` in pixels.

    Returns:
        Shape ``(N, C, H, W)``.
    """
    if images.dim() != 4 or not images.is_floating_point():
        raise ValueError(f"affine_transform expects float images of shape (N, C, H, W), got "
                         f"{images.dtype} {tuple(images.shape)}")
    N, C, H, W = images.shape
    if angles.shape != (N,) or shifts.shape != (N, 2):
        raise ValueError(f"affine_transform expects angles of shape ({N},) and shifts of shape ({N}, 2), "
                         f"got {tuple(angles.shape)} and {tuple(shifts.shape)}")
    options = {"dtype": images.dtype, "device": images.device}
    a = torch.deg2rad(angles.to(**options))
    cos, sin = torch.cos(a), torch.sin(a)
    A_T = torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2)  # (N, 2, 2)
    D = torch.tensor([W / 2, H / 2], **options)  # pixels per unit of grid_sample's [-1, 1] coordinates
    theta = torch.empty(N, 2, 3, **options)
    theta[:, :, :2] = A_T * D[None, None, :] / D[None, :, None]  # D^-1 A^T D
    theta[:, :, 2] = -(A_T @ shifts.to(**options)[:, :, None])[:, :, 0] / D  # -D^-1 A^T t
    grid = F.affine_grid(theta, [N, C, H, W], align_corners=False)  # (N, H, W, 2)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def random_affine(
    images: Tensor, max_degrees: float = 10.0, max_shift: int = 1, generator: torch.Generator | None = None
) -> Tensor:
    r"""Each image rotated by a random angle and shifted by a random whole number of pixels.

    Angles are uniform in :math:`[-\text{max\_degrees}, \text{max\_degrees}]`; ``dx`` and ``dy``
    are uniform integers in :math:`\{-\text{max\_shift}, \dots, \text{max\_shift}\}`, drawn on
    the CPU from ``generator`` (so a seeded generator repeats the same augmentations) and
    applied with :func:`affine_transform`.

    Args:
        images: shape ``(N, C, H, W)``, floating point.
        max_degrees: the largest rotation, :math:`\ge 0`.
        max_shift: the largest shift in pixels, an integer :math:`\ge 0`.
        generator: the random generator; None uses PyTorch's global one.

    Returns:
        Shape ``(N, C, H, W)``, on the device of ``images``.
    """
    if not max_degrees >= 0 or isinstance(max_shift, bool) or not isinstance(max_shift, int) or max_shift < 0:
        raise ValueError(f"random_affine expects max_degrees >= 0 and an integer max_shift >= 0, "
                         f"got {max_degrees!r} and {max_shift!r}")
    N = images.shape[0]
    angles = (2 * torch.rand(N, generator=generator, dtype=torch.float64) - 1) * max_degrees
    shifts = torch.randint(-max_shift, max_shift + 1, (N, 2), generator=generator)
    return affine_transform(images, angles, shifts)


class AugmentedLoader:
    r"""Wrap a loader of ``(X, y)`` batches so every batch's ``X`` goes through ``transform`` first.

    Each epoch draws new random transformations, so the model never sees quite the same image
    twice. Give it only to the training set: validation and test data stay as they are.

    Args:
        loader: yields batches ``(X, y)``, e.g. a ``DataLoader``.
        transform: maps ``X`` to a tensor of the same shape, e.g.
            ``lambda X: random_affine(X, 10, 1, generator)``.
    """

    def __init__(self, loader: Iterable, transform: Callable[[Tensor], Tensor]) -> None:
        self.loader, self.transform = loader, transform

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        for X, y in self.loader:
            yield self.transform(X), y

    def __len__(self) -> int:
        return len(self.loader)


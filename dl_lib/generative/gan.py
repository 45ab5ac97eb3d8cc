r"""Generative adversarial networks: the two losses, one training step, and mode coverage.

A generator :math:`G` turns noise :math:`z \sim \mathcal N(0, I)` into samples; a
discriminator :math:`D` outputs a *logit* :math:`\ell = D(x)`, with :math:`\sigma(\ell)` its
probability that :math:`x` is real. Goodfellow et al. (2014) set up the game

.. math:: \min_G \max_D \; \mathbb E_{x}[\log \sigma(D(x))]
          + \mathbb E_{z}[\log(1 - \sigma(D(G(z))))].

Every loss here takes logits, never probabilities: :math:`-\log\sigma(\ell) =
\operatorname{softplus}(-\ell)` and :math:`-\log(1 - \sigma(\ell)) = \operatorname{softplus}(\ell)`
stay finite for any logit, where ``log(sigmoid(l))`` returns ``-inf`` once the sigmoid rounds
to 0. The losses equal PyTorch's ``binary_cross_entropy_with_logits`` with targets 1 (real)
and 0 (fake); ``tests/generative/test_gan.py`` checks that.

``ring_of_gaussians`` and ``modes_covered`` measure *mode collapse* on a toy problem whose
modes are known, following the protocol of Srivastava et al. (2017): a sample counts for the
nearest mode when it lies within a few standard deviations of its centre.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "GENERATOR_LOSSES",
    "discriminator_loss",
    "gan_step",
    "generator_loss",
    "mode_counts",
    "modes_covered",
    "ring_of_gaussians",
]

GENERATOR_LOSSES = ("non_saturating", "minimax")


def _check_logits(logits: Tensor, name: str, caller: str) -> None:
    """Logits: a non-empty floating-point tensor."""
    if not isinstance(logits, Tensor) or not logits.is_floating_point():
        got = str(logits.dtype) if isinstance(logits, Tensor) else type(logits).__name__
        raise TypeError(f"{caller}: {name} must be a floating-point tensor of logits, got {got}")
    if logits.numel() == 0:
        raise ValueError(f"{caller}: {name} is empty; it needs at least one logit")


def discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    r"""The discriminator's loss: binary cross-entropy with real labelled 1 and fake labelled 0.

    .. math:: L_D = -\frac1{B_r}\sum_i \log \sigma(\ell^{\text{real}}_i)
              - \frac1{B_f}\sum_j \log\bigl(1 - \sigma(\ell^{\text{fake}}_j)\bigr)
              = \overline{\operatorname{softplus}(-\ell^{\text{real}})}
              + \overline{\operatorname{softplus}(\ell^{\text{fake}})}

    It is the negative of the value :math:`D` maximises in the minimax game. At the game's
    equilibrium, :math:`\sigma(\ell) = \tfrac12` everywhere and :math:`L_D = 2 \log 2`.

    Args:
        real_logits: :math:`D(x)` on real examples, any shape (usually ``(B, 1)`` or ``(B,)``).
        fake_logits: :math:`D(G(z))` on generated examples, any shape.

    Returns:
        A scalar: the two means added, as
        ``F.binary_cross_entropy_with_logits(real, 1) + F.binary_cross_entropy_with_logits(fake, 0)``.
    """
    _check_logits(real_logits, "real_logits", "discriminator_loss")
    _check_logits(fake_logits, "fake_logits", "discriminator_loss")
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss(fake_logits: Tensor, kind: str = "non_saturating") -> Tensor:
    r"""The generator's loss on the discriminator's logits for generated examples.

    - ``"minimax"``: the game as written, :math:`L_G = \overline{\log(1 - \sigma(\ell))}
      = -\overline{\operatorname{softplus}(\ell)}`. When :math:`D` rejects the fakes
      confidently (:math:`\ell \ll 0`), its gradient :math:`-\sigma(\ell)` vanishes: it
      *saturates*, exactly when the generator most needs a signal.
    - ``"non_saturating"``: the generator maximises :math:`\log \sigma(\ell)` instead,
      :math:`L_G = -\overline{\log \sigma(\ell)} = \overline{\operatorname{softplus}(-\ell)}`,
      i.e. ``F.binary_cross_entropy_with_logits(fake, 1)``. Same fixed point, but a gradient of
      :math:`-(1 - \sigma(\ell)) \approx -1` where the minimax one vanishes (Goodfellow et al., 2014).

    Args:
        fake_logits: :math:`D(G(z))`, any shape.
        kind: ``"non_saturating"`` (default, what everyone trains with) or ``"minimax"``.

    Returns:
        A scalar.
    """
    _check_logits(fake_logits, "fake_logits", "generator_loss")
    if kind == "non_saturating":
        return F.softplus(-fake_logits).mean()
    if kind == "minimax":
        return -F.softplus(fake_logits).mean()
    raise ValueError(f"generator_loss: kind must be one of {GENERATOR_LOSSES}, got {kind!r}")


def gan_step(generator: nn.Module, discriminator: nn.Module, real: Tensor,
             g_optimizer: torch.optim.Optimizer, d_optimizer: torch.optim.Optimizer,
             latent_dim: int, kind: str = "non_saturating") -> tuple[float, float]:
    r"""One round of the game on one batch: a discriminator step, then a generator step.

    1. Draw :math:`z \sim \mathcal N(0, I)` of shape ``(B, latent_dim)`` (on ``real``'s device, in
       its dtype) and make fakes.
    2. Discriminator: minimise :func:`discriminator_loss` on the real batch and the *detached*
       fakes (so that this step does not touch the generator).
    3. Generator: minimise :func:`generator_loss` of the updated discriminator on the same
       fakes. Its backward pass also leaves gradients in the discriminator; the next
       ``d_optimizer.zero_grad()`` clears them.

    Args:
        generator: maps ``(B, latent_dim)`` noise to a batch shaped like ``real``.
        discriminator: maps a batch to logits of shape ``(B, 1)`` or ``(B,)``.
        real: a batch of real examples, on the models' device.
        g_optimizer, d_optimizer: built on each network's parameters.
        latent_dim: the size of the noise vector, >= 1.
        kind: the generator loss, ``"non_saturating"`` or ``"minimax"``.

    Returns:
        ``(d_loss, g_loss)`` as floats, for the training curves.
    """
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
        raise ValueError(f"gan_step: latent_dim must be an integer >= 1, got {latent_dim!r}")
    if kind not in GENERATOR_LOSSES:
        raise ValueError(f"gan_step: kind must be one of {GENERATOR_LOSSES}, got {kind!r}")
    B = real.shape[0]
    z = torch.randn(B, latent_dim, device=real.device, dtype=real.dtype)  # (B, latent_dim)
    fake = generator(z)  # shaped like real
    if fake.shape != real.shape:
        raise ValueError(f"gan_step: the generator made a batch of shape {tuple(fake.shape)}, "
                         f"but the real batch has shape {tuple(real.shape)}")

    d_optimizer.zero_grad()
    d_loss = discriminator_loss(discriminator(real), discriminator(fake.detach()))
    d_loss.backward()
    d_optimizer.step()

    g_optimizer.zero_grad()
    g_loss = generator_loss(discriminator(fake), kind)
    g_loss.backward()
    g_optimizer.step()
    return d_loss.item(), g_loss.item()


def ring_of_gaussians(n: int, num_modes: int = 8, radius: float = 2.0, std: float = 0.02,
                      generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
    r"""Samples from a mixture of ``num_modes`` equal 2-D Gaussians on a circle.

    Mode :math:`k` is centred at :math:`r(\cos\frac{2\pi k}{K}, \sin\frac{2\pi k}{K})` with
    covariance :math:`s^2 I`; each sample picks a mode uniformly at random. The standard toy
    problem for mode collapse (Metz et al., 2017).

    Args:
        n: the number of samples, >= 1.
        num_modes: :math:`K`, >= 1.
        radius: :math:`r > 0`; std: :math:`s > 0`.
        generator: a ``torch.Generator`` for reproducible draws, or None.

    Returns:
        ``(X, centers)``: samples of shape ``(n, 2)`` and the mode centres, ``(num_modes, 2)``.
    """
    for name, value in (("n", n), ("num_modes", num_modes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"ring_of_gaussians: {name} must be an integer >= 1, got {value!r}")
    if not radius > 0 or not std > 0:
        raise ValueError(f"ring_of_gaussians: radius and std must be > 0, got {radius!r} and {std!r}")
    angles = 2 * math.pi * torch.arange(num_modes, dtype=torch.float32) / num_modes
    centers = radius * torch.stack([angles.cos(), angles.sin()], dim=1)  # (K, 2)
    which = torch.randint(0, num_modes, (n,), generator=generator)  # (n,)
    X = centers[which] + std * torch.randn(n, 2, generator=generator)  # (n, 2)
    return X, centers


def mode_counts(samples: Tensor, centers: Tensor, max_distance: float) -> Tensor:
    r"""How many samples fall near each mode: the nearest centre, within ``max_distance``.

    Each sample is assigned to its nearest centre; it counts only when it lies within
    ``max_distance`` of it (Srivastava et al., 2017, use three standard deviations). Samples
    farther from every centre are "low quality" and count for no mode.

    Args:
        samples: shape ``(N, D)``.
        centers: shape ``(K, D)``.
        max_distance: the radius around a centre, > 0.

    Returns:
        An int64 tensor of shape ``(K,)``; its sum is the number of high-quality samples.
    """
    if samples.ndim != 2 or centers.ndim != 2 or samples.shape[1] != centers.shape[1]:
        raise ValueError(f"mode_counts expects samples (N, D) and centers (K, D) with the same D, "
                         f"got {tuple(samples.shape)} and {tuple(centers.shape)}")
    if not max_distance > 0:
        raise ValueError(f"mode_counts: max_distance must be > 0, got {max_distance!r}")
    distances = torch.cdist(samples.double(), centers.double().to(samples.device))  # (N, K)
    nearest_distance, nearest = distances.min(dim=1)  # (N,), (N,)
    close = nearest[nearest_distance <= max_distance]
    return torch.bincount(close, minlength=centers.shape[0]).cpu()


def modes_covered(samples: Tensor, centers: Tensor, max_distance: float, min_count: int = 1) -> int:
    r"""The number of modes that received at least ``min_count`` samples (see :func:`mode_counts`).

    Args:
        samples: shape ``(N, D)``; centers: shape ``(K, D)``; max_distance: > 0.
        min_count: how many nearby samples make a mode count as covered, >= 1.

    Returns:
        An int between 0 and K.
    """
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"modes_covered: min_count must be an integer >= 1, got {min_count!r}")
    return int((mode_counts(samples, centers, max_distance) >= min_count).sum())

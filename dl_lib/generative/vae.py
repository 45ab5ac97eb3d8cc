r"""The pieces of a variational autoencoder's loss: sampling, the Gaussian KL term, the negative ELBO.

A variational autoencoder (Kingma and Welling, 2014) trains an encoder
:math:`q_\phi(\mathbf{z} \mid \mathbf{x}) = \mathcal{N}(\boldsymbol\mu, \operatorname{diag}\boldsymbol\sigma^2)`
and a decoder :math:`p_\theta(\mathbf{x} \mid \mathbf{z})` by maximising the evidence lower bound

.. math::

    \log p_\theta(\mathbf{x}) \ge
    \mathbb{E}_{q_\phi(\mathbf{z} \mid \mathbf{x})}\big[\log p_\theta(\mathbf{x} \mid \mathbf{z})\big]
    - D_\mathrm{KL}\big(q_\phi(\mathbf{z} \mid \mathbf{x}) \,\|\, p(\mathbf{z})\big),

with the prior :math:`p(\mathbf{z}) = \mathcal{N}(\mathbf{0}, I)`. The encoder returns the
log-variance :math:`\log\boldsymbol\sigma^2` rather than :math:`\boldsymbol\sigma`, so it may
output any real number. These functions follow the device and dtype of their inputs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["reparameterize", "gaussian_kl", "negative_elbo"]


def _check_pair(caller: str, mu: Tensor, logvar: Tensor) -> None:
    """Mean and log-variance must be float tensors of one shape with a latent dimension."""
    if not isinstance(mu, Tensor) or not isinstance(logvar, Tensor):
        raise TypeError(f"{caller} expects tensors mu and logvar, got "
                        f"{type(mu).__name__} and {type(logvar).__name__}")
    if mu.shape != logvar.shape:
        raise ValueError(f"{caller} expects mu and logvar of the same shape, got "
                         f"{tuple(mu.shape)} and {tuple(logvar.shape)}")
    if mu.dim() == 0:
        raise ValueError(f"{caller} expects mu of shape (*, latent_dim), got a scalar")
    if not mu.is_floating_point() or not logvar.is_floating_point():
        raise TypeError(f"{caller} expects floating-point mu and logvar, got {mu.dtype} and {logvar.dtype}")


def reparameterize(mu: Tensor, logvar: Tensor, eps: Tensor | None = None,
                   generator: torch.Generator | None = None) -> Tensor:
    r"""Sample z = mu + sigma * eps from N(mu, diag(sigma^2)), differentiably.

    The *reparameterization trick*: the randomness comes from a standard normal
    :math:`\boldsymbol\varepsilon \sim \mathcal{N}(\mathbf{0}, I)` that does not
    depend on the parameters, and the sample is a differentiable function of them,

    .. math::

        \mathbf{z} = \boldsymbol\mu + \boldsymbol\sigma \odot \boldsymbol\varepsilon,
        \qquad \boldsymbol\sigma = \exp\big(\tfrac12 \log\boldsymbol\sigma^2\big),

    so :math:`\partial z_j / \partial \mu_j = 1` and
    :math:`\partial z_j / \partial \sigma_j = \varepsilon_j`.
    The same as ``torch.distributions.Normal(mu, std).rsample()``.

    Args:
        mu: means, shape ``(*, latent_dim)``.
        logvar: log-variances :math:`\log\sigma^2`, the shape of ``mu``.
        eps: the standard-normal noise, the shape of ``mu``; drawn when None.
        generator: the generator for drawing ``eps`` (on ``mu``'s device), or None.

    Returns:
        ``z``, the shape of ``mu``.
    """
    _check_pair("reparameterize", mu, logvar)
    if eps is None:
        eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype,
                          device=mu.device)
    elif eps.shape != mu.shape:
        raise ValueError(f"reparameterize expects eps of the shape of mu "
                         f"{tuple(mu.shape)}, got {tuple(eps.shape)}")
    std = torch.exp(0.5 * logvar)  # sigma, not sigma^2
    return mu + std * eps


def gaussian_kl(mu: Tensor, logvar: Tensor, prior_mu: Tensor | None = None,
                prior_logvar: Tensor | None = None) -> Tensor:
    r"""KL divergence between diagonal Gaussians, summed over the latent dimensions.

    For :math:`q = \mathcal{N}(\boldsymbol\mu, \operatorname{diag}\boldsymbol\sigma^2)`
    and the prior :math:`p = \mathcal{N}(\mathbf{m}, \operatorname{diag}\mathbf{s}^2)`,

    .. math::

        D_\mathrm{KL}(q \,\|\, p) = \frac12 \sum_{j=1}^{d} \Big(
            \log\frac{s_j^2}{\sigma_j^2}
            + \frac{\sigma_j^2 + (\mu_j - m_j)^2}{s_j^2} - 1 \Big),

    which for the standard-normal prior (the default) is
    :math:`\tfrac12 \sum_j (\mu_j^2 + \sigma_j^2 - \log\sigma_j^2 - 1)`. The same as
    ``torch.distributions.kl_divergence(Normal(mu, std), Normal(m, s)).sum(-1)``.

    Args:
        mu, logvar: the mean and log-variance of :math:`q`, shape ``(*, latent_dim)``.
        prior_mu, prior_logvar: those of :math:`p`, broadcastable to ``mu``; None: 0
            (the standard normal :math:`\mathcal{N}(\mathbf{0}, I)`).

    Returns:
        One KL value per row, shape ``(*,)``; each is :math:`\ge 0`.
    """
    _check_pair("gaussian_kl", mu, logvar)
    prior_mu = torch.zeros_like(mu) if prior_mu is None else prior_mu
    prior_logvar = torch.zeros_like(logvar) if prior_logvar is None else prior_logvar
    for name, value in (("prior_mu", prior_mu), ("prior_logvar", prior_logvar)):
        try:
            torch.broadcast_shapes(value.shape, mu.shape)
        except RuntimeError:
            raise ValueError(f"gaussian_kl expects {name} broadcastable to "
                             f"{tuple(mu.shape)}, got {tuple(value.shape)}") from None
    var_ratio = torch.exp(logvar - prior_logvar)  # sigma^2 / s^2
    mean_term = (mu - prior_mu).square() * torch.exp(-prior_logvar)  # (mu - m)^2 / s^2
    per_dim = 0.5 * (var_ratio + mean_term - 1.0 - (logvar - prior_logvar))
    return per_dim.sum(dim=-1)  # a sum over the latent dimensions


def negative_elbo(logits: Tensor, X: Tensor, mu: Tensor, logvar: Tensor,
                  beta: float = 1.0) -> tuple[Tensor, Tensor, Tensor]:
    r"""The VAE's loss: the negative ELBO with a Bernoulli decoder, a batch mean.

    With the decoder's pixel probabilities
    :math:`\hat{\mathbf{x}} = \operatorname{sigmoid}(\text{logits})` and one sample
    :math:`\mathbf{z}` from the encoder, for each example

    .. math::

        -\mathrm{ELBO}_\beta(\mathbf{x}) = \underbrace{-\sum_{i=1}^{D}
            \big(x_i \log \hat x_i + (1 - x_i) \log(1 - \hat x_i)\big)
            }_{\text{reconstruction}}
            + \beta\, D_\mathrm{KL}\big(\mathcal{N}(\boldsymbol\mu,
            \operatorname{diag}\boldsymbol\sigma^2) \,\|\,
            \mathcal{N}(\mathbf{0}, I)\big).

    Both terms are *sums* over an example's dimensions (pixels, latent units), and
    the loss is their *mean* over the batch. :math:`\beta = 1` is the ELBO of Kingma
    and Welling (2014); :math:`\beta \ne 1` the :math:`\beta`-VAE of Higgins et al.
    (2017). Pixels :math:`x_i \in [0, 1]` need not be binary; the reconstruction
    term is then a cross-entropy, computed on logits
    (``F.binary_cross_entropy_with_logits``) for numerical stability.

    Args:
        logits: the decoder's outputs before the sigmoid, shape ``(N, D)``.
        X: the inputs, values in [0, 1], the shape of ``logits``.
        mu, logvar: the encoder's outputs, shape ``(N, latent_dim)``.
        beta: the weight of the KL term, :math:`\ge 0`.

    Returns:
        ``(loss, reconstruction, kl)``, three scalars with
        ``loss = reconstruction + beta * kl``, each a mean over the batch (in nats
        per example).
    """
    _check_pair("negative_elbo", mu, logvar)
    if logits.shape != X.shape or logits.dim() != 2:
        raise ValueError(f"negative_elbo expects logits and X of one shape (N, D), got "
                         f"{tuple(logits.shape)} and {tuple(X.shape)}")
    if mu.dim() != 2 or mu.shape[0] != X.shape[0]:
        raise ValueError(f"negative_elbo expects mu of shape "
                         f"({X.shape[0]}, latent_dim), got {tuple(mu.shape)}")
    if X.numel() and (X.min() < 0 or X.max() > 1):
        raise ValueError(f"negative_elbo expects X in [0, 1] (a Bernoulli decoder), "
                         f"got values in [{X.min().item():.3g}, {X.max().item():.3g}]")
    if not beta >= 0:
        raise ValueError(f"negative_elbo expects beta >= 0, got {beta}")
    bce = F.binary_cross_entropy_with_logits(logits, X, reduction="none")  # (N, D)
    reconstruction = bce.sum(dim=1)  # (N,): a sum over the pixels
    kl = gaussian_kl(mu, logvar)  # (N,)
    reconstruction, kl = reconstruction.mean(), kl.mean()  # means over the batch
    return reconstruction + beta * kl, reconstruction, kl

r"""Autoencoders: an encoder squeezes the input into a code, a decoder rebuilds the input from it.

- :class:`Autoencoder`: deterministic, trained to minimise the reconstruction error
  :math:`\lVert \mathbf{x} - g(f(\mathbf{x})) \rVert^2`. With no hidden layer it is linear and
  learns the subspace of principal component analysis.
- :func:`corrupt`: the noise of a *denoising* autoencoder, which rebuilds the clean input
  from a corrupted one (Vincent et al., 2008).
- :func:`reconstruction_error`: one error per example, the score of anomaly detection.
- :class:`VAE`: the variational autoencoder (Kingma and Welling, 2014), whose encoder
  returns a Gaussian over codes and whose decoder can generate new examples
  (:meth:`VAE.sample`); :func:`train_vae` trains one on a tensor of examples.

Encoder and decoder are :class:`dl_lib.nn.MLP` s on flat inputs ``(N, in_features)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from dl_lib.generative.vae import negative_elbo, reparameterize
from dl_lib.nn import MLP

__all__ = ["Autoencoder", "corrupt", "reconstruction_error", "VAE", "train_vae"]


def _check_sizes(caller: str, in_features: int, latent_dim: int, hidden_sizes: Sequence[int]) -> list[int]:
    sizes = [in_features, *hidden_sizes, latent_dim]
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in sizes):
        raise ValueError(f"{caller} expects positive integer sizes, got in_features={in_features!r}, "
                         f"hidden_sizes={tuple(hidden_sizes)!r}, latent_dim={latent_dim!r}")
    return sizes


class Autoencoder(nn.Module):
    r"""An encoder :math:`f` and a mirrored decoder :math:`g`, trained so g(f(x)) = x.

    For ``hidden_sizes = (h_1, ..., h_k)`` the encoder is the MLP
    ``in_features -> h_1 -> ... -> h_k -> latent_dim`` and the decoder the mirror
    image ``latent_dim -> h_k -> ... -> h_1 -> in_features``, with ``activation``
    after every hidden layer and none on the code or the output. With
    ``hidden_sizes=()`` both are single linear layers,
    :math:`\mathbf{z} = W_e \mathbf{x} + \mathbf{b}_e` and
    :math:`\hat{\mathbf{x}} = W_d \mathbf{z} + \mathbf{b}_d`: a linear autoencoder,
    whose squared-error optimum spans the same subspace as the first ``latent_dim``
    principal components (Bourlard and Kamp, 1988; Baldi and Hornik, 1989).

    Args:
        in_features: the size of one (flattened) input, e.g. 64 for the 8x8 digits.
        latent_dim: the size of the code :math:`\mathbf{z}`.
        hidden_sizes: widths of the encoder's hidden layers (the decoder: reversed).
        activation: builds the activation after each hidden layer (``nn.ReLU``, ...).

    Shapes:
        ``encode``: ``(N, in_features) -> (N, latent_dim)``; ``decode`` the reverse;
        ``forward``: ``(N, in_features) -> (N, in_features)``.
    """

    def __init__(self, in_features: int, latent_dim: int,
                 hidden_sizes: Sequence[int] = (),
                 activation: Callable[[], nn.Module] = nn.ReLU) -> None:
        super().__init__()
        sizes = _check_sizes("Autoencoder", in_features, latent_dim, list(hidden_sizes))
        self.in_features, self.latent_dim = in_features, latent_dim
        self.encoder = MLP(sizes, activation)
        self.decoder = MLP(sizes[::-1], activation)

    def encode(self, X: Tensor) -> Tensor:
        if X.dim() != 2 or X.shape[1] != self.in_features:
            raise ValueError(f"Autoencoder expects input of shape "
                             f"(N, {self.in_features}), got {tuple(X.shape)}")
        return self.encoder(X)

    def decode(self, Z: Tensor) -> Tensor:
        if Z.dim() != 2 or Z.shape[1] != self.latent_dim:
            raise ValueError(f"Autoencoder expects codes of shape "
                             f"(N, {self.latent_dim}), got {tuple(Z.shape)}")
        return self.decoder(Z)

    def forward(self, X: Tensor) -> Tensor:
        return self.decode(self.encode(X))


def corrupt(X: Tensor, noise_std: float | Tensor = 0.0, mask_prob: float = 0.0,
            generator: torch.Generator | None = None, clip: bool = True) -> Tensor:
    r"""A corrupted copy of ``X`` for a denoising autoencoder: additive Gaussian noise and masking.

    .. math::

        \tilde x_i = \operatorname{clip}_{[0,1]}\big(m_i\, x_i + \sigma \varepsilon_i\big),
        \qquad \varepsilon_i \sim \mathcal{N}(0, 1),\quad m_i \sim \mathrm{Bernoulli}(1 - p),

    with :math:`\sigma` = ``noise_std`` and :math:`p` = ``mask_prob`` (the "masking noise" of
    Vincent et al., 2008, sets a random fraction :math:`p` of the inputs to zero). The
    autoencoder sees :math:`\tilde{\mathbf{x}}` and is trained to output the clean
    :math:`\mathbf{x}`. ``X`` itself is not changed.

    Args:
        X: inputs, any shape; pixels in [0, 1] when ``clip``.
        noise_std: :math:`\sigma \ge 0`, a number or a tensor broadcastable to ``X``
            (e.g. shape ``(N, 1)`` for a different noise level per example).
        mask_prob: :math:`p \in [0, 1]`.
        generator: random generator on the device of ``X``, or None for the global one.
        clip: keep the result in [0, 1], the range of pixel intensities.

    Returns:
        The corrupted inputs, the shape and dtype of ``X``.
    """
    if isinstance(noise_std, Tensor):
        try:
            torch.broadcast_shapes(noise_std.shape, X.shape)
        except RuntimeError:
            raise ValueError(f"corrupt expects noise_std broadcastable to {tuple(X.shape)}, "
                             f"got shape {tuple(noise_std.shape)}") from None
    if not bool((torch.as_tensor(noise_std) >= 0).all()):
        raise ValueError(f"corrupt expects noise_std >= 0, got {noise_std}")
    if not 0 <= mask_prob <= 1:
        raise ValueError(f"corrupt expects mask_prob in [0, 1], got {mask_prob}")
    if not X.is_floating_point():
        raise TypeError(f"corrupt expects a floating-point X, got {X.dtype}")
    keep = torch.rand(X.shape, generator=generator, device=X.device) >= mask_prob
    noise = torch.randn(X.shape, generator=generator, dtype=X.dtype, device=X.device)
    X_tilde = X * keep + noise_std * noise
    return X_tilde.clamp(0.0, 1.0) if clip else X_tilde


@torch.no_grad()
def reconstruction_error(model: nn.Module, X: Tensor, batch_size: int = 1024) -> Tensor:
    r"""The squared reconstruction error of every example, :math:`\frac1D\lVert\mathbf{x}-\hat{\mathbf{x}}\rVert^2`.

    The model runs in eval mode, without gradients, on the device of its parameters; a
    :class:`VAE` is scored through its mean code and the sigmoid of its decoder's logits.
    Used as an anomaly score: an autoencoder rebuilds what resembles its training data
    well and everything else badly.

    Args:
        model: an :class:`Autoencoder`, a :class:`VAE`, or any module mapping ``(N, D)`` to ``(N, D)``.
        X: shape ``(N, D)``.
        batch_size: examples per forward pass.

    Returns:
        Shape ``(N,)``, on the device of ``X``: the mean squared error over each example's ``D`` entries.
    """
    if X.dim() != 2:
        raise ValueError(f"reconstruction_error expects X of shape (N, D), got {tuple(X.shape)}")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    errors = []
    for start in range(0, len(X), batch_size):
        batch = X[start : start + batch_size].to(device)
        X_hat = model.reconstruct(batch) if isinstance(model, VAE) else model(batch)
        errors.append((batch - X_hat).square().mean(dim=1).to(X.device))
    model.train(was_training)
    return torch.cat(errors) if errors else X.new_zeros(0)


class VAE(nn.Module):
    r"""A variational autoencoder with MLP encoder and decoder, a Gaussian code and a Bernoulli decoder.

    The encoder maps :math:`\mathbf{x}` to the mean :math:`\boldsymbol\mu` and the log-variance
    :math:`\log\boldsymbol\sigma^2` of :math:`q(\mathbf{z} \mid \mathbf{x})` (one MLP with
    ``2 * latent_dim`` outputs, split in two); the decoder maps a code :math:`\mathbf{z}` to the
    logits of the pixel probabilities of :math:`p(\mathbf{x} \mid \mathbf{z})`. Train it with
    :func:`dl_lib.generative.negative_elbo` on pixels in [0, 1], or with :func:`train_vae`.

    Chapter 17's VAE of the 8x8 digits (``dl_lib.data.digits()``, 1,257 training
    images, pixels in [0, 1]) is ``VAE(64, latent_dim=8, hidden_sizes=(256,))`` trained
    by ``train_vae(model, X_train, num_epochs=40, lr=3e-3)``: about a second on one CPU
    thread, a negative ELBO of about 25 nats per test image. Then
    ``model.sample(n)`` gives ``n`` new digits as ``(n, 64)`` pixel values in [0, 1].

    Args:
        in_features: size of one flattened input (64 for the 8x8 digits, 784 for MNIST).
        latent_dim: size of the code :math:`\mathbf{z}`.
        hidden_sizes: widths of the encoder's hidden layers; the decoder uses them reversed.
        activation: builds the activation after each hidden layer.

    Shapes:
        ``encode``: ``(N, in_features) -> ((N, latent_dim), (N, latent_dim))``;
        ``decode``: ``(N, latent_dim) -> (N, in_features)`` logits;
        ``forward``: ``(N, in_features) -> (logits, mu, logvar)``;
        ``sample(n)``: ``(n, in_features)`` pixel probabilities in [0, 1].
    """

    def __init__(self, in_features: int, latent_dim: int = 2, hidden_sizes: Sequence[int] = (256,),
                 activation: Callable[[], nn.Module] = nn.ReLU) -> None:
        super().__init__()
        sizes = _check_sizes("VAE", in_features, latent_dim, list(hidden_sizes))
        self.in_features, self.latent_dim = in_features, latent_dim
        self.encoder = MLP([*sizes[:-1], 2 * latent_dim], activation)  # outputs [mu, logvar]
        self.decoder = MLP(sizes[::-1], activation)  # outputs logits

    def encode(self, X: Tensor) -> tuple[Tensor, Tensor]:
        """The mean and log-variance of q(z | x), each ``(N, latent_dim)``."""
        if X.dim() != 2 or X.shape[1] != self.in_features:
            raise ValueError(f"VAE expects input of shape (N, {self.in_features}), got {tuple(X.shape)}")
        mu, logvar = self.encoder(X).chunk(2, dim=1)  # (N, 2 * latent) -> 2 x (N, latent)
        return mu, logvar

    def decode(self, Z: Tensor) -> Tensor:
        """The logits of p(x | z), ``(N, in_features)``; apply ``torch.sigmoid`` for pixel values."""
        if Z.dim() != 2 or Z.shape[1] != self.latent_dim:
            raise ValueError(f"VAE expects codes of shape (N, {self.latent_dim}), got {tuple(Z.shape)}")
        return self.decoder(Z)

    def forward(self, X: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        mu, logvar = self.encode(X)
        Z = reparameterize(mu, logvar)  # one sample per example, differentiable
        return self.decode(Z), mu, logvar

    def reconstruct(self, X: Tensor) -> Tensor:
        """The decoded mean code, as pixel probabilities: ``sigmoid(decode(mu))``."""
        mu, _ = self.encode(X)
        return torch.sigmoid(self.decode(mu))

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        r"""Generate ``n`` new examples: codes from the prior :math:`\mathcal{N}(\mathbf{0}, I)`, decoded to pixels.

        Returns the Bernoulli means :math:`\operatorname{sigmoid}(\text{decode}(\mathbf{z}))`,
        shape ``(n, in_features)``, values in [0, 1], on the device of the model (not binary
        draws, which look noisy). ``generator`` must live on that device.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"VAE.sample expects a non-negative integer n, got {n!r}")
        weight = next(self.decoder.parameters())
        Z = torch.randn(n, self.latent_dim, generator=generator, device=weight.device, dtype=weight.dtype)
        return torch.sigmoid(self.decode(Z))


def train_vae(model: VAE, X: Tensor, num_epochs: int = 100, batch_size: int = 128, lr: float = 1e-3,
              beta: float = 1.0, seed: int = 0, progress: bool = True) -> dict[str, list[float]]:
    r"""Train a :class:`VAE` with Adam on the negative ELBO; return the loss terms per epoch.

    Each epoch shuffles ``X`` (with a generator seeded by ``seed``), and for every batch
    takes one Adam step on :func:`negative_elbo` with weight ``beta``. ``X`` is moved to the
    device of the model.

    Args:
        model: the VAE, trained in place.
        X: the training examples, shape ``(N, in_features)``, values in [0, 1].
        num_epochs, batch_size, lr: as usual; ``lr`` is Adam's learning rate.
        beta: the weight of the KL term (1 for the ELBO).
        seed: seeds the shuffling and the reparameterization noise.
        progress: show a progress bar over epochs.

    Returns:
        ``{"loss": [...], "reconstruction": [...], "kl": [...]}``: per epoch, the example-weighted
        means of the batch values, each in nats per example.
    """
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, int) or num_epochs < 1:
        raise ValueError(f"train_vae expects an integer num_epochs >= 1, got {num_epochs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"train_vae expects an integer batch_size >= 1, got {batch_size!r}")
    if X.dim() != 2 or X.shape[1] != model.in_features or len(X) == 0:
        raise ValueError(f"train_vae expects X of shape (N, {model.in_features}) with N >= 1, got {tuple(X.shape)}")
    device = next(model.parameters()).device
    X = X.to(device)
    torch.manual_seed(seed)  # the reparameterization noise
    order = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history: dict[str, list[float]] = {"loss": [], "reconstruction": [], "kl": []}
    model.train()
    for _ in tqdm(range(num_epochs), desc=f"train_vae (beta={beta:g})", unit="epoch", disable=not progress):
        totals = torch.zeros(3, device=device)
        for idx in torch.randperm(len(X), generator=order).split(batch_size):
            batch = X[idx.to(device)]
            logits, mu, logvar = model(batch)
            loss, reconstruction, kl = negative_elbo(logits, batch, mu, logvar, beta)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            totals += len(idx) * torch.stack([loss, reconstruction, kl]).detach()
        for key, value in zip(history, (totals / len(X)).tolist(), strict=True):
            history[key].append(value)
    return history

"""dl_lib.generative.autoencoder: layouts that load into torch.nn, the linear autoencoder's PCA subspace,
corruption, reconstruction errors, the VAE's encode/decode/sample API, training, errors."""

import math

import pytest
import scipy.linalg
import torch
from torch import nn
from torch.testing import assert_close

from dl_lib.generative import VAE, Autoencoder, corrupt, negative_elbo, reconstruction_error, train_vae

TOL = {"rtol": 1e-6, "atol": 1e-6}


def _torch_mlp(sizes, activation=nn.ReLU):
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [nn.Linear(n_in, n_out), activation()]
    return nn.Sequential(*layers[:-1]).double()


@pytest.mark.parametrize("hidden_sizes", [(), (16,), (16, 8)])
def test_autoencoder_matches_torch_sequentials(hidden_sizes):
    torch.manual_seed(0)
    model = Autoencoder(12, 3, hidden_sizes, activation=nn.Tanh).double()
    encoder = _torch_mlp([12, *hidden_sizes, 3], nn.Tanh)
    decoder = _torch_mlp([3, *hidden_sizes[::-1], 12], nn.Tanh)
    encoder.load_state_dict(model.encoder.layers.state_dict())
    decoder.load_state_dict(model.decoder.layers.state_dict())
    X = torch.randn(5, 12, dtype=torch.float64)
    assert_close(model.encode(X), encoder(X), **TOL)
    assert_close(model(X), decoder(encoder(X)), **TOL)
    linear_layers = [m for m in model.modules() if hasattr(m, "weight")]
    assert len(linear_layers) == 2 * (len(hidden_sizes) + 1)


def test_linear_autoencoder_finds_the_pca_subspace():
    # 10-dimensional data whose variance lies mostly in 3 directions
    gen = torch.Generator().manual_seed(0)
    basis, _ = torch.linalg.qr(torch.randn(10, 10, generator=gen, dtype=torch.float64))
    scales = torch.tensor([5.0, 4.0, 3.0] + [0.3] * 7, dtype=torch.float64)
    X = (torch.randn(500, 10, generator=gen, dtype=torch.float64) * scales) @ basis.T + 2.0
    torch.manual_seed(0)
    model = Autoencoder(10, 3).double()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(600):
        loss = (model(X) - X).square().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    decoder_weight = model.decoder.layers[0].weight.detach()  # (10, 3): spans the code's image
    Xc = X - X.mean(0)
    _, S, Vt = torch.linalg.svd(Xc, full_matrices=False)
    angles = scipy.linalg.subspace_angles(decoder_weight.numpy(), Vt[:3].T.numpy())
    assert max(angles) < math.radians(1.0), f"principal angles {angles}"
    pca_error = S[3:].square().sum() / X.numel()
    assert loss.item() == pytest.approx(pca_error.item(), rel=1e-3)


def test_corrupt_noise_and_masking():
    X = torch.full((400, 50), 0.5, dtype=torch.float64)
    copy = X.clone()
    assert torch.equal(corrupt(X), X), "no noise and no masking leave X as it is"
    assert torch.equal(corrupt(X, mask_prob=1.0), torch.zeros_like(X))
    noisy = corrupt(X, noise_std=0.2, clip=False, generator=torch.Generator().manual_seed(0))
    assert noisy.std().item() == pytest.approx(0.2, rel=0.03), "noise_std is a standard deviation"
    masked = corrupt(X, mask_prob=0.3, generator=torch.Generator().manual_seed(0))
    assert (masked == 0).double().mean().item() == pytest.approx(0.3, abs=0.01)
    assert set(masked.unique().tolist()) == {0.0, 0.5}
    clipped = corrupt(X, noise_std=1.0, generator=torch.Generator().manual_seed(0))
    assert clipped.min() >= 0 and clipped.max() <= 1 and clipped.dtype == X.dtype
    assert torch.equal(X, copy), "X must not change"
    again = corrupt(X, noise_std=1.0, generator=torch.Generator().manual_seed(0))
    assert torch.equal(clipped, again)
    levels = torch.tensor([[0.0], [0.5]], dtype=torch.float64).repeat_interleave(200, dim=0)  # (400, 1)
    per_example = corrupt(X, noise_std=levels, clip=False, generator=torch.Generator().manual_seed(0))
    assert torch.equal(per_example[:200], X[:200]), "noise level 0 for the first half"
    assert per_example[200:].std().item() == pytest.approx(0.5, rel=0.03)


def test_reconstruction_error_per_example():
    torch.manual_seed(0)
    model = Autoencoder(6, 2, (4,))
    X = torch.rand(7, 6)
    with torch.no_grad():
        expected = (X - model(X)).square().mean(dim=1)
    model.train()
    errors = reconstruction_error(model, X, batch_size=3)
    assert errors.shape == (7,)
    assert_close(errors, expected)
    assert model.training, "the model gets back its train mode"
    vae = VAE(6, 2, (4,))
    with torch.no_grad():
        expected_vae = (X - torch.sigmoid(vae.decode(vae.encode(X)[0]))).square().mean(dim=1)
    assert_close(reconstruction_error(vae, X), expected_vae)


def test_vae_encode_decode_sample_and_torch_layout():
    torch.manual_seed(0)
    vae = VAE(20, latent_dim=4, hidden_sizes=(16,)).double()
    encoder, decoder = _torch_mlp([20, 16, 8]), _torch_mlp([4, 16, 20])
    encoder.load_state_dict(vae.encoder.layers.state_dict())
    decoder.load_state_dict(vae.decoder.layers.state_dict())
    X = torch.rand(5, 20, dtype=torch.float64)
    mu, logvar = vae.encode(X)
    assert mu.shape == logvar.shape == (5, 4)
    assert_close(torch.cat([mu, logvar], dim=1), encoder(X), **TOL)
    Z = torch.randn(3, 4, dtype=torch.float64)
    assert_close(vae.decode(Z), decoder(Z), **TOL)
    torch.manual_seed(1)
    logits, mu2, logvar2 = vae(X)
    torch.manual_seed(1)
    Z = mu + torch.exp(0.5 * logvar) * torch.randn(5, 4, dtype=torch.float64)
    assert_close(logits, decoder(Z), **TOL)
    assert_close(mu2, mu) and assert_close(logvar2, logvar)
    samples = vae.sample(6, generator=torch.Generator().manual_seed(3))
    assert samples.shape == (6, 20) and samples.min() >= 0 and samples.max() <= 1
    z = torch.randn(6, 4, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    assert_close(samples, torch.sigmoid(decoder(z)), **TOL)
    assert not samples.requires_grad
    assert vae.sample(0).shape == (0, 20)


def test_train_vae_lowers_the_loss_and_repeats_with_the_seed():
    gen = torch.Generator().manual_seed(0)
    prototypes = (torch.rand(4, 16, generator=gen) > 0.5).float()
    X = prototypes[torch.randint(0, 4, (200,), generator=gen)]  # four binary patterns
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        vae = VAE(16, latent_dim=2, hidden_sizes=(32,))
        history = train_vae(vae, X, num_epochs=30, batch_size=50, lr=1e-2, seed=3)
        runs.append(history)
    history = runs[0]
    assert runs[0] == runs[1], "the same seeds give the same run"
    assert set(history) == {"loss", "reconstruction", "kl"} and len(history["loss"]) == 30
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    for loss, reconstruction, kl in zip(history["loss"], history["reconstruction"], history["kl"], strict=True):
        assert loss == pytest.approx(reconstruction + kl, rel=1e-5)
    vae.eval()
    logits, mu, logvar = vae(X)
    assert negative_elbo(logits, X, mu, logvar)[0].item() < 0.5 * 16 * math.log(2)
    beta_zero = train_vae(VAE(16, 2, (32,)), X, num_epochs=2, beta=0.0)
    assert beta_zero["loss"] == pytest.approx(beta_zero["reconstruction"], rel=1e-6)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="positive integer sizes"):
        Autoencoder(64, 0)
    with pytest.raises(ValueError, match="positive integer sizes"):
        VAE(64, 2, (32, -1))
    model, vae = Autoencoder(8, 2), VAE(8, 2, (4,))
    with pytest.raises(ValueError, match=r"input of shape \(N, 8\)"):
        model(torch.zeros(3, 9))
    with pytest.raises(ValueError, match=r"codes of shape \(N, 2\)"):
        model.decode(torch.zeros(3, 3))
    with pytest.raises(ValueError, match=r"input of shape \(N, 8\)"):
        vae.encode(torch.zeros(8))
    with pytest.raises(ValueError, match=r"codes of shape \(N, 2\)"):
        vae.decode(torch.zeros(1, 4))
    with pytest.raises(ValueError, match="non-negative integer n"):
        vae.sample(-1)
    with pytest.raises(ValueError, match="noise_std >= 0"):
        corrupt(torch.zeros(2, 2), noise_std=-0.1)
    with pytest.raises(ValueError, match="noise_std >= 0"):
        corrupt(torch.zeros(2, 2), noise_std=torch.tensor([[0.1], [-0.1]]))
    with pytest.raises(ValueError, match="noise_std broadcastable"):
        corrupt(torch.zeros(2, 2), noise_std=torch.zeros(3, 1))
    with pytest.raises(ValueError, match=r"mask_prob in \[0, 1\]"):
        corrupt(torch.zeros(2, 2), mask_prob=1.5)
    with pytest.raises(TypeError, match="floating-point X"):
        corrupt(torch.zeros(2, 2, dtype=torch.long), 0.1)
    with pytest.raises(ValueError, match=r"X of shape \(N, D\)"):
        reconstruction_error(model, torch.zeros(8))
    with pytest.raises(ValueError, match="num_epochs >= 1"):
        train_vae(vae, torch.zeros(4, 8), num_epochs=0)
    with pytest.raises(ValueError, match="batch_size >= 1"):
        train_vae(vae, torch.zeros(4, 8), batch_size=0)
    with pytest.raises(ValueError, match=r"X of shape \(N, 8\)"):
        train_vae(vae, torch.zeros(4, 7))

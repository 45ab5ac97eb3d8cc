"""dl_lib.regularization: penalties (values, gradients, torch's weight_decay), augmentation, loaders."""

import pytest
import torch
from torch import nn
from torch.testing import assert_close
from torch.utils.data import DataLoader, TensorDataset

from dl_lib.nn.batchnorm import BatchNorm1d
from dl_lib.regularization import (
    AugmentedLoader,
    affine_transform,
    l1_penalty,
    l2_penalty,
    penalized,
    random_affine,
    sparsity,
    weight_parameters,
)


def _model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), BatchNorm1d(3), nn.Linear(3, 2)).double()


def test_weight_parameters_are_the_matrices_only():
    model = _model()
    weights = weight_parameters(model)
    assert [tuple(w.shape) for w in weights] == [(3, 4), (2, 3)]
    assert weights[0] is model[0].weight and weights[1] is model[3].weight


def test_penalty_values_by_hand():
    layer = nn.Linear(2, 1)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[3.0, -4.0]]))
        layer.bias.fill_(100.0)  # biases are not penalized
    assert_close(l2_penalty(layer, 0.1), torch.tensor(0.1 / 2 * 25))
    assert_close(l1_penalty(layer, 0.1), torch.tensor(0.1 * 7))


def test_penalty_gradients_are_lam_w_and_lam_sign_w():
    model = _model(1)
    lam = 0.3
    grads = torch.autograd.grad(l2_penalty(model, lam), list(model.parameters()), allow_unused=True)
    for p, g in zip(model.parameters(), grads, strict=True):
        if p.dim() >= 2:
            assert_close(g, lam * p.detach())
        else:
            assert g is None or torch.count_nonzero(g) == 0
    grads = torch.autograd.grad(l1_penalty(model, lam), weight_parameters(model))
    for w, g in zip(weight_parameters(model), grads, strict=True):
        assert_close(g, lam * torch.sign(w.detach()))


def test_l2_penalty_step_equals_torch_sgd_weight_decay_on_the_weights():
    """With the 1/2 convention, lam is torch.optim.SGD's weight_decay (applied to weights only)."""
    ours, ref = _model(2), _model(2)
    X = torch.randn(16, 4, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    y = torch.randint(0, 2, (16,), generator=torch.Generator().manual_seed(4))
    loss_fn = nn.CrossEntropyLoss()
    opt_ours = torch.optim.SGD(ours.parameters(), lr=0.1)
    decay = [p for p in ref.parameters() if p.dim() >= 2]
    rest = [p for p in ref.parameters() if p.dim() < 2]
    opt_ref = torch.optim.SGD([{"params": decay, "weight_decay": 0.05}, {"params": rest}], lr=0.1)
    for _ in range(5):
        for model, opt, penalty in ((ours, opt_ours, 0.05), (ref, opt_ref, 0.0)):
            loss = loss_fn(model(X), y) + l2_penalty(model, penalty)
            opt.zero_grad()
            loss.backward()
            opt.step()
    for p_ours, p_ref in zip(ours.parameters(), ref.parameters(), strict=True):
        assert_close(p_ours, p_ref, rtol=1e-6, atol=1e-6)


def test_penalties_refuse_negative_strength():
    with pytest.raises(ValueError, match="lam must be >= 0"):
        l2_penalty(_model(), -1.0)
    with pytest.raises(ValueError, match="lam must be >= 0"):
        l1_penalty(_model(), float("nan"))


def test_penalized_adds_the_penalty_in_train_mode_only():
    model = _model(5)
    X = torch.randn(6, 4, dtype=torch.float64)
    y = torch.tensor([0, 1, 0, 1, 1, 0])
    base = nn.CrossEntropyLoss()
    loss = penalized(base, model, lambda m: l2_penalty(m, 10.0))
    model.train()
    y_hat = model(X)
    assert_close(loss(y_hat, y), base(y_hat, y) + l2_penalty(model, 10.0))
    model.eval()
    y_hat = model(X)
    assert_close(loss(y_hat, y), base(y_hat, y))


def test_sparsity_counts_small_weights():
    layer = nn.Linear(4, 1)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[0.0, 1e-5, -0.5, 2.0]]))
    assert sparsity(layer, 1e-3) == 0.5
    assert sparsity(layer, 1.0) == 0.75


def test_whole_pixel_shift_moves_pixels_and_fills_zeros():
    x = torch.arange(1.0, 21.0).reshape(1, 1, 4, 5)  # non-square on purpose
    right = affine_transform(x, torch.zeros(1), torch.tensor([[1.0, 0.0]]))
    expected = torch.zeros_like(x)
    expected[..., 1:] = x[..., :-1]
    assert_close(right, expected, atol=1e-5, rtol=0)
    up_left = affine_transform(x, torch.zeros(1), torch.tensor([[-2.0, -1.0]]))
    expected = torch.zeros_like(x)
    expected[..., :-1, :-2] = x[..., 1:, 2:]
    assert_close(up_left, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize(("angle", "k"), [(90.0, 1), (180.0, 2), (-90.0, -1), (270.0, 3)])
def test_quarter_turns_match_torch_rot90_counter_clockwise(angle, k):
    x = torch.rand(3, 2, 6, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    rotated = affine_transform(x, torch.full((3,), angle), torch.zeros(3, 2))
    assert_close(rotated, torch.rot90(x, k, dims=(2, 3)), atol=1e-9, rtol=0)


def test_rotation_turns_each_image_by_its_own_angle_and_keeps_the_centre():
    x = torch.zeros(2, 1, 7, 7)
    x[:, 0, 3, 3] = 1.0  # the centre pixel stays put under any rotation
    x[:, 0, 3, 5] = 1.0  # two pixels right of the centre
    out = affine_transform(x, torch.tensor([90.0, 0.0]), torch.zeros(2, 2))
    assert out[0, 0, 3, 3] == pytest.approx(1.0) and out[0, 0, 1, 3] == pytest.approx(1.0)  # moved up
    assert_close(out[1], x[1])


def test_random_affine_is_seeded_and_bounded():
    x = torch.rand(32, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    a = random_affine(x, 10.0, 1, generator=torch.Generator().manual_seed(2))
    b = random_affine(x, 10.0, 1, generator=torch.Generator().manual_seed(2))
    c = random_affine(x, 10.0, 1, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert a.shape == x.shape and a.dtype == x.dtype
    assert_close(random_affine(x, 0.0, 0), x, atol=1e-6, rtol=0)  # nothing to do: the identity
    assert not torch.allclose(a, x)


def test_affine_shapes_are_checked():
    with pytest.raises(ValueError, match=r"images of shape \(N, C, H, W\)"):
        affine_transform(torch.zeros(8, 8), torch.zeros(1), torch.zeros(1, 2))
    with pytest.raises(ValueError, match=r"angles of shape \(2,\) and shifts of shape \(2, 2\)"):
        affine_transform(torch.zeros(2, 1, 8, 8), torch.zeros(3), torch.zeros(2, 2))
    with pytest.raises(ValueError, match="integer max_shift >= 0"):
        random_affine(torch.zeros(2, 1, 8, 8), 10.0, 0.5)


def test_augmented_loader_transforms_inputs_only_and_keeps_length():
    X, y = torch.rand(10, 1, 8, 8), torch.arange(10)
    loader = DataLoader(TensorDataset(X, y), batch_size=4)
    augmented = AugmentedLoader(loader, lambda images: images + 1)
    batches = list(augmented)
    assert len(augmented) == len(loader) == len(batches) == 3
    assert_close(torch.cat([b[0] for b in batches]), X + 1)
    assert torch.equal(torch.cat([b[1] for b in batches]), y)

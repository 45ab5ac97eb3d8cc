import math

import pytest
import torch

from dl_lib.optim import Adam, AdamW
from tests.optim.conftest import small_network


@pytest.mark.parametrize(
    "hyper",
    [
        dict(),
        dict(lr=0.01),
        dict(lr=0.01, betas=(0.8, 0.99)),
        dict(lr=0.01, weight_decay=0.1),
        dict(lr=0.02, betas=(0.0, 0.9), eps=1e-3),
    ],
    ids=str,
)
def test_adam_matches_torch(compare, hyper):
    assert compare(Adam, torch.optim.Adam, **hyper) < 1e-6


@pytest.mark.parametrize("hyper", [dict(), dict(lr=0.01), dict(lr=0.01, weight_decay=0.5),
                                   dict(lr=0.01, weight_decay=0.0), dict(lr=0.01, betas=(0.5, 0.9))], ids=str)
def test_adamw_matches_torch(compare, hyper):
    assert compare(AdamW, torch.optim.AdamW, **hyper) < 1e-6


def test_adam_with_decoupled_flag_is_adamw(compare):
    assert compare(Adam, torch.optim.Adam, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True) < 1e-6


def test_coupled_and_decoupled_decay_differ(compare):
    with pytest.raises(AssertionError):
        compare(Adam, torch.optim.AdamW, lr=0.01, weight_decay=0.1)


def test_defaults_are_torchs():
    model = small_network()
    for ours, ref in ((Adam, torch.optim.Adam), (AdamW, torch.optim.AdamW)):
        a, b = ours(model.parameters()).defaults, ref(model.parameters()).defaults
        assert {k: a[k] for k in a} == {k: b[k] for k in a}, ours.__name__


def test_first_step_is_lr_times_sign():
    # bias correction: m_hat_1 = g_1 and v_hat_1 = g_1^2, so the first step is lr * sign(g_1)
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    optimizer = Adam([w], lr=0.01, eps=0.0)
    w.grad = torch.tensor([1000.0, -0.001, 3.0], dtype=torch.float64)
    optimizer.step()
    torch.testing.assert_close(w.detach(), torch.tensor([-0.01, 0.01, -0.01], dtype=torch.float64))
    assert optimizer.state[w]["step"] == 1


def test_tenth_step_by_hand():
    beta1, beta2, lr, g = 0.9, 0.999, 0.1, 2.0
    w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = Adam([w], lr=lr, betas=(beta1, beta2), eps=0.0)
    for _ in range(10):
        w.grad = torch.full((1,), g, dtype=torch.float64)
        optimizer.step()
    m = (1 - beta1**10) * g  # a constant gradient: the average of ten equal values, shrunk by 1 - beta^t
    v = (1 - beta2**10) * g**2
    assert optimizer.state[w]["exp_avg"].item() == pytest.approx(m)
    assert optimizer.state[w]["exp_avg_sq"].item() == pytest.approx(v)
    assert w.item() == pytest.approx(-10 * lr)  # after correction every step is exactly lr
    assert not math.isclose(m / math.sqrt(v), 1.0, rel_tol=1e-3)  # without it, the step would be off


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(betas=(1.0, 0.999)), r"betas\[0\] must be >= 0.0 and < 1.0"),
        (dict(betas=(0.9, -0.1)), r"betas\[1\] must be"),
        (dict(betas=0.9), "betas must be a pair"),
        (dict(eps=-1e-8), "eps must be"),
        (dict(lr=-1e-3), "lr must be"),
        (dict(weight_decay=-0.1), "weight_decay must be"),
    ],
)
def test_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Adam(small_network().parameters(), **kwargs)
    with pytest.raises(ValueError, match=message):
        AdamW(small_network().parameters(), **kwargs)

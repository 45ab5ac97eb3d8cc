import pytest
import torch

from dl_lib.optim import RMSprop
from tests.optim.conftest import small_network


@pytest.mark.parametrize(
    "hyper",
    [
        dict(),
        dict(lr=0.003, alpha=0.9),
        dict(lr=0.003, momentum=0.9),
        dict(lr=0.003, centered=True),
        dict(lr=0.003, alpha=0.95, momentum=0.5, centered=True, weight_decay=0.01),
        dict(lr=0.005, weight_decay=0.1, eps=1e-4),
    ],
    ids=str,
)
def test_matches_torch(compare, hyper):
    assert compare(RMSprop, torch.optim.RMSprop, **hyper) < 1e-6


def test_defaults_are_torchs():
    model = small_network()
    ours, ref = RMSprop(model.parameters()).defaults, torch.optim.RMSprop(model.parameters()).defaults
    assert {k: ours[k] for k in ours} == {k: ref[k] for k in ours}


def test_first_step_by_hand():
    # s_1 = (1 - alpha) g^2, so the first step is lr * g / (sqrt(1 - alpha) |g|) = lr / sqrt(1 - alpha)
    w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    optimizer = RMSprop([w], lr=0.01, alpha=0.99, eps=0.0)
    w.grad = torch.tensor([5.0, -0.001], dtype=torch.float64)
    optimizer.step()
    torch.testing.assert_close(w.detach(), torch.tensor([-0.1, 0.1], dtype=torch.float64))


@pytest.mark.parametrize("kwargs, message", [(dict(alpha=1.0), "alpha must be >= 0.0 and < 1.0"),
                                             (dict(alpha=-0.1), "alpha must be"),
                                             (dict(momentum=-1), "momentum must be"),
                                             (dict(eps=-1), "eps must be")])
def test_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RMSprop(small_network().parameters(), **kwargs)

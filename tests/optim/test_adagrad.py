import pytest
import torch

from dl_lib.optim import Adagrad
from tests.optim.conftest import small_network


@pytest.mark.parametrize(
    "hyper",
    [
        dict(),
        dict(lr=0.1),
        dict(lr=0.1, weight_decay=0.01),
        dict(lr=0.1, lr_decay=0.05),
        dict(lr=0.05, initial_accumulator_value=0.1, eps=1e-6),
    ],
    ids=str,
)
def test_matches_torch(compare, hyper):
    assert compare(Adagrad, torch.optim.Adagrad, **hyper) < 1e-6


def test_defaults_are_torchs():
    model = small_network()
    ours, ref = Adagrad(model.parameters()).defaults, torch.optim.Adagrad(model.parameters()).defaults
    assert {k: ours[k] for k in ours} == {k: ref[k] for k in ours}


def test_steps_shrink_like_one_over_root_t():
    w = torch.zeros(1, requires_grad=True)
    optimizer = Adagrad([w], lr=1.0, eps=0.0)
    steps = []
    for _ in range(4):
        before = w.item()
        w.grad = torch.full((1,), 3.0)  # G_t = 9t, so the step is 3 / sqrt(9t) = 1 / sqrt(t)
        optimizer.step()
        steps.append(before - w.item())
    torch.testing.assert_close(torch.tensor(steps), torch.tensor([1.0, 2**-0.5, 3**-0.5, 0.5]))


@pytest.mark.parametrize("kwargs, message", [(dict(lr=-1), "lr must be"), (dict(eps=-1e-3), "eps must be"),
                                             (dict(lr_decay=-0.1), "lr_decay must be"),
                                             (dict(initial_accumulator_value=-1), "initial_accumulator")])
def test_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Adagrad(small_network().parameters(), **kwargs)

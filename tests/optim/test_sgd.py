import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dl_lib.optim import SGD
from tests.optim.conftest import assert_same_parameters, fixed_batches, small_network, train


@pytest.mark.parametrize(
    "hyper",
    [
        dict(lr=0.1),
        dict(lr=0.1, momentum=0.9),
        dict(lr=0.05, momentum=0.9, nesterov=True),
        dict(lr=0.1, weight_decay=0.01),
        dict(lr=0.05, momentum=0.8, weight_decay=0.05),
        dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
        dict(lr=0.1, momentum=0.9, dampening=0.5),
    ],
    ids=str,
)
def test_matches_torch(compare, hyper):
    assert compare(SGD, torch.optim.SGD, **hyper) < 1e-6


def test_default_learning_rate_is_torchs():
    model = small_network()
    assert SGD(model.parameters()).defaults["lr"] == torch.optim.SGD(model.parameters()).defaults["lr"]


def test_first_momentum_step_by_hand():
    w = torch.zeros(1, requires_grad=True)
    optimizer = SGD([w], lr=0.1, momentum=0.9)
    positions = []
    for _ in range(3):
        w.grad = torch.ones(1)  # a constant gradient: velocities 1, 1.9, 2.71
        optimizer.step()
        positions.append(w.item())
    torch.testing.assert_close(torch.tensor(positions), torch.tensor([-0.1, -0.29, -0.561]))
    torch.testing.assert_close(optimizer.state[w]["momentum_buffer"], torch.tensor([2.71]))


def test_parameter_groups_and_frozen_parameters():
    start = small_network()
    ours, ref = copy.deepcopy(start), copy.deepcopy(start)
    for model in (ours, ref):
        model[0].bias.requires_grad_(False)  # never gets a gradient: must stay as it is

    def groups(model, cls):
        return cls([{"params": model[0].parameters(), "lr": 0.02},
                    {"params": model[2].parameters(), "momentum": 0.5}], lr=0.1, momentum=0.9)

    batches = fixed_batches(20)
    opt_ours = groups(ours, SGD)
    train(ours, opt_ours, batches)
    train(ref, groups(ref, torch.optim.SGD), batches)
    assert_same_parameters(ours, ref, start)
    assert torch.equal(ours[0].bias, start[0].bias)
    assert ours[0].bias not in opt_ours.state


def test_state_dict_resumes_training():
    start, batches = small_network(), fixed_batches(20)
    straight = copy.deepcopy(start)
    train(straight, SGD(straight.parameters(), lr=0.1, momentum=0.9), batches)
    first = copy.deepcopy(start)
    optimizer = SGD(first.parameters(), lr=0.1, momentum=0.9)
    train(first, optimizer, batches[:10])
    second = copy.deepcopy(first)
    resumed = SGD(second.parameters(), lr=0.1, momentum=0.9)
    resumed.load_state_dict(copy.deepcopy(optimizer.state_dict()))
    train(second, resumed, batches[10:])
    assert_same_parameters(second, straight)


def test_closure_returns_the_loss():
    model = small_network()
    X, y = fixed_batches(1)[0]
    optimizer = SGD(model.parameters(), lr=0.1)

    def closure():
        optimizer.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    assert loss.item() == pytest.approx(F.cross_entropy(small_network()(X), y).item())
    assert F.cross_entropy(model(X), y).item() < loss.item()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(lr=-0.1), "lr must be >= 0"),
        (dict(lr=float("nan")), "lr must be >= 0"),
        (dict(momentum=-0.5), "momentum must be >= 0"),
        (dict(dampening=1.5), "dampening must be >= 0.0 and <= 1.0"),
        (dict(weight_decay=-1), "weight_decay must be >= 0"),
        (dict(nesterov=True), "nesterov=True needs momentum > 0"),
        (dict(momentum=0.9, dampening=0.1, nesterov=True), "dampening = 0"),
    ],
)
def test_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SGD(small_network().parameters(), **kwargs)


def test_refuses_sparse_gradients():
    embedding = nn.Embedding(10, 3, sparse=True)
    embedding(torch.tensor([1, 2])).sum().backward()
    with pytest.raises(RuntimeError, match="dense gradients only"):
        SGD(embedding.parameters(), lr=0.1).step()

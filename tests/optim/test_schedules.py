import copy
import functools
import math

import pytest
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, LambdaLR, LinearLR, SequentialLR, StepLR

from dl_lib.optim import SGD, Adam, cosine_annealing, linear_warmup, lr_lambda, step_decay
from tests.optim.conftest import assert_same_parameters, fixed_batches, small_network, train

LR = 0.1


def torch_values(make_scheduler, num_steps: int) -> list[float]:
    """The learning rate a torch scheduler gives at steps 0, 1, ..., num_steps - 1."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=LR)
    scheduler = make_scheduler(optimizer)
    values = []
    for _ in range(num_steps):
        values.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return values


def assert_values(ours: list[float], ref: list[float]) -> None:
    as_tensor = functools.partial(torch.tensor, dtype=torch.float64)
    torch.testing.assert_close(as_tensor(ours), as_tensor(ref), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("step_size, gamma", [(1, 0.5), (7, 0.1), (10, 0.3)])
def test_step_decay_matches_step_lr(step_size, gamma):
    ref = torch_values(lambda opt: StepLR(opt, step_size=step_size, gamma=gamma), 40)
    assert_values([step_decay(t, LR, step_size, gamma) for t in range(40)], ref)


@pytest.mark.parametrize("T_max, eta_min", [(10, 0.0), (37, 0.001), (1, 0.01)])
def test_cosine_annealing_matches_torch(T_max, eta_min):
    ref = torch_values(lambda opt: CosineAnnealingLR(opt, T_max=T_max, eta_min=eta_min), T_max + 1)
    assert_values([cosine_annealing(t, LR, T_max, eta_min) for t in range(T_max + 1)], ref)


def test_cosine_annealing_stays_at_the_minimum_after_t_max():
    assert cosine_annealing(25, LR, 20, eta_min=0.003) == pytest.approx(0.003)
    assert cosine_annealing(10, LR, 20) == pytest.approx(LR / 2)


@pytest.mark.parametrize("warmup_steps, total_steps", [(5, 30), (1, 12), (10, 11)])
def test_warmup_then_cosine_matches_torch(warmup_steps, total_steps):
    def make(opt):
        ramp = LinearLR(opt, start_factor=1 / warmup_steps, end_factor=1.0, total_iters=warmup_steps - 1)
        cosine = CosineAnnealingLR(opt, T_max=total_steps - warmup_steps, eta_min=0.002)
        return SequentialLR(opt, [ramp, cosine], milestones=[warmup_steps])

    ref = torch_values(make, total_steps + 1)
    ours = [linear_warmup(t, LR, warmup_steps, total_steps, 0.002) for t in range(total_steps + 1)]
    assert_values(ours, ref)


def test_warmup_then_constant_matches_linear_lr():
    make = lambda opt: LinearLR(opt, start_factor=1 / 8, end_factor=1.0, total_iters=7)  # noqa: E731
    assert_values([linear_warmup(t, LR, 8) for t in range(20)], torch_values(make, 20))
    assert [linear_warmup(t, 1.0, 4) for t in range(6)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    "schedule, kwargs",
    [(step_decay, dict(step_size=3, gamma=0.5)), (cosine_annealing, dict(T_max=20, eta_min=0.01)),
     (linear_warmup, dict(warmup_steps=4, total_steps=20))],
)
def test_lr_lambda_drives_lambda_lr(schedule, kwargs):
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=LR)
    scheduler = LambdaLR(optimizer, lr_lambda(schedule, LR, **kwargs))
    lr_at = functools.partial(schedule, lr=LR, **kwargs)
    for t in range(25):
        assert optimizer.param_groups[0]["lr"] == pytest.approx(lr_at(t)), t
        optimizer.step()
        scheduler.step()


def test_our_optimizers_follow_a_scheduler():
    start, batches = small_network(), fixed_batches(20)
    ours, ref = copy.deepcopy(start), copy.deepcopy(start)
    factor = lr_lambda(linear_warmup, 0.01, warmup_steps=5, total_steps=20)
    opt_ours, opt_ref = Adam(ours.parameters(), lr=0.01), torch.optim.Adam(ref.parameters(), lr=0.01)
    train(ours, opt_ours, batches, LambdaLR(opt_ours, factor))
    train(ref, opt_ref, batches, LambdaLR(opt_ref, factor))
    assert_same_parameters(ours, ref, start)
    # a different schedule must give different parameters: the schedule is really used
    other = copy.deepcopy(start)
    opt_other = SGD(other.parameters(), lr=0.01)
    train(other, opt_other, batches, LambdaLR(opt_other, lr_lambda(cosine_annealing, 0.01, T_max=5)))
    assert not torch.allclose(next(other.parameters()), next(ours.parameters()))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: step_decay(-1, LR, 5), "step must be an integer >= 0"),
        (lambda: step_decay(1.5, LR, 5), "step must be an integer"),
        (lambda: step_decay(0, LR, 0), "step_size must be an integer >= 1"),
        (lambda: step_decay(0, LR, 5, gamma=0.0), "gamma must be > 0"),
        (lambda: cosine_annealing(0, LR, 0), "T_max must be an integer >= 1"),
        (lambda: cosine_annealing(0, LR, 10, eta_min=-1.0), "eta_min must be >= 0"),
        (lambda: linear_warmup(0, LR, 0), "warmup_steps must be an integer >= 1"),
        (lambda: linear_warmup(0, LR, 10, total_steps=10), "total_steps must be None or an integer > warmup"),
        (lambda: lr_lambda(cosine_annealing, 0.0, T_max=10), "lr must be > 0"),
        (lambda: lr_lambda(cosine_annealing, LR, T_max=-3), "T_max must be"),
    ],
)
def test_rejects_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_cosine_midpoint_by_hand():
    assert cosine_annealing(50, 1.0, 100) == pytest.approx(0.5)
    assert cosine_annealing(25, 1.0, 100) == pytest.approx(0.5 * (1 + math.cos(math.pi / 4)))

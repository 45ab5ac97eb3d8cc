"""The stateless update rules of dl_lib.optim against torch.optim, one tensor at a time, and their shell."""

import copy

import numpy as np
import pytest
import torch

from dl_lib.optim import (
    SGD,
    FunctionalOptimizer,
    adagrad_step,
    adam_step,
    check_range,
    rmsprop_step,
    sgd_step,
)
from tests.optim.conftest import assert_same_parameters, fixed_batches, small_network, train

RULES = {
    "sgd": (sgd_step, torch.optim.SGD, [dict(lr=0.1), dict(lr=0.05, momentum=0.9),
                                        dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1),
                                        dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01)]),
    "adagrad": (adagrad_step, torch.optim.Adagrad, [dict(), dict(lr=0.1, lr_decay=0.1, weight_decay=0.05),
                                                    dict(lr=0.3, initial_accumulator_value=0.5, eps=1e-4)]),
    "rmsprop": (rmsprop_step, torch.optim.RMSprop, [dict(), dict(lr=0.01, alpha=0.9, momentum=0.7),
                                                    dict(lr=0.01, centered=True, weight_decay=0.1),
                                                    dict(lr=0.003, alpha=0.5, momentum=0.5, centered=True)]),
    "adam": (adam_step, torch.optim.Adam, [dict(), dict(lr=0.01, betas=(0.5, 0.9), eps=1e-4),
                                           dict(lr=0.01, weight_decay=0.1),
                                           dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)]),
}
CASES = [(name, hyper) for name, (_, _, settings) in RULES.items() for hyper in settings]


def gradients(num_steps, shape, seed=3):
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(*shape, generator=generator, dtype=torch.float64) for _ in range(num_steps)]


@pytest.mark.parametrize("name, hyper", CASES, ids=str)
def test_each_step_and_state_match_torch(name, hyper):
    rule, torch_class, _ = RULES[name]
    start = torch.randn(3, 4, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    ours, state = start.clone(), {}
    ref = start.clone().requires_grad_()
    optimizer = torch_class([ref], **hyper)
    for t, g in enumerate(gradients(12, start.shape), start=1):
        ref.grad = g.clone()
        optimizer.step()
        assert rule(ours, g, state, **hyper) is None  # the update is in place, nothing is returned
        torch.testing.assert_close(ours, ref.detach(), rtol=0, atol=1e-6, msg=f"parameter at step {t}")
        ref_state = optimizer.state[ref]
        assert set(state) == set(ref_state), f"state keys {set(state)} differ from torch's {set(ref_state)}"
        for key, value in state.items():
            torch.testing.assert_close(torch.as_tensor(value, dtype=torch.float64),
                                       torch.as_tensor(ref_state[key], dtype=torch.float64),
                                       rtol=0, atol=1e-6, msg=f"state[{key!r}] at step {t}")
    assert (ours - start).abs().max() > 1e-3, "the parameter hardly moved: the test would prove nothing"


@pytest.mark.parametrize("name", RULES)
def test_updates_param_and_state_in_place_and_leaves_grad(name):
    rule = RULES[name][0]
    hyper = dict(lr=0.1, momentum=0.9) if name in ("sgd", "rmsprop") else dict(lr=0.1)
    param = torch.ones(5, dtype=torch.float64, requires_grad=True)  # a leaf, as a model's weights are
    before, grad, state = param.data_ptr(), torch.linspace(-1, 1, 5, dtype=torch.float64), {}
    grad_copy = grad.clone()
    rule(param, grad, state, **hyper)
    buffers = {key: (value, value.data_ptr()) for key, value in state.items() if torch.is_tensor(value)}
    assert buffers, f"{name} kept no tensor state"
    rule(param, grad, state, **hyper)
    assert param.data_ptr() == before and param.requires_grad, "param must be updated in place"
    assert torch.equal(grad, grad_copy), "grad must be left unchanged"
    for key, (tensor, pointer) in buffers.items():
        assert state[key] is tensor and tensor.data_ptr() == pointer, f"state[{key!r}] must be updated in place"
    assert not torch.equal(param.detach(), torch.ones(5, dtype=torch.float64))


def test_first_momentum_step_by_hand():
    w, state = torch.zeros(1), {}
    positions = []
    for _ in range(3):
        sgd_step(w, torch.ones(1), state, lr=0.1, momentum=0.9)  # velocities 1, 1.9, 2.71
        positions.append(w.item())
    torch.testing.assert_close(torch.tensor(positions), torch.tensor([-0.1, -0.29, -0.561]))
    torch.testing.assert_close(state["momentum_buffer"], torch.tensor([2.71]))


def test_adam_first_step_is_lr_times_sign_and_decoupled_decay_shrinks_first():
    w, state = torch.zeros(3, dtype=torch.float64), {}
    adam_step(w, torch.tensor([1000.0, -0.001, 3.0], dtype=torch.float64), state, lr=0.01, eps=0.0)
    torch.testing.assert_close(w, torch.tensor([-0.01, 0.01, -0.01], dtype=torch.float64))
    assert state["step"] == 1
    # with a zero gradient Adam's step is 0, so only the decay acts: w <- (1 - lr wd) w
    w = torch.full((2,), 2.0, dtype=torch.float64)
    adam_step(w, torch.zeros(2, dtype=torch.float64), {}, lr=0.1, weight_decay=0.5, decoupled_weight_decay=True)
    torch.testing.assert_close(w, torch.full((2,), 2.0 * (1 - 0.1 * 0.5), dtype=torch.float64))


def test_the_classes_are_the_functions_applied_to_every_parameter():
    start, batches = small_network(), fixed_batches(15)
    by_class, by_hand = copy.deepcopy(start), copy.deepcopy(start)
    train(by_class, SGD(by_class.parameters(), lr=0.05, momentum=0.9, nesterov=True), batches)
    states = {p: {} for p in by_hand.parameters()}
    for X, y in batches:
        by_hand.zero_grad()
        torch.nn.functional.cross_entropy(by_hand(X), y).backward()
        for p in by_hand.parameters():
            sgd_step(p, p.grad, states[p], lr=0.05, momentum=0.9, nesterov=True)
    assert assert_same_parameters(by_class, by_hand, start) == 0.0


class SignSGD(FunctionalOptimizer):
    """A new rule in four lines: the shell needs nothing else."""

    @staticmethod
    def rule(param, grad, state, *, lr):
        param.sub_(lr * grad.sign())

    def __init__(self, params, lr=0.01):
        super().__init__(params, dict(lr=lr))


def test_shell_passes_each_groups_hyperparameters_and_nothing_else():
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    optimizer = SignSGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)  # adds "initial_lr"
    for _ in range(2):
        a.grad, b.grad = torch.tensor([1.0, -2.0]), torch.tensor([3.0, 0.0])
        optimizer.step()
        scheduler.step()
    torch.testing.assert_close(a.detach(), torch.tensor([-0.15, 0.15]))
    torch.testing.assert_close(b.detach(), torch.tensor([-0.75, 0.0]))


def test_shell_without_a_rule_is_refused():
    class NoRule(FunctionalOptimizer):
        pass

    with pytest.raises(TypeError, match="must set `rule`"):
        NoRule([torch.zeros(1, requires_grad=True)], dict(lr=0.1))


def test_a_bad_group_value_is_caught_at_the_step():
    w = torch.zeros(1, requires_grad=True)
    optimizer = SGD([{"params": [w], "lr": -0.1}], lr=0.1)
    w.grad = torch.ones(1)
    with pytest.raises(ValueError, match="lr must be >= 0"):
        optimizer.step()


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda p, g: sgd_step(p, g, {}, lr=-0.1), ValueError, "lr must be >= 0"),
        (lambda p, g: sgd_step(p, g, {}, lr=0.1, momentum=-0.5), ValueError, "momentum must be >= 0"),
        (lambda p, g: sgd_step(p, g, {}, lr=0.1, dampening=2.0), ValueError, r"dampening must be >= 0.0 and <= 1.0"),
        (lambda p, g: sgd_step(p, g, {}, lr=0.1, nesterov=True), ValueError, "nesterov=True needs momentum > 0"),
        (lambda p, g: sgd_step(p, g, {}, lr="0.1"), TypeError, "lr must be a number, got str"),
        (lambda p, g: adagrad_step(p, g, {}, lr_decay=-1.0), ValueError, "lr_decay must be >= 0"),
        (lambda p, g: adagrad_step(p, g, {}, initial_accumulator_value=-1.0), ValueError, "initial_accumulator"),
        (lambda p, g: rmsprop_step(p, g, {}, alpha=1.0), ValueError, r"alpha must be >= 0.0 and < 1.0"),
        (lambda p, g: rmsprop_step(p, g, {}, eps=float("nan")), ValueError, "eps must be >= 0"),
        (lambda p, g: adam_step(p, g, {}, betas=(0.9, 1.0)), ValueError, r"betas\[1\] must be >= 0.0 and < 1.0"),
        (lambda p, g: adam_step(p, g, {}, betas=(-0.1, 0.9)), ValueError, r"betas\[0\] must be"),
        (lambda p, g: adam_step(p, g, {}, betas=0.9), ValueError, "betas must be a pair"),
        (lambda p, g: adam_step(p, g, {}, weight_decay=-1.0), ValueError, "weight_decay must be >= 0"),
        (lambda p, g: adam_step(p, g[:2], {}), ValueError, r"adam_step: grad must have the shape of param \(3,\)"),
        (lambda p, g: sgd_step(p, g.numpy(), {}, lr=0.1), TypeError, "sgd_step: grad must be a tensor"),
        (lambda p, g: rmsprop_step(torch.arange(3), g, {}), TypeError, "param must be a floating-point tensor"),
        (lambda p, g: adagrad_step(p, g, None), TypeError, r"state must be a dict \(empty before the first step\)"),
        (lambda p, g: adam_step(p, g, {"step": 1, "exp_avg": torch.zeros(4), "exp_avg_sq": torch.zeros(4)}),
         ValueError, r"state\['exp_avg'\] has shape \(4,\), but param has \(3,\)"),
        (lambda p, g: sgd_step(p, g.to_sparse(), {}, lr=0.1), RuntimeError, "dense gradients only"),
    ],
)
def test_rules_reject_bad_input_with_a_clear_message(call, error, message):
    param, grad = torch.ones(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    with pytest.raises(error, match=message):
        call(param, grad)
    assert torch.equal(param, torch.ones(3, dtype=torch.float64)), "a refused step must not touch param"


def test_check_range_bounds():
    check_range("x", 1.0, 0.0, 1.0)  # a closed bound admits its end
    with pytest.raises(ValueError, match=r"x must be >= 0.0 and < 1.0, got 1.0"):
        check_range("x", 1.0, 0.0, 1.0, high_open=True)
    with pytest.raises(TypeError, match="x must be a number, got bool"):
        check_range("x", True, 0.0)
    check_range("x", np.float32(0.5), 0.0, 1.0)  # NumPy's scalars are numbers too
    with pytest.raises(TypeError, match="x must be a number, got Tensor"):
        check_range("x", torch.tensor(0.5), 0.0)

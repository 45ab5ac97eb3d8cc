"""dl_lib.adversarial against Captum's FGSM and PGD, torch.renorm, and the definitions, in float64."""

from __future__ import annotations

import pytest
import torch
from captum.robust import FGSM, PGD
from torch import nn
from torch.testing import assert_close

from dl_lib.adversarial import adversarial_training_step, fgsm, pgd, project
from dl_lib.nn import LeNet

TOL = {"atol": 1e-6, "rtol": 1e-6}
pytestmark = pytest.mark.filterwarnings("ignore:Input Tensor 0 did not already require gradients")


@pytest.fixture(scope="module")
def setting():
    torch.manual_seed(0)
    model = LeNet(channels=(4, 6), hidden=16, layers="torch").double().eval()
    X = torch.rand(6, 1, 8, 8, dtype=torch.float64)
    y = torch.tensor([0, 1, 3, 5, 7, 9])
    return model, X, y


def per_example_ce(logits, y):
    return nn.functional.cross_entropy(logits, y, reduction="none")


@pytest.mark.parametrize("eps", [0.0, 0.05, 0.3])
def test_fgsm_matches_captum(setting, eps):
    model, X, y = setting
    theirs = FGSM(model, loss_func=per_example_ce, lower_bound=0.0, upper_bound=1.0).perturb(X, eps, y)
    ours = fgsm(model, X, y, eps)
    assert_close(ours, theirs, **TOL)
    assert (ours - X).abs().max() <= eps + 1e-12 and ours.min() >= 0 and ours.max() <= 1


def test_fgsm_increases_the_loss(setting):
    model, X, y = setting
    loss = nn.functional.cross_entropy
    assert loss(model(fgsm(model, X, y, 0.02)), y) > loss(model(X), y)


def test_pgd_linf_matches_captum(setting):
    model, X, y = setting
    theirs = PGD(model, loss_func=per_example_ce, lower_bound=0.0, upper_bound=1.0).perturb(
        X, radius=0.1, step_size=0.03, step_num=7, target=y, norm="Linf")
    assert_close(pgd(model, X, y, eps=0.1, alpha=0.03, steps=7), theirs, **TOL)


def test_pgd_l2_is_normalized_gradient_ascent_with_projection(setting):
    model, X, y = setting
    eps, alpha = 0.5, 0.2
    X_ref = X.clone()
    for _ in range(5):  # the textbook loop, written out
        X_ref.requires_grad_(True)
        (g,) = torch.autograd.grad(nn.functional.cross_entropy(model(X_ref), y), X_ref)
        X_ref = X_ref.detach() + alpha * g / g.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
        X_ref = (X + torch.renorm(X_ref - X, 2, 0, eps)).clamp(0, 1)
    ours = pgd(model, X, y, eps=eps, alpha=alpha, steps=5, norm="2")
    assert_close(ours, X_ref, **TOL)
    assert ((ours - X).flatten(1).norm(dim=1) <= eps + 1e-9).all()


def test_pgd_is_at_least_as_strong_as_fgsm(setting):
    model, X, y = setting
    loss = nn.functional.cross_entropy
    assert loss(model(pgd(model, X, y, 0.1, 0.025, 10)), y) >= loss(model(fgsm(model, X, y, 0.1)), y)


def test_pgd_random_start_stays_in_the_ball(setting):
    model, X, y = setting
    for norm, eps in [("inf", 0.1), ("2", 0.4)]:
        X_adv = pgd(model, X, y, eps, 0.05, 2, norm=norm, random_start=True,
                    generator=torch.Generator().manual_seed(0))
        size = (X_adv - X).flatten(1).norm(p=float(norm), dim=1)
        assert (size <= eps + 1e-9).all() and (size > 0).all()


@pytest.mark.parametrize("eps", [0.0, 0.3, 2.0])
def test_project_matches_clamp_and_renorm(eps):
    delta = torch.randn(4, 2, 3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    assert_close(project(delta, eps, "inf"), delta.clamp(-eps, eps), **TOL)
    assert_close(project(delta, eps, "2"), torch.renorm(delta, 2, 0, eps), **TOL)
    inside = delta / delta.flatten(1).norm(dim=1).view(-1, 1, 1, 1) * 0.5 * max(eps, 1e-3)
    assert_close(project(inside, eps, "2"), inside if eps > 0 else torch.zeros_like(inside), **TOL)


def test_adversarial_training_step_updates_on_attacked_inputs():
    torch.manual_seed(3)
    model = LeNet(channels=(4, 4), hidden=8, layers="torch").double()
    twin = LeNet(channels=(4, 4), hidden=8, layers="torch").double()
    twin.load_state_dict(model.state_dict())
    X, y = torch.rand(8, 1, 8, 8, dtype=torch.float64), torch.arange(8)
    attack = lambda m, X, y: fgsm(m, X, y, 0.1)  # noqa: E731
    X_adv = attack(model.eval(), X, y)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = adversarial_training_step(model, nn.functional.cross_entropy, optimizer, X, y, attack)
    twin_optimizer = torch.optim.SGD(twin.parameters(), lr=0.1)
    twin_loss = nn.functional.cross_entropy(twin(X_adv), y)
    twin_optimizer.zero_grad()
    twin_loss.backward()
    twin_optimizer.step()
    assert loss == pytest.approx(twin_loss.item())
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        assert_close(p, q, **TOL)
    assert model.training


def test_bad_input(setting):
    model, X, y = setting
    with pytest.raises(ValueError, match="the budget eps must be >= 0"):
        fgsm(model, X, y, -0.1)
    with pytest.raises(ValueError, match=r"labels y of shape \(6,\)"):
        fgsm(model, X, y[:3], 0.1)
    with pytest.raises(ValueError, match="floating-point batch"):
        pgd(model, X.long(), y, 0.1, 0.01, 3)
    with pytest.raises(ValueError, match="norm must be 'inf' or '2'"):
        pgd(model, X, y, 0.1, 0.01, 3, norm="L1")
    with pytest.raises(ValueError, match="alpha must be > 0 and steps an integer >= 1"):
        pgd(model, X, y, 0.1, 0.01, 0)
    with pytest.raises(ValueError, match="norm must be 'inf' or '2'"):
        project(X, 0.1, "1")
    with pytest.raises(ValueError, match="the radius eps must be >= 0"):
        project(X, -1.0)
    with pytest.raises(ValueError, match="the attack must return inputs of shape"):
        adversarial_training_step(model, nn.functional.cross_entropy, torch.optim.SGD(model.parameters(), lr=0.1),
                                  X, y, lambda m, X, y: X[:2])

"""dl_lib.interpret against Captum's implementation of each method, on the same model and inputs, in float64."""

from __future__ import annotations

import pytest
import torch
from captum.attr import InputXGradient, IntegratedGradients, LayerGradCam, Occlusion, Saliency
from scipy.stats import spearmanr
from torch import nn
from torch.testing import assert_close

from dl_lib.interpret import (
    completeness_gap,
    grad_cam,
    gradient_x_input,
    integrated_gradients,
    occlusion,
    path_weights,
    rank_correlation,
    saliency,
)
from dl_lib.nn import LeNet

TOL = {"atol": 1e-6, "rtol": 1e-6}
pytestmark = pytest.mark.filterwarnings("ignore:Input Tensor 0 did not already require gradients")


@pytest.fixture(scope="module")
def setting():
    torch.manual_seed(0)
    model = LeNet(channels=(4, 6), hidden=16, layers="torch").double().eval()
    X = torch.rand(5, 1, 8, 8, dtype=torch.float64)
    target = torch.tensor([0, 3, 7, 7, 9])
    return model, X, target


@pytest.mark.parametrize("target", [3, "tensor"])
def test_saliency_matches_captum(setting, target):
    model, X, targets = setting
    target = targets if target == "tensor" else target
    assert_close(saliency(model, X, target), Saliency(model).attribute(X, target=target), **TOL)
    assert_close(saliency(model, X, target, abs=False), Saliency(model).attribute(X, target=target, abs=False), **TOL)


def test_gradient_x_input_matches_captum(setting):
    model, X, target = setting
    assert_close(gradient_x_input(model, X, target), InputXGradient(model).attribute(X, target=target), **TOL)


@pytest.mark.parametrize("method", ["riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid",
                                    "gausslegendre"])
def test_integrated_gradients_matches_captum(setting, method):
    model, X, target = setting
    baseline = torch.full_like(X, 0.25)
    ours = integrated_gradients(model, X, target, baseline=baseline, steps=16, method=method)
    theirs, delta = IntegratedGradients(model).attribute(X, baselines=baseline, target=target, n_steps=16,
                                                         method=method, return_convergence_delta=True)
    assert_close(ours, theirs, **TOL)
    assert_close(completeness_gap(model, X, target, ours, baseline=baseline), delta, **TOL)


def test_integrated_gradients_is_complete_with_many_steps(setting):
    model, X, target = setting
    coarse = completeness_gap(model, X, target, integrated_gradients(model, X, target, steps=2)).abs().max()
    fine = completeness_gap(model, X, target, integrated_gradients(model, X, target, steps=64)).abs().max()
    assert fine < 1e-3 and fine < coarse


def test_integrated_gradients_of_a_linear_model_is_weight_times_difference():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 3)).double()
    X, baseline = torch.randn(4, 3, 4, dtype=torch.float64), torch.randn(1, 3, 4, dtype=torch.float64)
    ig = integrated_gradients(model, X, 2, baseline=baseline, steps=3)
    expected = model[1].weight[2].detach().view(3, 4) * (X - baseline)
    assert_close(ig, expected, **TOL)
    assert_close(gradient_x_input(model, X, 2), model[1].weight[2].detach().view(3, 4) * X, **TOL)


@pytest.mark.parametrize("window, stride", [(2, 2), (3, 1), ((2, 3), (1, 2)), (3, 2)])
def test_occlusion_matches_captum(setting, window, stride):
    model, X, target = setting
    w = (window, window) if isinstance(window, int) else window
    s = (stride, stride) if isinstance(stride, int) else stride
    theirs = Occlusion(model).attribute(X, sliding_window_shapes=(1, *w), strides=(1, *s), baselines=0.5,
                                        target=target)
    assert_close(occlusion(model, X, target, window, stride, baseline=0.5), theirs.double(), **TOL)


def test_occlusion_repeats_the_value_over_channels():
    torch.manual_seed(2)
    model = LeNet(in_channels=3, channels=(4, 4), hidden=8, layers="torch").double().eval()
    X = torch.rand(2, 3, 8, 8, dtype=torch.float64)
    theirs = Occlusion(model).attribute(X, sliding_window_shapes=(3, 2, 2), strides=(1, 2, 2), target=1)
    ours = occlusion(model, X, 1, 2, 2)
    assert_close(ours, theirs.double(), **TOL)
    assert_close(ours[:, 0], ours[:, 2])


@pytest.mark.parametrize("layer_index", [0, 3, 4])
@pytest.mark.parametrize("relu", [True, False])
def test_grad_cam_matches_captum(setting, layer_index, relu):
    model, X, target = setting
    layer = model.features[layer_index]
    theirs = LayerGradCam(model, layer).attribute(X, target=target, relu_attributions=relu)
    assert_close(grad_cam(model, layer, X, target, relu=relu), theirs, **TOL)


def test_methods_leave_parameters_without_gradients(setting):
    model, X, target = setting
    for attribute in (saliency, gradient_x_input, integrated_gradients):
        attribute(model, X, target)
    grad_cam(model, model.features[3], X, target)
    assert all(p.grad is None for p in model.parameters())


def test_path_weights_integrate_polynomials():
    alphas, weights = path_weights(3, "gausslegendre")
    assert_close((weights * alphas**5).sum().item(), 1 / 6)  # exact up to degree 5
    alphas, weights = path_weights(4, "riemann_middle")
    assert_close(weights.sum().item(), 1.0)
    assert_close(alphas, torch.tensor([0.125, 0.375, 0.625, 0.875], dtype=torch.float64))


def test_rank_correlation():
    a = torch.tensor([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]])
    b = torch.tensor([[10.0, 20.0, 30.0, 45.0], [4.0, 3.0, 2.0, 1.0]])
    assert_close(rank_correlation(a, b), torch.tensor([1.0, -1.0], dtype=torch.float64))
    gen = torch.Generator().manual_seed(4)
    a = torch.randint(0, 4, (3, 2, 5), generator=gen).double()
    b = torch.randn(3, 2, 5, generator=gen, dtype=torch.float64)
    expected = [spearmanr(x.flatten(), z.flatten()).statistic for x, z in zip(a.numpy(), b.numpy(), strict=True)]
    assert_close(rank_correlation(a, b), torch.tensor(expected, dtype=torch.float64))  # ties: average ranks


def test_bad_input(setting):
    model, X, target = setting
    with pytest.raises(ValueError, match=r"X, a floating-point batch of shape \(N, \.\.\.\)"):
        saliency(model, X.long(), 0)
    with pytest.raises(ValueError, match="target has 2 entries for a batch of 5"):
        saliency(model, X, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"target must lie in \[0, 9\]"):
        gradient_x_input(model, X, 10)
    with pytest.raises(ValueError, match="method must be one of"):
        integrated_gradients(model, X, 0, method="simpson")
    with pytest.raises(ValueError, match="steps must be an integer >= 2"):
        integrated_gradients(model, X, 0, steps=1, method="riemann_middle")
    with pytest.raises(ValueError, match="attributions must have the shape of X"):
        completeness_gap(model, X, 0, X[:, :, :4])
    with pytest.raises(ValueError, match="window must fit in the 8x8 image"):
        occlusion(model, X, 0, window=9)
    with pytest.raises(ValueError, match="strides lie between 1 and the window's size"):
        occlusion(model, X, 0, window=2, stride=3)
    with pytest.raises(ValueError, match=r"occlusion expects images of shape \(N, C, H, W\)"):
        occlusion(model, X[:, 0], 0, window=2)
    with pytest.raises(ValueError, match="layer must be a submodule of model"):
        grad_cam(model, nn.Conv2d(1, 1, 3), X, 0)
    with pytest.raises(ValueError, match=r"layer's output must have shape \(N, C, h, w\)"):
        grad_cam(model, model.head[1], X, 0)
    with pytest.raises(ValueError, match="two batches of the same shape"):
        rank_correlation(X, X[:2])

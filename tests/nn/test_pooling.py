"""dl_lib.nn.pooling against torch: max and average pooling, values and gradients in float64."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.testing import assert_close

from dl_lib.nn.conv import conv_output_size
from dl_lib.nn.pooling import AvgPool2d, MaxPool2d, avg_pool2d, max_pool2d


def _no_ties(*shape, seed=0):
    """Distinct values in random order, so every window has exactly one maximum."""
    generator = torch.Generator().manual_seed(seed)
    n = torch.Size(shape).numel()
    values = torch.randperm(n, generator=generator).to(torch.float64) / n - 0.5
    return values.reshape(shape).requires_grad_()


# (N, C, H, W, kernel_size, stride, padding); stride None means kernel_size, as in PyTorch.
CASES = [
    (1, 1, 4, 4, 2, None, 0),
    (2, 3, 8, 8, 2, None, 0),
    (2, 2, 7, 9, 2, None, 0),  # odd sizes: the last row / column is dropped
    (1, 3, 9, 7, 3, None, 1),
    (2, 2, 8, 7, 3, 1, 1),  # overlapping windows: one input can be the maximum of several
    (3, 1, 6, 8, 3, 2, 0),
    (1, 2, 7, 8, (2, 3), (1, 2), (1, 0)),
    (2, 4, 5, 5, (3, 1), None, (1, 0)),
    (1, 1, 1, 1, 1, None, 0),
]


def _case_id(case):
    return "-".join(str(v) for v in case).replace(" ", "")


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_max_pool2d_matches_torch_values_and_gradients(case):
    N, C, H, W, kernel_size, stride, padding = case
    X = _no_ties(N, C, H, W, seed=1)
    ours = max_pool2d(X, kernel_size, stride, padding)
    ref = F.max_pool2d(X, kernel_size, stride, padding)
    assert ours.shape == ref.shape
    assert_close(ours, ref, rtol=1e-6, atol=1e-6)
    upstream = _no_ties(*ref.shape, seed=2).detach()
    (g_ours,) = torch.autograd.grad(ours, X, upstream)
    (g_ref,) = torch.autograd.grad(ref, X, upstream)
    assert_close(g_ours, g_ref, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_avg_pool2d_matches_torch_values_and_gradients(case):
    N, C, H, W, kernel_size, stride, padding = case
    X = _no_ties(N, C, H, W, seed=3)
    ours = avg_pool2d(X, kernel_size, stride, padding)
    ref = F.avg_pool2d(X, kernel_size, stride, padding)
    assert ours.shape == ref.shape
    assert_close(ours, ref, rtol=1e-6, atol=1e-6)
    upstream = _no_ties(*ref.shape, seed=4).detach()
    (g_ours,) = torch.autograd.grad(ours, X, upstream)
    (g_ref,) = torch.autograd.grad(ref, X, upstream)
    assert_close(g_ours, g_ref, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_pooled_size_follows_the_convolution_formula(case):
    _, _, H, W, kernel_size, stride, padding = case
    k = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    s = k if stride is None else (stride, stride) if isinstance(stride, int) else stride
    p = (padding, padding) if isinstance(padding, int) else padding
    out = max_pool2d(torch.zeros(1, 1, H, W), kernel_size, stride, padding)
    assert out.shape[2:] == (conv_output_size(H, k[0], s[0], p[0]), conv_output_size(W, k[1], s[1], p[1]))


def test_pooling_tiny_example_by_hand():
    X = torch.tensor([[[[1.0, 2.0, 0.0, -1.0],
                        [3.0, 4.0, -2.0, -3.0],
                        [0.0, 0.0, 5.0, 6.0],
                        [0.0, 8.0, 7.0, 8.0]]]])
    assert_close(max_pool2d(X, 2), torch.tensor([[[[4.0, 0.0], [8.0, 8.0]]]]))
    assert_close(avg_pool2d(X, 2), torch.tensor([[[[2.5, -1.5], [2.0, 6.5]]]]))
    # with padding 1 the -inf (max) or 0 (average) border takes part in the corner windows
    assert_close(max_pool2d(-X.abs() - 1, 2, padding=1)[0, 0, 0, 0], torch.tensor(-2.0))
    assert_close(avg_pool2d(X, 2, padding=1)[0, 0, 0, 0], torch.tensor(0.25))


def test_max_pool2d_gradient_goes_only_to_each_windows_maximum():
    X = _no_ties(1, 1, 4, 4, seed=5)
    max_pool2d(X, 2).sum().backward()
    assert X.grad.sum() == 4  # one input per window
    windows = X.detach().reshape(2, 2, 2, 2).permute(0, 2, 1, 3).reshape(4, 4)  # one row per window
    chosen = X.grad.reshape(2, 2, 2, 2).permute(0, 2, 1, 3).reshape(4, 4)
    assert torch.equal(chosen.argmax(dim=1), windows.argmax(dim=1))


def test_max_pool2d_with_negative_inputs_and_padding_never_returns_the_padding():
    X = -1 - _no_ties(2, 2, 5, 5, seed=6).detach().abs()  # everything at or below -1
    out = max_pool2d(X, 3, stride=2, padding=1)
    assert torch.isfinite(out).all() and (out <= -1).all()
    assert_close(out, F.max_pool2d(X, 3, stride=2, padding=1))


def test_modules_match_torch_and_have_no_parameters():
    X = _no_ties(2, 3, 8, 6, seed=7)
    for ours, ref in [(MaxPool2d(2), nn.MaxPool2d(2)), (MaxPool2d(3, 1, 1), nn.MaxPool2d(3, 1, 1)),
                      (AvgPool2d(2), nn.AvgPool2d(2)), (AvgPool2d((3, 2), (1, 2), (1, 0)),
                                                        nn.AvgPool2d((3, 2), (1, 2), (1, 0)))]:
        assert_close(ours(X), ref(X))
        assert list(ours.parameters()) == []
    assert repr(MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(AvgPool2d(3, stride=1)) == "AvgPool2d(kernel_size=3, stride=1, padding=0)"


def test_pooling_does_not_modify_its_input():
    X = _no_ties(2, 2, 6, 6, seed=8).detach()
    copy = X.clone()
    max_pool2d(X, 3, 1, 1)
    avg_pool2d(X, 3, 1, 1)
    assert torch.equal(X, copy)


def test_pooling_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"^max_pool2d expects input of shape \(N, C, H, W\), got \(8, 8\)$"):
        max_pool2d(torch.zeros(8, 8), 2)
    with pytest.raises(ValueError, match=r"avg_pool2d expects input .*got \(1, 8, 8\)"):
        avg_pool2d(torch.zeros(1, 8, 8), 2)
    with pytest.raises(ValueError, match="padding must be at most half of kernel_size"):
        max_pool2d(torch.zeros(1, 1, 8, 8), 2, padding=2)
    with pytest.raises(ValueError, match="max_pool2d: kernel of size 3x3 is larger than the padded input"):
        max_pool2d(torch.zeros(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match="kernel_size must be >= 1"):
        MaxPool2d(0)
    with pytest.raises(ValueError, match="stride must be >= 1"):
        AvgPool2d(2, stride=0)

"""dl_lib.nn.conv against torch: conv2d values and gradients in float64, the loops, im2col, sizes, errors."""

import itertools

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.testing import assert_close

from dl_lib.nn.conv import Conv2d, conv2d, conv2d_loops, conv_output_size, im2col, sliding_windows


def _random(*shape, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=torch.float64, requires_grad=True)


# (N, C_in, C_out, H, W, kernel_size, stride, padding): every kernel size, stride and padding of
# the brief appears at least once, with one and several images and channels.
CASES = [
    (1, 1, 1, 6, 6, 1, 1, 0),
    (2, 3, 4, 7, 6, 3, 1, 1),
    (3, 2, 5, 9, 8, 3, 2, 0),
    (2, 3, 2, 9, 9, 5, 1, 2),
    (1, 4, 3, 8, 7, 5, 2, 2),
    (2, 2, 3, 7, 8, (3, 2), (2, 1), (1, 0)),
    (1, 3, 6, 6, 9, (1, 3), 1, (1, 0)),
    (3, 1, 2, 10, 7, (5, 3), (2, 1), 1),
    (2, 5, 1, 5, 5, 3, 2, 2),
    (1, 2, 4, 4, 4, 3, (2, 1), 0),
]


def _case_id(case):
    N, C, C_out, H, W, k, s, p = case
    return f"N{N}-C{C}-O{C_out}-{H}x{W}-k{k}-s{s}-p{p}".replace(" ", "")


@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_conv2d_matches_torch_values_and_gradients(case, use_bias):
    N, C, C_out, H, W, kernel_size, stride, padding = case
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    X = _random(N, C, H, W, seed=1)
    weight = _random(C_out, C, kh, kw, seed=2)
    bias = _random(C_out, seed=3) if use_bias else None
    ours = conv2d(X, weight, bias, stride=stride, padding=padding)
    ref = F.conv2d(X, weight, bias, stride=stride, padding=padding)
    assert ours.shape == ref.shape
    assert_close(ours, ref, rtol=1e-6, atol=1e-6)

    upstream = _random(*ref.shape, seed=4).detach()
    inputs = [X, weight] + ([bias] if use_bias else [])
    grads_ours = torch.autograd.grad(ours, inputs, upstream)
    grads_ref = torch.autograd.grad(ref, inputs, upstream)
    for g_ours, g_ref in zip(grads_ours, grads_ref, strict=True):
        assert_close(g_ours, g_ref, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", CASES[:6], ids=_case_id)
def test_loops_equal_the_vectorized_conv2d_forward_and_backward(case):
    N, C, C_out, H, W, kernel_size, stride, padding = case
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    X, weight, bias = _random(N, C, H, W, seed=5), _random(C_out, C, kh, kw, seed=6), _random(C_out, seed=7)
    loops = conv2d_loops(X, weight, bias, stride=stride, padding=padding)
    vectorized = conv2d(X, weight, bias, stride=stride, padding=padding)
    assert_close(loops, vectorized, rtol=1e-12, atol=1e-12)
    upstream = _random(*loops.shape, seed=8).detach()
    for g_loops, g_vec in zip(torch.autograd.grad(loops, [X, weight, bias], upstream),
                              torch.autograd.grad(vectorized, [X, weight, bias], upstream), strict=True):
        assert_close(g_loops, g_vec, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dilation", [2, (1, 2), (3, 1)])
def test_dilation_matches_torch_in_both_versions(dilation):
    X, weight, bias = _random(2, 3, 9, 10, seed=9), _random(4, 3, 3, 2, seed=10), _random(4, seed=11)
    ref = F.conv2d(X, weight, bias, stride=(1, 2), padding=1, dilation=dilation)
    assert_close(conv2d(X, weight, bias, (1, 2), 1, dilation), ref)
    assert_close(conv2d_loops(X, weight, bias, (1, 2), 1, dilation), ref)


def test_conv2d_tiny_example_by_hand():
    X = torch.arange(16.0).reshape(1, 1, 4, 4)  # rows 0..3, 4..7, 8..11, 12..15
    weight = torch.tensor([[[[1.0, 0.0], [0.0, -1.0]]]])  # x[i, j] - x[i + 1, j + 1]
    assert_close(conv2d(X, weight), torch.full((1, 1, 3, 3), -5.0))
    assert_close(conv2d(X, weight, torch.tensor([5.0])), torch.zeros(1, 1, 3, 3))
    # stride 2 and padding 1: the corners see one real pixel each, e.g. top-left: 0 - X[0, 0] = 0
    out = conv2d(X, weight, stride=2, padding=1)
    assert_close(out, torch.tensor([[[[0.0, -2.0, 0.0], [-8.0, -5.0, 7.0], [0.0, 13.0, 15.0]]]]))


def test_conv2d_is_cross_correlation_not_flipped():
    X = torch.zeros(1, 1, 3, 3)
    X[0, 0, 1, 1] = 1.0  # one bright pixel in the middle
    weight = torch.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    out = conv2d(X, weight, padding=1)[0, 0]
    # the response to an impulse is the kernel rotated by 180 degrees (cross-correlation)
    assert_close(out, torch.flip(weight[0, 0], dims=(0, 1)))


def test_conv2d_does_not_modify_its_inputs():
    X, weight, bias = _random(2, 3, 6, 6, seed=12).detach(), _random(4, 3, 3, 3, seed=13).detach(), None
    copies = X.clone(), weight.clone()
    conv2d(X, weight, bias, stride=2, padding=1)
    conv2d_loops(X, weight, bias, stride=2, padding=1)
    assert torch.equal(X, copies[0]) and torch.equal(weight, copies[1])


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_im2col_matches_torch_unfold(case):
    N, C, _, H, W, kernel_size, stride, padding = case
    X = _random(N, C, H, W, seed=14)
    assert_close(im2col(X, kernel_size, stride, padding), F.unfold(X, kernel_size, 1, padding, stride))


def test_sliding_windows_is_a_view_of_the_padded_input_with_the_right_shape():
    X = torch.arange(2 * 3 * 7 * 6.0).reshape(2, 3, 7, 6)
    windows = sliding_windows(X, (3, 2), stride=(2, 1), padding=(1, 0))
    assert windows.shape == (2, 3, 4, 5, 3, 2)
    assert torch.equal(windows[1, 2, 1, 3], X[1, 2, 1:4, 3:5])  # window (1, 3) starts at padded row 2
    assert torch.equal(windows[0, 0, 0, 0, 0], torch.zeros(2))  # its top row is padding


SIZES = list(itertools.product([1, 4, 7, 8, 13], [1, 2, 3, 5], [1, 2, 3], [0, 1, 2], [1, 2]))


@pytest.mark.parametrize(("size", "kernel_size", "stride", "padding", "dilation"), SIZES)
def test_conv_output_size_equals_the_actual_output_shape(size, kernel_size, stride, padding, dilation):
    span = dilation * (kernel_size - 1) + 1
    if span > size + 2 * padding:
        with pytest.raises(ValueError, match="larger than the padded input"):
            conv_output_size(size, kernel_size, stride, padding, dilation)
        return
    X = torch.zeros(1, 1, size, size + 3)
    weight = torch.zeros(1, 1, kernel_size, kernel_size)
    expected = F.conv2d(X, weight, stride=stride, padding=padding, dilation=dilation).shape[2]
    assert conv_output_size(size, kernel_size, stride, padding, dilation) == expected
    assert conv2d(X, weight, stride=stride, padding=padding, dilation=dilation).shape[2] == expected


def test_conv_output_size_by_hand_and_bad_arguments():
    assert conv_output_size(8, 3) == 6
    assert conv_output_size(8, 3, padding=1) == 8  # "same" size
    assert conv_output_size(8, 3, stride=2, padding=1) == 4  # floor(7 / 2) + 1
    assert conv_output_size(32, 5) == 28  # LeNet-5's first layer
    assert conv_output_size(7, 3, dilation=3) == 1
    for bad in [dict(stride=0), dict(padding=-1), dict(dilation=0), dict(kernel_size=2.0)]:
        args = dict(size=8, kernel_size=3) | bad
        with pytest.raises(ValueError, match=next(iter(bad))):
            conv_output_size(**args)


def test_conv2d_errors_name_the_shapes():
    weight = torch.zeros(4, 3, 3, 3)
    with pytest.raises(ValueError, match=r"^conv2d expects input of shape \(N, C, H, W\), got \(8, 8\)$"):
        conv2d(torch.zeros(8, 8), weight)
    with pytest.raises(ValueError, match=r"input has 2 channels .* weight of shape \(4, 3, 3, 3\) expects 3"):
        conv2d(torch.zeros(1, 2, 5, 5), weight)
    with pytest.raises(ValueError, match=r"kernel of size 3x3 is larger than the padded input 2x4"):
        conv2d(torch.zeros(1, 3, 2, 4), weight)
    with pytest.raises(ValueError, match=r"conv2d_loops: kernel of size 3x3 is larger than the padded input"):
        conv2d_loops(torch.zeros(1, 3, 1, 1), weight)
    with pytest.raises(ValueError, match=r"weight of shape \(out_channels, in_channels, kH, kW\)"):
        conv2d(torch.zeros(1, 3, 5, 5), torch.zeros(4, 3, 3))
    with pytest.raises(ValueError, match=r"bias of shape \(4,\).*got \(3,\)"):
        conv2d(torch.zeros(1, 3, 5, 5), weight, torch.zeros(3))
    with pytest.raises(ValueError, match="stride must be >= 1"):
        conv2d(torch.zeros(1, 3, 5, 5), weight, stride=0)
    with pytest.raises(ValueError, match="padding must be an int or a pair"):
        conv2d(torch.zeros(1, 3, 5, 5), weight, padding=(1, 1, 1))
    # padding makes room: a 3x3 kernel fits a 1x1 image padded by 1
    assert conv2d(torch.zeros(1, 3, 1, 1), weight, padding=1).shape == (1, 4, 1, 1)


@pytest.mark.parametrize("use_bias", [True, False])
def test_Conv2d_state_dict_loads_into_torch_and_matches(use_bias):
    ours = Conv2d(3, 5, (3, 2), stride=(2, 1), padding=(1, 0), bias=use_bias, dtype=torch.float64)
    ref = nn.Conv2d(3, 5, (3, 2), stride=(2, 1), padding=(1, 0), bias=use_bias, dtype=torch.float64)
    ref.load_state_dict(ours.state_dict())
    X = _random(2, 3, 7, 6, seed=15)
    y_ours, y_ref = ours(X), ref(X)
    assert_close(y_ours, y_ref)
    y_ours.square().sum().backward()
    y_ref.square().sum().backward()
    assert_close(ours.weight.grad, ref.weight.grad)
    if use_bias:
        assert_close(ours.bias.grad, ref.bias.grad)
    else:
        assert ours.bias is None and "bias" not in ours.state_dict()
    assert repr(ours) == repr(ref)


def test_Conv2d_initialises_like_torch():
    torch.manual_seed(123)
    ours = Conv2d(4, 6, 5)
    torch.manual_seed(123)
    ref = nn.Conv2d(4, 6, 5)
    assert_close(ours.weight, ref.weight)
    assert_close(ours.bias, ref.bias)
    bound = 1 / (4 * 5 * 5) ** 0.5
    assert ours.weight.abs().max() <= bound and ours.weight.abs().max() > 0.9 * bound


def test_Conv2d_parameter_count_does_not_depend_on_the_image_size():
    layer = Conv2d(3, 8, 3, padding=1)
    assert sum(p.numel() for p in layer.parameters()) == 8 * (3 * 3 * 3 + 1)
    assert layer(torch.zeros(2, 3, 8, 8)).shape == (2, 8, 8, 8)
    assert layer(torch.zeros(2, 3, 32, 20)).shape == (2, 8, 32, 20)


def test_Conv2d_rejects_bad_sizes():
    with pytest.raises(ValueError, match="in_channels and out_channels >= 1"):
        Conv2d(0, 3, 3)
    with pytest.raises(ValueError, match="kernel_size must be >= 1"):
        Conv2d(1, 3, 0)

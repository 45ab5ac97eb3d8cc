"""dl_lib.nn.residual and global average pooling against torch, in float64: values, gradients
of the input and of every parameter, in training mode (batch statistics) and eval mode."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.testing import assert_close

from dl_lib.nn import GlobalAvgPool2d, ResidualBlock, SmallResNet, global_avg_pool2d

TOL = {"rtol": 1e-6, "atol": 1e-6}


def _pair(make, seed=0):
    """The same module from this book's layers and torch's, with the same float64 weights."""
    ours, theirs = make("dl_lib").double(), make("torch").double()
    torch.manual_seed(seed)
    for p in theirs.parameters():  # non-trivial BN weights and biases too
        p.data.uniform_(-0.5, 0.5)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def _compare(ours, theirs, shape, seed=1):
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(*shape, generator=generator, dtype=torch.float64)
    X_ours, X_theirs = X.clone().requires_grad_(), X.clone().requires_grad_()
    y_ours, y_theirs = ours(X_ours), theirs(X_theirs)
    assert y_ours.shape == y_theirs.shape
    assert_close(y_ours, y_theirs, **TOL)
    upstream = torch.randn(y_ours.shape, generator=generator, dtype=torch.float64)
    y_ours.backward(upstream)
    y_theirs.backward(upstream)
    assert_close(X_ours.grad, X_theirs.grad, **TOL)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, theirs_params[name].grad, **TOL, msg=name)
    for name, buffer in theirs.named_buffers():  # running statistics updated alike
        assert_close(dict(ours.named_buffers())[name], buffer, **TOL, msg=name)


@pytest.mark.parametrize("shape", [(2, 3, 5, 4), (1, 1, 1, 1), (3, 2, 7, 7)])
def test_global_avg_pool2d_matches_adaptive_avg_pool(shape):
    X = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    ours = global_avg_pool2d(X)
    ref = F.adaptive_avg_pool2d(X, 1).flatten(1)
    assert ours.shape == shape[:2]
    assert_close(ours, ref, **TOL)
    upstream = torch.randn(ours.shape, dtype=torch.float64)
    (g_ours,) = torch.autograd.grad(ours, X, upstream)
    (g_ref,) = torch.autograd.grad(ref, X, upstream)
    assert_close(g_ours, g_ref, **TOL)
    assert_close(GlobalAvgPool2d()(X), ref, **TOL)


@pytest.mark.parametrize("bad", [torch.zeros(2, 3), torch.zeros(1, 2, 0, 3), [[1.0]]])
def test_global_avg_pool2d_rejects_bad_input(bad):
    with pytest.raises(ValueError, match="global_avg_pool2d: input must have shape"):
        global_avg_pool2d(bad)


# (in_channels, out_channels, stride, batch_norm, residual)
BLOCKS = [
    (4, 4, 1, True, True),  # identity shortcut
    (3, 6, 2, True, True),  # 1x1 convolution shortcut with stride 2
    (3, 5, 1, True, True),  # 1x1 shortcut: channels change, size does not
    (4, 4, 1, False, True),  # no batch normalization: biases instead
    (3, 6, 2, True, False),  # a plain stack, no shortcut
]


@pytest.mark.parametrize("case", BLOCKS, ids=lambda c: "-".join(map(str, c)))
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_residual_block_matches_torch(case, train):
    c_in, c_out, stride, batch_norm, residual = case
    ours, theirs = _pair(lambda layers: ResidualBlock(
        c_in, c_out, stride, batch_norm=batch_norm, residual=residual, layers=layers))
    ours.train(train)
    theirs.train(train)
    _compare(ours, theirs, (3, c_in, 7, 6))


def test_residual_block_shortcut_is_identity_or_1x1_conv():
    same = ResidualBlock(4, 4)
    assert isinstance(same.shortcut, nn.Identity)
    wider = ResidualBlock(4, 8, stride=2)
    assert tuple(wider.shortcut[0].weight.shape) == (8, 4, 1, 1)
    assert wider(torch.zeros(2, 4, 9, 9)).shape == (2, 8, 5, 5)
    assert isinstance(ResidualBlock(4, 8, residual=False).shortcut, nn.Identity)


def test_residual_block_with_zero_branch_is_relu_of_input():
    """With the last BN's scale at zero, the block computes ReLU(x): it starts as the identity
    on non-negative inputs, which is why deep stacks of blocks still train."""
    block = ResidualBlock(3, 3).double()
    nn.init.zeros_(block.bn2.weight)
    X = torch.randn(2, 3, 5, 5, dtype=torch.float64)
    assert_close(block(X), X.relu(), **TOL)


@pytest.mark.parametrize("batch_norm", [True, False])
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_small_resnet_matches_torch(batch_norm, train):
    ours, theirs = _pair(lambda layers: SmallResNet(
        in_channels=2, channels=3, num_classes=4, batch_norm=batch_norm, layers=layers))
    ours.train(train)
    theirs.train(train)
    _compare(ours, theirs, (4, 2, 8, 8))


def test_small_resnet_accepts_any_size_and_counts_parameters():
    model = SmallResNet(channels=4, num_classes=10)
    for size in (8, 12, 28):
        assert model(torch.zeros(2, 1, size, size)).shape == (2, 10)
    expected = (9 * 4 + 2 * 4  # stem conv (no bias) and its BN
                + 4 * 8 * 9 + 8 * 8 * 9 + 4 * 8 + 3 * 2 * 8  # block 1: two convs, 1x1, 3 BNs
                + 2 * 8 * 8 * 9 + 2 * 2 * 8  # block 2: two convs, two BNs
                + 8 * 10 + 10)  # the 1x1 classifier with its bias
    assert sum(p.numel() for p in model.parameters()) == expected


@pytest.mark.parametrize("kwargs, message", [
    ({"in_channels": 0, "out_channels": 4}, "in_channels must be a positive integer"),
    ({"in_channels": 4, "out_channels": 4, "stride": 0}, "stride must be a positive"),
    ({"in_channels": 4, "out_channels": 4, "layers": "keras"}, "layers must be 'dl_lib'"),
])
def test_residual_block_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ResidualBlock(**kwargs)


def test_small_resnet_rejects_bad_arguments():
    with pytest.raises(ValueError, match="channels must be a positive integer"):
        SmallResNet(channels=2.5)
    with pytest.raises(ValueError, match="layers must be"):
        SmallResNet(layers="jax")

"""dl_lib.nn.lenet: shapes, parameter count, and the same network from dl_lib's layers and torch's."""

import pytest
import torch
from torch.testing import assert_close

from dl_lib.nn.lenet import LeNet


def test_shapes_and_parameter_count():
    model = LeNet()
    X = torch.randn(5, 1, 8, 8)
    assert model(X).shape == (5, 10)
    assert model.features(X).shape == (5, 32, 2, 2)
    assert model.features[:2](X).shape == (5, 32, 8, 8)  # first conv layer, after its ReLU
    c1, c2, hidden = 32, 32, 64
    expected = c1 * (1 * 9 + 1) + c2 * (c1 * 9 + 1) + (4 * c2 + 1) * hidden + (hidden + 1) * 10
    assert sum(p.numel() for p in model.parameters()) == expected == 18474


@pytest.mark.parametrize("image_size", [8, 16])
def test_dl_lib_and_torch_layers_build_the_same_network(image_size):
    torch.manual_seed(0)
    ours = LeNet(channels=(4, 6), hidden=12, num_classes=3, image_size=image_size).double()
    ref = LeNet(channels=(4, 6), hidden=12, num_classes=3, image_size=image_size, layers="torch").double()
    assert list(ours.state_dict()) == list(ref.state_dict())
    ref.load_state_dict(ours.state_dict())
    generator = torch.Generator().manual_seed(1)
    X = torch.rand(3, 1, image_size, image_size, generator=generator, dtype=torch.float64)
    y_ours, y_ref = ours(X), ref(X)
    assert_close(y_ours, y_ref)
    y_ours.square().sum().backward()
    y_ref.square().sum().backward()
    for (name, p_ours), p_ref in zip(ours.named_parameters(), ref.parameters(), strict=True):
        assert_close(p_ours.grad, p_ref.grad, msg=name)


def test_same_seed_same_initial_weights_with_either_layers():
    torch.manual_seed(7)
    ours = LeNet()
    torch.manual_seed(7)
    ref = LeNet(layers="torch")
    for p_ours, p_ref in zip(ours.parameters(), ref.parameters(), strict=True):
        assert_close(p_ours, p_ref)


def test_bad_arguments():
    with pytest.raises(ValueError, match="layers must be 'dl_lib' or 'torch'"):
        LeNet(layers="keras")
    with pytest.raises(ValueError, match="image_size must be a positive multiple of 4"):
        LeNet(image_size=10)
    with pytest.raises(ValueError, match=r"expects input of shape \(N, C, H, W\), got \(8, 8\)"):
        LeNet()(torch.zeros(8, 8))

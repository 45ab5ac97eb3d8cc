r"""Modern CNN pieces: a residual block and a small all-convolutional network built from it.

After LeNet, convolutional networks changed in four ways that this module puts together:

- *batch normalization* after every convolution (Ioffe and Szegedy, 2015), per channel over the
  batch and all positions (`BatchNorm2d`);
- *1x1 convolutions* (Lin et al., 2014), which mix the channels at each pixel without looking at
  its neighbours: a linear layer applied at every position;
- *global average pooling* (Lin et al., 2014), which replaces the large fully connected head by
  the mean of each channel, so a 1x1 convolution to one map per class and the mean of each map
  give the logits;
- the *residual block* (He et al., 2016), which adds its input to what its layers compute,
  :math:`y = \mathrm{ReLU}(F(x) + S(x))`, so that a block can start as the identity and the
  gradient has a path around every block.

.. code-block:: text

    SmallResNet (N, C, S, S)
      stem: conv 3x3, BN, ReLU -> (N, c, S, S), max 2x2 -> (N, c, S/2, S/2)
      ResidualBlock(c, 2c, stride 2) -> (N, 2c, S/4, S/4)
      ResidualBlock(2c, 2c) -> (N, 2c, S/4, S/4)
      conv 1x1 -> (N, classes, S/4, S/4), global average pool -> (N, classes) logits
"""

from __future__ import annotations

from torch import Tensor, nn

from dl_lib.nn.batchnorm import BatchNorm2d
from dl_lib.nn.conv import Conv2d
from dl_lib.nn.pooling import GlobalAvgPool2d, MaxPool2d

__all__ = ["ResidualBlock", "SmallResNet"]


def _layer_kinds(layers: str, caller: str):
    """Conv, batch-norm and max-pool classes from this book (``"dl_lib"``) or ``torch.nn``."""
    if layers == "dl_lib":
        return Conv2d, BatchNorm2d, MaxPool2d
    if layers == "torch":
        return nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d
    raise ValueError(f"{caller}: layers must be 'dl_lib' or 'torch', got {layers!r}")


def _positive(caller: str, **values: int) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{caller}: {name} must be a positive integer, got {value!r}")


class ResidualBlock(nn.Module):
    r"""Two 3x3 convolutions with a shortcut around them (He et al., 2016).

    .. math:: y = \mathrm{ReLU}\big(\mathrm{BN}(W_2 * \mathrm{ReLU}(\mathrm{BN}(W_1 * x)))
              + S(x)\big)

    The shortcut :math:`S` is the identity when the block keeps the shape; when it changes the
    number of channels or the stride, :math:`S` is a 1x1 convolution with that stride (and
    batch normalization), the cheapest map that makes the shapes match.

    Args:
        in_channels, out_channels: channels of the input and the output.
        stride: the stride of the first convolution and of the shortcut (2 halves the size).
        batch_norm: put `BatchNorm2d` after every convolution (the convolutions then have no
            bias, which the normalization would cancel); False keeps biases and no BN.
        residual: add the shortcut; False gives the same layers as a plain stack.
        layers: ``"dl_lib"`` (this book's layers) or ``"torch"`` (``torch.nn``'s); both have
            the same parameter names, so either loads the other's ``state_dict``.

    Shapes:
        ``(N, in_channels, H, W)`` -> ``(N, out_channels, H_out, W_out)`` with
        ``H_out = (H - 1) // stride + 1``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 batch_norm: bool = True, residual: bool = True,
                 layers: str = "dl_lib") -> None:
        super().__init__()
        _positive("ResidualBlock", in_channels=in_channels, out_channels=out_channels,
                  stride=stride)
        conv, bn, _ = _layer_kinds(layers, "ResidualBlock")
        self.residual = residual

        def norm(channels: int) -> nn.Module:
            return bn(channels) if batch_norm else nn.Identity()

        bias = not batch_norm
        self.conv1 = conv(in_channels, out_channels, 3, stride=stride, padding=1, bias=bias)
        self.bn1 = norm(out_channels)
        self.conv2 = conv(out_channels, out_channels, 3, padding=1, bias=bias)
        self.bn2 = norm(out_channels)
        self.shortcut = nn.Identity()
        if residual and (stride != 1 or in_channels != out_channels):
            self.shortcut = nn.Sequential(
                conv(in_channels, out_channels, 1, stride=stride, bias=bias),
                norm(out_channels),
            )
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.residual:
            out = out + self.shortcut(x)  # the shortcut: identity or 1x1 conv
        return self.relu(out)


class SmallResNet(nn.Module):
    r"""A stem, two residual blocks, a 1x1 convolution and global average pooling.

    See the module's diagram. There is no fully connected layer: the 1x1 convolution turns the
    ``2c`` channels into one map per class, and global average pooling turns each map into a
    logit, so the network has no weight tied to a position and accepts any image size
    divisible by 4.

    Args:
        in_channels: channels of the input images (1 for grey digits).
        channels: ``c``, the stem's channels; the blocks use ``2c``.
        num_classes: the number of logits.
        batch_norm, residual, layers: as in `ResidualBlock` (the stem follows ``batch_norm``).

    Shapes:
        ``(N, in_channels, S, S)`` -> logits ``(N, num_classes)``.
    """

    def __init__(self, in_channels: int = 1, channels: int = 16, num_classes: int = 10,
                 batch_norm: bool = True, residual: bool = True,
                 layers: str = "dl_lib") -> None:
        super().__init__()
        _positive("SmallResNet", in_channels=in_channels, channels=channels,
                  num_classes=num_classes)
        conv, bn, pool = _layer_kinds(layers, "SmallResNet")
        c = channels
        options = {"batch_norm": batch_norm, "residual": residual, "layers": layers}
        self.features = nn.Sequential(
            conv(in_channels, c, 3, padding=1, bias=not batch_norm),
            bn(c) if batch_norm else nn.Identity(),
            nn.ReLU(),
            pool(2),  # (N, c, S/2, S/2)
            ResidualBlock(c, 2 * c, stride=2, **options),  # (N, 2c, S/4, S/4)
            ResidualBlock(2 * c, 2 * c, **options),
        )
        self.classifier = conv(2 * c, num_classes, 1)  # 1x1: one map per class
        self.pool = GlobalAvgPool2d()  # (N, classes, h, w) -> (N, classes)

    def forward(self, X: Tensor) -> Tensor:
        return self.pool(self.classifier(self.features(X)))

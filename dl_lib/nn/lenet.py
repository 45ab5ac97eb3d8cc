r"""A LeNet-style convolutional network, sized for scikit-learn's 8x8 digits.

LeNet-5 (LeCun et al., 1998) read 32x32 digits through two rounds of convolution and
subsampling, then three fully connected layers. The 8x8 digits leave room for two rounds of
3x3 convolution (with padding 1, so they keep the size), ReLU and 2x2 max pooling
(8x8 -> 4x4 -> 2x2), followed by a fully connected head:

.. code-block:: text

    (N, 1, 8, 8) -conv 3x3, ReLU-> (N, c1, 8, 8) -max 2x2-> (N, c1, 4, 4)
                 -conv 3x3, ReLU-> (N, c2, 4, 4) -max 2x2-> (N, c2, 2, 2)
                 -flatten-> (N, 4 c2) -linear, ReLU-> (N, hidden) -linear-> (N, 10) logits

Where it differs from the paper: ReLU instead of scaled tanh, max pooling instead of trainable
subsampling, every channel connected to every channel of the layer before, and no RBF output
layer: the logits go to the cross-entropy loss.
"""

from __future__ import annotations

from torch import Tensor, nn

from dl_lib.nn.conv import Conv2d
from dl_lib.nn.mlp import Linear
from dl_lib.nn.pooling import MaxPool2d

__all__ = ["LeNet"]


class LeNet(nn.Module):
    r"""Two convolution + ReLU + max-pooling stages and a two-layer fully connected head.

    Args:
        in_channels: channels of the input images (1 for grey digits).
        channels: ``(c1, c2)``, the number of filters in the two convolutional layers.
        hidden: the width of the hidden fully connected layer.
        num_classes: the number of logits.
        image_size: the height and width of the (square) input, divisible by 4.
        layers: where the layers come from: ``"dl_lib"`` (this book's `Conv2d`, `MaxPool2d`,
            `Linear`) or ``"torch"`` (``torch.nn``'s). Both build the same network with the same
            parameter names, so either loads the other's ``state_dict``.

    Attributes:
        features: the convolutional part, ``nn.Sequential`` of conv, ReLU, pool, conv, ReLU, pool;
            ``features[:2]`` gives the first layer's feature maps.
        head: flatten, linear, ReLU, linear.

    Shapes:
        input ``(N, in_channels, image_size, image_size)`` -> logits ``(N, num_classes)``.
    """

    def __init__(self, in_channels: int = 1, channels: tuple[int, int] = (32, 32), hidden: int = 64,
                 num_classes: int = 10, image_size: int = 8, layers: str = "dl_lib") -> None:
        super().__init__()
        if layers not in ("dl_lib", "torch"):
            raise ValueError(f"LeNet: layers must be 'dl_lib' or 'torch', got {layers!r}")
        if image_size < 4 or image_size % 4:
            raise ValueError(f"LeNet: image_size must be a positive multiple of 4, got {image_size}")
        conv, pool, linear = (Conv2d, MaxPool2d, Linear) if layers == "dl_lib" else (
            nn.Conv2d, nn.MaxPool2d, nn.Linear)
        c1, c2 = channels
        self.features = nn.Sequential(
            conv(in_channels, c1, kernel_size=3, padding=1), nn.ReLU(), pool(2),  # (N, c1, S/2, S/2)
            conv(c1, c2, kernel_size=3, padding=1), nn.ReLU(), pool(2),  # (N, c2, S/4, S/4)
        )
        self.head = nn.Sequential(
            nn.Flatten(),  # (N, c2 * (S/4)^2)
            linear(c2 * (image_size // 4) ** 2, hidden), nn.ReLU(),
            linear(hidden, num_classes),
        )

    def forward(self, X: Tensor) -> Tensor:
        return self.head(self.features(X))

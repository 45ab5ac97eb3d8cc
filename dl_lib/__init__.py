"""dl_lib: the reference implementations of *Deep Learning by Doing*.

Every chapter imports this package; every function in it is tested against
PyTorch where PyTorch has the same thing.
"""

from __future__ import annotations

import torch

from dl_lib.device import device, set_seed
from dl_lib.show import show

__all__ = ["device", "set_seed", "setup", "show"]
__version__ = "0.1.0"


def setup(seed: int = 0, quiet: bool = False) -> torch.device:
    r"""What every chapter's first cell does: seed everything, style the plots, pick the device.

    Args:
        seed: passed to :func:`set_seed`.
        quiet: do not print the device and the versions.

    Returns:
        The device chosen by :func:`device`.
    """
    from dl_lib.plot import use_style

    set_seed(seed)
    use_style()
    chosen = device()
    if not quiet:
        print(f"dl_lib {__version__} · torch {torch.__version__} · device: {chosen}")
    return chosen

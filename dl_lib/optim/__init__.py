"""Optimizers and learning-rate schedules, each written out and checked against ``torch.optim``.

Every optimizer is a ``torch.optim.Optimizer`` with PyTorch's argument names and defaults, so it
drops into any training loop (``dl_lib.train.fit``) and into PyTorch's learning-rate schedulers.
"""

from dl_lib.optim.adagrad import Adagrad
from dl_lib.optim.adam import Adam, AdamW
from dl_lib.optim.rmsprop import RMSprop
from dl_lib.optim.schedules import cosine_annealing, linear_warmup, lr_lambda, step_decay
from dl_lib.optim.sgd import SGD

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "RMSprop",
    "cosine_annealing",
    "linear_warmup",
    "lr_lambda",
    "step_decay",
]

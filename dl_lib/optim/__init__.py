"""Optimizers and learning-rate schedules, each written out and checked against ``torch.optim``.

Each update rule is a stateless function (``sgd_step``, ``adagrad_step``, ``rmsprop_step``,
``adam_step``) that updates one parameter and its state dict in place, like the functional forms
behind ``torch.optim``. Each optimizer class is a thin ``torch.optim.Optimizer`` over its rule
(:class:`~dl_lib.optim.optimizer.FunctionalOptimizer`), with PyTorch's argument names and
defaults, so it drops into any training loop (``dl_lib.train.fit``) and into PyTorch's
learning-rate schedulers.
"""

from dl_lib.optim.adagrad import Adagrad, adagrad_step
from dl_lib.optim.adam import Adam, AdamW, adam_step
from dl_lib.optim.optimizer import FunctionalOptimizer, check_betas, check_range, check_step_inputs
from dl_lib.optim.rmsprop import RMSprop, rmsprop_step
from dl_lib.optim.schedules import cosine_annealing, linear_warmup, lr_lambda, step_decay
from dl_lib.optim.sgd import SGD, sgd_step

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "FunctionalOptimizer",
    "RMSprop",
    "adagrad_step",
    "adam_step",
    "check_betas",
    "check_range",
    "check_step_inputs",
    "cosine_annealing",
    "linear_warmup",
    "lr_lambda",
    "rmsprop_step",
    "sgd_step",
    "step_decay",
]

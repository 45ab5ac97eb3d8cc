r"""Grid search and random search: the two ways to choose trial configurations without a model.

A hyperparameter *configuration* is a dictionary such as ``{"lr": 0.01, "weight_decay": 1e-5}``.
Grid search tries every combination of a few values per hyperparameter; random search draws
each hyperparameter independently from a distribution. Bergstra & Bengio (2012) showed that
random search finds better configurations on the same budget whenever only a few of the
hyperparameters matter: a :math:`k \times k` grid tries only :math:`k` distinct values of each
one, while :math:`k^2` random trials try :math:`k^2` distinct values of every one.

Scale hyperparameters (learning rates, weight decays) are drawn *log-uniformly*: their
logarithm is uniform, so every factor of ten in the range gets the same share of trials.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

__all__ = ["best_so_far", "grid", "log_grid", "log_uniform", "LogUniform", "random_configs", "Uniform", "uniform"]


def _check_range(caller: str, low: float, high: float, positive: bool) -> None:
    if positive and not low > 0:
        raise ValueError(f"{caller}: low must be > 0 (the logarithm of the bounds is taken), got {low!r}")
    if not high > low:
        raise ValueError(f"{caller}: high must be greater than low, got low={low!r}, high={high!r}")


def _check_size(caller: str, size: int, name: str = "size") -> None:
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(f"{caller}: {name} must be an integer >= 0, got {size!r}")


def uniform(low: float, high: float, size: int, generator: torch.Generator | None = None) -> Tensor:
    r"""``size`` draws from the uniform distribution :math:`\mathcal{U}(\text{low}, \text{high})`.

    Returns:
        A float64 tensor of shape ``(size,)``.
    """
    _check_range("uniform", low, high, positive=False)
    _check_size("uniform", size)
    return low + (high - low) * torch.rand(size, generator=generator, dtype=torch.float64)


def log_uniform(low: float, high: float, size: int, generator: torch.Generator | None = None) -> Tensor:
    r"""``size`` log-uniform draws: :math:`x = e^u` with :math:`u \sim \mathcal{U}(\ln a, \ln b)`.

    The density is :math:`p(x) = 1 / (x \ln(b/a))` on :math:`[a, b]`, so each decade
    (factor of ten) in the range holds the same share of the draws. The base of the logarithm
    does not matter as long as the same base is used on the way in and on the way out.
    Optuna calls this ``suggest_float(name, a, b, log=True)``; SciPy calls it ``loguniform``.

    Args:
        low, high: the bounds :math:`0 < a < b`.
        size: the number of draws, >= 0.
        generator: a seeded ``torch.Generator`` for reproducible draws, or None.

    Returns:
        A float64 tensor of shape ``(size,)`` with values in :math:`[a, b]`.
    """
    _check_range("log_uniform", low, high, positive=True)
    u = uniform(math.log(low), math.log(high), size, generator)  # uniform in log space
    return torch.exp(u).clamp(low, high)  # clamp: exp(log(b)) may round just past b


@dataclass(frozen=True)
class Uniform:
    """A hyperparameter drawn uniformly from ``[low, high]``."""

    low: float
    high: float

    def sample(self, size: int, generator: torch.Generator | None = None) -> Tensor:
        return uniform(self.low, self.high, size, generator)


@dataclass(frozen=True)
class LogUniform:
    """A hyperparameter whose logarithm is uniform on ``[log low, log high]`` (see `log_uniform`)."""

    low: float
    high: float

    def sample(self, size: int, generator: torch.Generator | None = None) -> Tensor:
        return log_uniform(self.low, self.high, size, generator)


def log_grid(low: float, high: float, num: int) -> list[float]:
    r"""``num`` values from ``low`` to ``high`` (both included), equally spaced in the logarithm.

    :math:`x_i = a\,(b/a)^{i/(n-1)}`: the grid-search counterpart of `log_uniform`.
    """
    _check_range("log_grid", low, high, positive=True)
    if isinstance(num, bool) or not isinstance(num, int) or num < 1:
        raise ValueError(f"log_grid: num must be an integer >= 1, got {num!r}")
    return np.geomspace(low, high, num).tolist()


def grid(params: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    r"""Every combination of the listed values: the Cartesian product, as a list of configurations.

    ``grid({"lr": [0.1, 0.01], "depth": [1, 2, 3]})`` has :math:`2 \times 3 = 6` entries, in the
    order of ``itertools.product``: the last hyperparameter changes fastest. The same as
    ``sklearn.model_selection.ParameterGrid`` for one dictionary, except for that order.

    Args:
        params: maps each hyperparameter's name to a non-empty sequence of values.

    Returns:
        A list of :math:`\prod_j n_j` dictionaries, one per combination.
    """
    for name, values in params.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
            raise ValueError(f"grid: params[{name!r}] must be a non-empty list of values, got {values!r}")
    names = list(params)
    return [dict(zip(names, combination, strict=True)) for combination in itertools.product(*params.values())]


Space = Mapping[str, "Uniform | LogUniform | Sequence[Any]"]


def random_configs(space: Space, num_trials: int, seed: int = 0) -> list[dict[str, Any]]:
    r"""``num_trials`` configurations drawn independently from ``space``.

    Args:
        space: maps each name to a distribution (`Uniform`, `LogUniform`) or to a list of
            choices, drawn with equal probability.
        num_trials: the number of configurations, >= 0.
        seed: the same seed gives the same configurations.

    Returns:
        A list of ``num_trials`` dictionaries; numbers come back as Python floats.
    """
    _check_size("random_configs", num_trials, "num_trials")
    generator = torch.Generator().manual_seed(seed)
    columns = {}
    for name, dist in space.items():  # one column of num_trials draws per hyperparameter
        if isinstance(dist, (Uniform, LogUniform)):
            columns[name] = dist.sample(num_trials, generator).tolist()
        elif isinstance(dist, Sequence) and not isinstance(dist, (str, bytes)) and len(dist) > 0:
            picks = torch.randint(len(dist), (num_trials,), generator=generator)
            columns[name] = [dist[i] for i in picks.tolist()]
        else:
            raise ValueError(f"random_configs: space[{name!r}] must be Uniform, LogUniform or a "
                             f"non-empty list of choices, got {dist!r}")
    return [{name: columns[name][t] for name in space} for t in range(num_trials)]


def best_so_far(values: Sequence[float], maximize: bool = True) -> np.ndarray:
    r"""The best value among the first :math:`t` trials, for every :math:`t`: a running max (or min).

    This is the curve by which search methods are compared: after :math:`t` evaluations,
    how good is the best configuration found so far?

    Returns:
        A float array of the same length as ``values``.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 1:
        raise ValueError(f"best_so_far expects a 1-D sequence of values, got shape {values.shape}")
    return np.maximum.accumulate(values) if maximize else np.minimum.accumulate(values)

"""Hyperparameter search: grid and random search, Gaussian processes, Bayesian optimisation."""

from dl_lib.hpo.bayesopt import (
    BOResult,
    Proposal,
    bayesian_optimization,
    expected_improvement,
    fit_kernel,
    propose,
)
from dl_lib.hpo.gp import gp_posterior, log_marginal_likelihood, matern52_kernel, rbf_kernel
from dl_lib.hpo.search import (
    LogUniform,
    Uniform,
    best_so_far,
    grid,
    log_grid,
    log_uniform,
    random_configs,
    uniform,
)

__all__ = [
    "BOResult",
    "LogUniform",
    "Proposal",
    "Uniform",
    "bayesian_optimization",
    "best_so_far",
    "expected_improvement",
    "fit_kernel",
    "gp_posterior",
    "grid",
    "log_grid",
    "log_marginal_likelihood",
    "log_uniform",
    "matern52_kernel",
    "propose",
    "random_configs",
    "rbf_kernel",
    "uniform",
]

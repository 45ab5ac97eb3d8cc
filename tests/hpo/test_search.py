"""Grid and random search: samplers' distributions, the grid's product, the running best."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats
from sklearn.model_selection import ParameterGrid

from dl_lib.hpo import LogUniform, Uniform, best_so_far, grid, log_grid, log_uniform, random_configs, uniform


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


class TestLogUniform:
    def test_bounds_shape_and_dtype(self):
        x = log_uniform(1e-5, 10.0, 10_000, _gen(0))
        assert x.shape == (10_000,) and x.dtype == torch.float64
        assert x.min() >= 1e-5 and x.max() <= 10.0

    def test_logarithm_is_uniform(self):
        low, high = 1e-4, 1.0
        x = log_uniform(low, high, 20_000, _gen(1))
        u = (torch.log(x) - math.log(low)) / math.log(high / low)  # should be U(0, 1)
        assert stats.kstest(u.numpy(), "uniform").pvalue > 0.01
        # each of the four decades holds a quarter of the draws
        counts = np.histogram(torch.log10(x).numpy(), bins=[-4, -3, -2, -1, 0])[0] / len(x)
        np.testing.assert_allclose(counts, 0.25, atol=0.015)

    def test_is_not_uniform_on_the_original_scale(self):
        x = log_uniform(1e-3, 1.0, 10_000, _gen(2))
        # half the draws lie below the geometric mean sqrt(1e-3) ~ 0.032, not 3% as for U(1e-3, 1)
        assert abs((x < math.sqrt(1e-3)).double().mean().item() - 0.5) < 0.02

    def test_seeded_draws_are_reproducible_and_seeds_differ(self):
        torch.testing.assert_close(log_uniform(0.1, 10, 50, _gen(3)), log_uniform(0.1, 10, 50, _gen(3)))
        assert not torch.equal(log_uniform(0.1, 10, 50, _gen(3)), log_uniform(0.1, 10, 50, _gen(4)))

    def test_matches_scipy_loguniform_quantiles(self):
        x = log_uniform(2.0, 50.0, 40_000, _gen(5)).numpy()
        q = [0.1, 0.25, 0.5, 0.75, 0.9]
        np.testing.assert_allclose(np.quantile(x, q), stats.loguniform(2.0, 50.0).ppf(q), rtol=0.03)

    def test_size_zero(self):
        assert log_uniform(1e-3, 1.0, 0).shape == (0,)

    @pytest.mark.parametrize(
        "low, high, size, message",
        [(0.0, 1.0, 3, "low must be > 0"), (-1.0, 1.0, 3, "low must be > 0"), (1.0, 1.0, 3, "high must be"),
         (1.0, 0.5, 3, "high must be"), (1e-3, 1.0, -1, "size"), (1e-3, 1.0, 2.5, "size")],
    )
    def test_bad_arguments(self, low, high, size, message):
        with pytest.raises(ValueError, match=message):
            log_uniform(low, high, size)


def test_uniform_bounds_and_mean():
    x = uniform(-2.0, 3.0, 20_000, _gen(0))
    assert x.min() >= -2.0 and x.max() <= 3.0
    assert abs(x.mean().item() - 0.5) < 0.05
    with pytest.raises(ValueError, match="high must be"):
        uniform(1.0, 0.0, 3)


def test_log_grid_is_geometric_and_includes_the_ends():
    values = log_grid(1e-4, 1.0, 5)
    np.testing.assert_allclose(values, [1e-4, 1e-3, 1e-2, 1e-1, 1.0], rtol=1e-12)
    assert log_grid(0.5, 8.0, 1) == [0.5]
    with pytest.raises(ValueError, match="num"):
        log_grid(1e-4, 1.0, 0)
    with pytest.raises(ValueError, match="low must be > 0"):
        log_grid(0.0, 1.0, 3)


class TestGrid:
    def test_enumerates_the_cartesian_product_in_order(self):
        configs = grid({"lr": [0.1, 0.01], "depth": [1, 2, 3]})
        assert configs == [
            {"lr": 0.1, "depth": 1}, {"lr": 0.1, "depth": 2}, {"lr": 0.1, "depth": 3},
            {"lr": 0.01, "depth": 1}, {"lr": 0.01, "depth": 2}, {"lr": 0.01, "depth": 3},
        ]

    def test_same_set_as_sklearn_parameter_grid(self):
        params = {"a": [1, 2, 3], "b": ["x", "y"], "c": [0.5, 1.5, 2.5, 3.5]}
        ours = grid(params)
        assert len(ours) == 3 * 2 * 4
        as_set = {tuple(sorted(c.items())) for c in ours}
        assert len(as_set) == len(ours)
        assert as_set == {tuple(sorted(c.items())) for c in ParameterGrid(params)}

    def test_single_value_and_single_parameter(self):
        assert grid({"lr": [0.1]}) == [{"lr": 0.1}]
        assert grid({"lr": (1, 2, 3)}) == [{"lr": 1}, {"lr": 2}, {"lr": 3}]

    @pytest.mark.parametrize("values", [[], "abc", 3])
    def test_bad_values(self, values):
        with pytest.raises(ValueError, match="non-empty list"):
            grid({"lr": values})


class TestRandomConfigs:
    SPACE = {"lr": LogUniform(1e-4, 1.0), "dropout": Uniform(0.0, 0.5), "activation": ["relu", "tanh"]}

    def test_reproducible_keys_and_ranges(self):
        configs = random_configs(self.SPACE, 200, seed=0)
        assert configs == random_configs(self.SPACE, 200, seed=0)
        assert configs != random_configs(self.SPACE, 200, seed=1)
        assert len(configs) == 200 and all(list(c) == ["lr", "dropout", "activation"] for c in configs)
        assert all(1e-4 <= c["lr"] <= 1.0 and 0.0 <= c["dropout"] <= 0.5 for c in configs)
        assert {c["activation"] for c in configs} == {"relu", "tanh"}
        assert all(isinstance(c["lr"], float) for c in configs)

    def test_every_trial_has_a_distinct_value_of_each_continuous_hyperparameter(self):
        configs = random_configs(self.SPACE, 50, seed=2)
        assert len({c["lr"] for c in configs}) == 50

    def test_log_uniform_column_is_log_uniform(self):
        lr = np.array([c["lr"] for c in random_configs({"lr": LogUniform(1e-4, 1.0)}, 4000, seed=3)])
        u = (np.log(lr) - math.log(1e-4)) / math.log(1e4)
        assert stats.kstest(u, "uniform").pvalue > 0.01

    def test_choices_are_equally_likely(self):
        configs = random_configs({"k": [1, 2, 3, 4]}, 8000, seed=4)
        counts = np.bincount([c["k"] for c in configs])[1:] / 8000
        np.testing.assert_allclose(counts, 0.25, atol=0.02)

    def test_bad_space(self):
        with pytest.raises(ValueError, match="space\\['lr'\\]"):
            random_configs({"lr": "log"}, 3)
        with pytest.raises(ValueError, match="space\\['lr'\\]"):
            random_configs({"lr": []}, 3)
        with pytest.raises(ValueError, match="num_trials"):
            random_configs(self.SPACE, -1)


def test_best_so_far():
    values = [0.2, 0.5, 0.3, 0.7, 0.1]
    np.testing.assert_array_equal(best_so_far(values), [0.2, 0.5, 0.5, 0.7, 0.7])
    np.testing.assert_array_equal(best_so_far(values, maximize=False), [0.2, 0.2, 0.2, 0.2, 0.1])
    with pytest.raises(ValueError, match="1-D"):
        best_so_far([[1.0, 2.0]])

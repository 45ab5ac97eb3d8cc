"""Neurons, layers and networks, each written from scratch and checked against ``torch.nn``."""

from dl_lib.nn.mlp import MLP, Linear, count_parameters, linear, mlp_parameter_count
from dl_lib.nn.perceptron import heaviside, perceptron_predict, perceptron_step, train_perceptron

__all__ = [
    "MLP",
    "Linear",
    "count_parameters",
    "heaviside",
    "linear",
    "mlp_parameter_count",
    "perceptron_predict",
    "perceptron_step",
    "train_perceptron",
]

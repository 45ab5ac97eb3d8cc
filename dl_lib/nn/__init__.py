"""Neurons, layers and networks, each written from scratch and checked against ``torch.nn``."""

from dl_lib.nn.clip import clip_grad_norm, grad_norm
from dl_lib.nn.mlp import MLP, Linear, count_parameters, linear, mlp_parameter_count
from dl_lib.nn.perceptron import heaviside, perceptron_predict, perceptron_step, train_perceptron
from dl_lib.nn.rnn import RNN, RecurrentLM, RNNCell, bptt, rnn_cell

__all__ = [
    "RNN",
    "RNNCell",
    "RecurrentLM",
    "bptt",
    "clip_grad_norm",
    "grad_norm",
    "rnn_cell",
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

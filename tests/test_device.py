import random

import numpy as np
import pytest
import torch

import dl_lib


def test_device_defaults_to_cpu_without_accelerators(monkeypatch):
    monkeypatch.delenv("DL_LIB_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert dl_lib.device() == torch.device("cpu")


def test_device_prefers_cuda_then_mps(monkeypatch):
    monkeypatch.delenv("DL_LIB_DEVICE", raising=False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert dl_lib.device() == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert dl_lib.device() == torch.device("mps")


def test_environment_overrides_device(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv("DL_LIB_DEVICE", "cpu")
    assert dl_lib.device() == torch.device("cpu")
    monkeypatch.setenv("DL_LIB_DEVICE", "cuda:1")
    assert dl_lib.device() == torch.device("cuda:1")


def test_bad_override_names_the_variable(monkeypatch):
    monkeypatch.setenv("DL_LIB_DEVICE", "tpu")
    with pytest.raises(ValueError, match="DL_LIB_DEVICE"):
        dl_lib.device()
    monkeypatch.setenv("DL_LIB_DEVICE", "cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="no CUDA"):
        dl_lib.device()


def _draw():
    return random.random(), np.random.rand(), torch.rand(3)


def test_set_seed_repeats_every_generator():
    dl_lib.set_seed(123)
    a = _draw()
    dl_lib.set_seed(123)
    b = _draw()
    dl_lib.set_seed(124)
    c = _draw()
    assert a[0] == b[0] and a[1] == b[1] and torch.equal(a[2], b[2])
    assert a[0] != c[0] and not torch.equal(a[2], c[2])
    assert torch.are_deterministic_algorithms_enabled()


def test_set_seed_makes_training_repeatable():
    def train():
        dl_lib.set_seed(7)
        model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        X, y = torch.randn(32, 4), torch.randn(32, 1)
        for _ in range(5):
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(X), y).backward()
            opt.step()
        return torch.cat([p.flatten() for p in model.parameters()])

    assert torch.equal(train(), train())


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_set_seed_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed"):
        dl_lib.set_seed(seed)


def test_setup_returns_device_and_prints_it(capsys, monkeypatch):
    monkeypatch.setenv("DL_LIB_DEVICE", "cpu")
    assert dl_lib.setup(seed=3) == torch.device("cpu")
    assert "device: cpu" in capsys.readouterr().out

"""dl_lib.distributed and dl_lib.ddp_worker: real gloo runs in several processes, started by torchrun."""

from __future__ import annotations

import subprocess

import pytest
import torch

from dl_lib.ddp_worker import batch, make_mlp, train
from dl_lib.distributed import LaunchError, chunk_bounds, free_port, launch, ring_all_reduce


def check_ddp_run(tmp_path, nproc):
    result = launch("dl_lib.ddp_worker", [str(tmp_path), "--quick"], nproc=nproc)
    assert result.attempts in (1, 2)
    results = torch.load(tmp_path / "results.pt")
    assert results["world_size"] == nproc
    assert results["ring_max_error"] < 1e-12, "the ring's sums differ from dist.all_reduce"
    X, y = batch(64 * nproc, 20, 4, seed=0)
    single = make_mlp([20, 32, 32, 4], seed=0)
    losses = train(single, X, y, steps=20)
    assert losses[-1] < losses[0]
    for rank in range(nproc):
        replica = torch.load(tmp_path / f"rank{rank}.pt")
        for name, value in single.state_dict().items():
            torch.testing.assert_close(replica[name], value, rtol=1e-6, atol=1e-6)


def test_ddp_in_two_processes_gives_the_single_process_weights(tmp_path):
    check_ddp_run(tmp_path, 2)


@pytest.mark.slow
def test_ddp_and_ring_in_three_processes(tmp_path):
    check_ddp_run(tmp_path, 3)


@pytest.mark.slow
def test_a_failing_run_is_retried_once_and_reported(tmp_path):
    missing = tmp_path / "missing"
    with pytest.warns(RuntimeWarning, match="attempt 1 exited with status"):
        with pytest.raises(LaunchError, match=r"failed 2 time\(s\)(.|\n)*usage: torchrun"):
            launch("dl_lib.ddp_worker", [str(missing)], nproc=1)


class FakeRun:
    """Stands in for subprocess.run: fails the first `failures` calls, then succeeds."""

    def __init__(self, failures):
        self.failures, self.calls = failures, []

    def __call__(self, command, **kwargs):
        self.calls.append(command)
        if len(self.calls) <= self.failures:
            stderr = ("worker says: boom\nTraceback (most recent call last):\n  File \"torch/distributed/run.py\"\n"
                      "Root Cause (first observed failure):\n  rank      : 0\n  exitcode  : 1 (pid: 1)\n")
            return subprocess.CompletedProcess(command, 1, "", stderr)
        return subprocess.CompletedProcess(command, 0, "ok", "")


def test_launch_retries_once_after_a_failure(monkeypatch):
    fake = FakeRun(failures=1)
    monkeypatch.setattr(subprocess, "run", fake)
    with pytest.warns(RuntimeWarning, match="(?s)attempt 1 exited with status 1.*worker says: boom.*retrying"):
        result = launch("some.module", ["a"], nproc=3)
    assert result.attempts == 2 and result.stdout == "ok"
    command = fake.calls[0]
    assert "--nproc_per_node=3" in command and command[-3:] == ["-m", "some.module", "a"]
    assert any(arg.startswith("--rdzv_endpoint=127.0.0.1:") for arg in command)


def test_launch_reports_the_workers_error_after_the_retry(monkeypatch):
    fake = FakeRun(failures=5)
    monkeypatch.setattr(subprocess, "run", fake)
    with pytest.warns(RuntimeWarning), pytest.raises(LaunchError, match="(?s)failed 2 time.*boom.*exitcode"):
        launch("some.module")
    assert len(fake.calls) == 2
    fake = FakeRun(failures=1)
    monkeypatch.setattr(subprocess, "run", fake)
    with pytest.raises(LaunchError, match="failed 1 time"):
        launch("some.module", retries=0)


def test_launch_bad_input():
    with pytest.raises(ValueError, match="nproc >= 1"):
        launch("dl_lib.ddp_worker", nproc=0)
    with pytest.raises(ValueError, match="retries >= 0"):
        launch("dl_lib.ddp_worker", retries=-1)


@pytest.mark.parametrize("numel,p", [(10, 3), (1001, 2), (4, 4), (3, 5), (0, 2), (17, 1)])
def test_chunk_bounds_match_tensor_split(numel, p):
    expected = [len(c) for c in torch.tensor_split(torch.arange(numel), p)]
    bounds = chunk_bounds(numel, p)
    assert [b - a for a, b in bounds] == expected
    assert bounds[0][0] == 0 and bounds[-1][1] == numel
    assert all(bounds[k][1] == bounds[k + 1][0] for k in range(p - 1))


def test_chunk_bounds_bad_input():
    with pytest.raises(ValueError, match="world_size >= 1"):
        chunk_bounds(5, 0)


def test_ring_needs_a_process_group():
    with pytest.raises(RuntimeError, match="init_process_group"):
        ring_all_reduce(torch.ones(3))


def test_free_port_is_a_port():
    assert 0 < free_port() < 65536

"""dl_lib.transfer: freezing, counting and replacing layers, few-shot sampling, checkpoint loading."""

from __future__ import annotations

import pickle
from collections import OrderedDict
from pathlib import Path

import pytest
import torch
from torch import nn

from dl_lib import transfer
from dl_lib.data import sha256_of
from dl_lib.nn import count_parameters
from dl_lib.transfer import (
    count_trainable,
    few_shot_indices,
    few_shot_subset,
    freeze,
    load_pretrained,
    replace_head,
    save_pretrained,
    unfreeze,
)


def small_cnn(num_classes: int = 5) -> nn.Sequential:
    body = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(4 * 4 * 4, 8), nn.ReLU())
    return nn.Sequential(OrderedDict(body=body, head=nn.Linear(8, num_classes))).double()


# ---------------------------------------------------------------- freeze / unfreeze / count_trainable


def test_freeze_matches_requires_grad_false_and_counts_every_number():
    ours, ref = small_cnn(), small_cnn()
    count = freeze(ours.body)
    ref.body.requires_grad_(False)
    assert count == 4 * 1 * 9 + 4 + 4 + 4 + 64 * 8 + 8 == sum(p.numel() for p in ours.body.parameters())
    assert [p.requires_grad for p in ours.parameters()] == [p.requires_grad for p in ref.parameters()]
    assert all(not p.requires_grad for p in ours.body.parameters())
    assert all(p.requires_grad for p in ours.head.parameters())


def test_freeze_leaves_buffers_and_training_mode_alone():
    model = small_cnn()
    model.train()
    buffers_before = {k: v.clone() for k, v in model.named_buffers()}
    freeze(model)
    assert model.training and model.body[1].training, "freeze must not switch to eval mode"
    for k, v in model.named_buffers():
        assert torch.equal(v, buffers_before[k]) and not v.requires_grad


def test_frozen_parameters_get_no_gradient_and_do_not_move():
    torch.manual_seed(0)
    model = small_cnn()
    freeze(model.body)
    before = {k: v.clone() for k, v in model.body.state_dict().items() if "running" not in k}
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    X = torch.randn(6, 1, 8, 8, dtype=torch.float64)
    y = torch.tensor([0, 1, 2, 3, 4, 0])
    head_before = model.head.weight.clone()
    for _ in range(3):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X), y).backward()
        opt.step()
    assert all(p.grad is None for p in model.body.parameters())
    for k, p in model.body.named_parameters():
        assert torch.equal(p, before[k]), k
    assert not torch.equal(model.head.weight, head_before)


def test_unfreeze_inverts_freeze():
    model = small_cnn()
    total = count_trainable(model)
    assert freeze(model) == total and count_trainable(model) == 0
    assert unfreeze(model.head) == 8 * 5 + 5 and count_trainable(model) == 45
    assert unfreeze(model) == total and count_trainable(model) == total


def test_count_trainable_counts_elements_of_trainable_parameters_once():
    model = small_cnn()
    assert count_trainable(model) == count_parameters(model) == sum(p.numel() for p in model.parameters())
    freeze(model.body)
    assert count_trainable(model) == 45 == count_parameters(model, trainable_only=True)
    shared = nn.Linear(3, 3)
    tied = nn.Sequential(shared, nn.ReLU(), shared)  # one parameter set used twice
    assert count_trainable(tied) == 12
    assert freeze(tied) == 12


def test_module_arguments_are_checked():
    with pytest.raises(TypeError, match="freeze expects a torch.nn.Module"):
        freeze(torch.zeros(3))
    with pytest.raises(TypeError, match="count_trainable expects a torch.nn.Module"):
        count_trainable([nn.Linear(2, 2)])


# ---------------------------------------------------------------- replace_head


def test_replace_head_by_name_keeps_the_body_and_changes_the_output():
    torch.manual_seed(0)
    model = small_cnn()
    body = model.body
    new = nn.Linear(8, 3).double()
    assert replace_head(model, "head", new) is model
    assert model.head is new and model.body is body
    assert model(torch.randn(2, 1, 8, 8, dtype=torch.float64)).shape == (2, 3)
    assert list(dict(model.named_children())) == ["body", "head"]


def test_replace_head_follows_dotted_names_and_sequential_indices():
    model = nn.Sequential(OrderedDict(features=nn.Linear(4, 6),
                                      classifier=nn.Sequential(nn.ReLU(), nn.Dropout(0.1), nn.Linear(6, 10))))
    replace_head(model, "classifier.2", nn.Linear(6, 2))
    assert model.classifier[2].out_features == 2 and len(model.classifier) == 3
    seq = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 10))
    replace_head(seq, "2", nn.Linear(6, 7))
    assert seq[2].out_features == 7 and seq(torch.randn(1, 4)).shape == (1, 7)


def test_replace_head_errors():
    model = small_cnn()
    with pytest.raises(ValueError, match=r"no sub-module 'fc'.*\['body', 'head'\]"):
        replace_head(model, "fc", nn.Linear(8, 2))
    with pytest.raises(ValueError, match="in_features=16, but the layer at 'head' reads 8"):
        replace_head(model, "head", nn.Linear(16, 2))
    with pytest.raises(TypeError, match="new_head"):
        replace_head(model, "head", "linear")
    assert model.head.out_features == 5, "a failed replacement must leave the model as it was"


# ---------------------------------------------------------------- few-shot sampling


def test_few_shot_indices_per_class_without_replacement_and_grouped():
    y = torch.tensor([0, 1, 2] * 10 + [2] * 5)
    index = few_shot_indices(y, 4, seed=0)
    assert index.dtype == torch.int64 and index.shape == (12,)
    assert index.unique().numel() == 12
    assert y[index].tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert torch.equal(index, few_shot_indices(y, 4, seed=0))
    assert not torch.equal(index, few_shot_indices(y, 4, seed=1))


def test_few_shot_indices_follows_the_documented_draw():
    y = torch.randint(0, 5, (200,), generator=torch.Generator().manual_seed(3))
    generator = torch.Generator().manual_seed(7)
    expected = []
    for c in range(5):
        where = torch.nonzero(y == c).flatten()
        expected.append(where[torch.randperm(len(where), generator=generator)[:6]])
    assert torch.equal(few_shot_indices(y, 6, seed=7), torch.cat(expected))


def test_few_shot_indices_all_of_a_class_and_errors():
    y = torch.tensor([3, 3, 7, 7])
    assert sorted(few_shot_indices(y, 2, 0).tolist()) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="class 7 has 2 examples, fewer than per_class=3"):
        few_shot_indices(torch.tensor([3, 3, 3, 7, 7]), 3, 0)
    with pytest.raises(ValueError, match="per_class must be an integer >= 1"):
        few_shot_indices(y, 0, 0)
    with pytest.raises(ValueError, match="integer labels y of shape"):
        few_shot_indices(y.float(), 1, 0)
    with pytest.raises(ValueError, match="integer labels y of shape"):
        few_shot_indices(y[None], 1, 0)


def test_few_shot_subset_takes_matching_rows():
    X = torch.arange(40.0).reshape(20, 2)
    y = torch.arange(20) % 4
    X_few, y_few = few_shot_subset(X, y, 2, seed=5)
    index = few_shot_indices(y, 2, seed=5)
    assert torch.equal(X_few, X[index]) and torch.equal(y_few, y[index])
    with pytest.raises(ValueError, match="X has 20 rows but y has 19 labels"):
        few_shot_subset(X, y[:-1], 2, 0)


# ---------------------------------------------------------------- publishing and loading checkpoints


@pytest.fixture
def checkpoint(tmp_path):
    torch.manual_seed(0)
    model = small_cnn()
    return model, save_pretrained(model, tmp_path / "published", "tiny_cnn")


def test_save_pretrained_names_the_file_by_its_hash(checkpoint):
    _, path = checkpoint
    assert path.name.startswith("tiny_cnn-") and path.suffix == ".pth"
    assert sha256_of(path)[:8] == path.stem.rsplit("-", 1)[1]
    assert len(sha256_of(path)) == 64
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no temporary file is left behind"


def test_save_pretrained_is_deterministic(checkpoint, tmp_path):
    model, path = checkpoint
    again = save_pretrained(model, tmp_path / "elsewhere", "tiny_cnn")
    assert again.name == path.name and again.read_bytes() == path.read_bytes()
    with torch.no_grad():
        model.head.bias += 1
    assert save_pretrained(model, tmp_path / "changed", "tiny_cnn").name != path.name


def test_load_pretrained_from_a_local_file_with_checksum(checkpoint):
    model, path = checkpoint
    state = load_pretrained(path, sha256=sha256_of(path))
    assert state.keys() == model.state_dict().keys()
    fresh = small_cnn()
    fresh.load_state_dict(state)
    fresh.eval(), model.eval()
    X = torch.randn(3, 1, 8, 8, dtype=torch.float64)
    torch.testing.assert_close(fresh(X), model(X), rtol=0, atol=0)
    load_pretrained(str(path), sha256=sha256_of(path)[:8].upper())  # a prefix, any case


def test_load_pretrained_rejects_a_wrong_checksum(checkpoint):
    _, path = checkpoint
    with pytest.raises(ValueError, match="SHA-256 mismatch"):
        load_pretrained(path, sha256="0" * 64)
    with pytest.raises(ValueError, match="at least 8 hex digits"):
        load_pretrained(path, sha256="abc")


def test_load_pretrained_through_the_hub_path_downloads_once_then_uses_the_cache(checkpoint, tmp_path):
    model, path = checkpoint
    cache = tmp_path / "cache"
    digest = sha256_of(path)
    state = load_pretrained(path.as_uri(), sha256=digest, cache_dir=cache)
    assert [p.name for p in cache.iterdir()] == [path.name]
    assert all(torch.equal(state[k], v) for k, v in model.state_dict().items())
    path.unlink()  # the "server" is gone: the second load must come from the cache
    again = load_pretrained(path.as_uri(), sha256=digest, cache_dir=cache)
    assert all(torch.equal(again[k], v) for k, v in model.state_dict().items())


def test_load_pretrained_refuses_a_download_whose_name_hash_does_not_match(checkpoint, tmp_path):
    _, path = checkpoint
    forged = path.with_name("tiny_cnn-00000000.pth")
    path.rename(forged)
    with pytest.raises(ValueError, match="SHA-256 mismatch.*expected a hash starting 00000000"):
        load_pretrained(forged.as_uri(), cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache" / forged.name).exists(), "a rejected download must not enter the cache"


def test_load_pretrained_resolves_registered_names(monkeypatch, tmp_path):
    fetched = []

    def fake_download(url, sha256, filename, cache_dir):
        fetched.append((url, sha256))
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        torch.save({"w": torch.ones(2)}, Path(cache_dir) / filename)
        return Path(cache_dir) / filename

    monkeypatch.setattr(transfer, "download", fake_download)
    state = load_pretrained("resnet18", cache_dir=tmp_path)
    assert fetched == [(transfer.WEIGHTS["resnet18"], "f37072fd")]
    assert torch.equal(state["w"], torch.ones(2))
    assert (tmp_path / "resnet18-f37072fd.pth").is_file()


def test_load_pretrained_needs_a_hash_for_a_url(checkpoint, tmp_path):
    _, path = checkpoint  # "tiny_cnn.pth": no hash in the name, and none given
    plain = path.with_name("tiny_cnn.pth")
    path.rename(plain)
    with pytest.raises(ValueError, match="carries no hash in its name; pass sha256="):
        load_pretrained(plain.as_uri(), cache_dir=tmp_path / "cache")


class _Payload:
    def __reduce__(self):  # what a malicious checkpoint would do on unpickling
        return (print, ("this ran while loading",))


def test_load_pretrained_only_unpickles_tensors(tmp_path):
    unsafe = tmp_path / "unsafe.pth"
    torch.save({"w": torch.ones(1), "payload": _Payload()}, unsafe)
    with pytest.raises(pickle.UnpicklingError):
        load_pretrained(unsafe)
    not_a_state_dict = tmp_path / "list.pth"
    torch.save([torch.ones(1)], not_a_state_dict)
    with pytest.raises(ValueError, match="holds a list, not a state_dict"):
        load_pretrained(not_a_state_dict)
    with pytest.raises(FileNotFoundError, match="no such checkpoint"):
        load_pretrained(tmp_path / "missing.pth")

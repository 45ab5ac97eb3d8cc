r"""Transfer learning: reuse a trained network's parameters for a new task.

A network trained on a *source* task is split into a **body** (every layer but the last,
which computes features) and a **head** (the last layer, which maps features to the
source's classes). For a *target* task the head is replaced by a new one with the target's
number of outputs, and then either

- **feature extraction**: the body is frozen (``requires_grad = False``) and only the new
  head learns, as in DeCAF (Donahue et al., 2014) and Razavian et al. (2014); or
- **fine-tuning**: every layer learns, the pre-trained ones usually with a smaller learning
  rate (Yosinski et al., 2014; Howard & Ruder, 2018).

This module holds the few pieces that takes, and the loading code of a model hub: a
checkpoint is fetched once into a cache, its SHA-256 checked, and only tensors are unpickled.
"""

from __future__ import annotations

import hashlib
import io
import urllib.parse
from pathlib import Path

import torch
from torch import Tensor, nn

from dl_lib.data import download, sha256_of

__all__ = [
    "WEIGHTS", "freeze", "unfreeze", "count_trainable", "replace_head", "few_shot_indices",
    "few_shot_subset", "save_pretrained", "load_pretrained",
]

# Names a reader can pass to `load_pretrained`, resolved to published checkpoints. The hex digits
# after the last "-" of each file name are the start of the file's SHA-256, which torch.hub checks.
WEIGHTS = {
    # torchvision's ResNet-18 trained on ImageNet-1k (ResNet18_Weights.IMAGENET1K_V1), BSD-3-Clause.
    "resnet18": "https://download.pytorch.org/models/resnet18-f37072fd.pth",
}


def _check_module(caller: str, module: object) -> None:
    if not isinstance(module, nn.Module):
        raise TypeError(f"{caller} expects a torch.nn.Module, got {type(module).__name__}")


def freeze(module: nn.Module) -> int:
    r"""Stop ``module`` from learning: ``requires_grad = False`` on every one of its parameters.

    Autograd then computes no gradient for them (``p.grad`` stays ``None``), so no optimizer
    moves them, and backpropagation stops at the first frozen layer it reaches from the loss.
    Buffers are left alone, and so is the train/eval mode: ``module.eval()`` changes how
    dropout and batch normalization behave, not whether parameters learn.

    Args:
        module: any ``torch.nn.Module``, e.g. the body of a pre-trained network.

    Returns:
        The number of scalar parameters in ``module`` (now all frozen); a parameter shared
        by two layers is counted once.
    """
    _check_module("freeze", module)
    count = 0
    for p in module.parameters():  # each parameter once, at any depth; buffers are not parameters
        p.requires_grad_(False)
        count += p.numel()
    return count


def unfreeze(module: nn.Module) -> int:
    r"""Let every parameter of ``module`` learn again (``requires_grad = True``); the inverse of `freeze`.

    Returns:
        The number of scalar parameters in ``module`` (now all trainable).
    """
    _check_module("unfreeze", module)
    count = 0
    for p in module.parameters():
        p.requires_grad_(True)
        count += p.numel()
    return count


def count_trainable(model: nn.Module) -> int:
    r"""The number of scalar parameters that training will change.

    .. math:: \sum_{p \,:\, p.\mathrm{requires\_grad}} \mathrm{numel}(p)

    Counts numbers, not tensors: a ``Linear(64, 5)`` adds :math:`64 \cdot 5 + 5 = 325`.
    Equal to ``dl_lib.nn.count_parameters(model, trainable_only=True)``.
    """
    _check_module("count_trainable", model)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def replace_head(model: nn.Module, attr: str, new_head: nn.Module) -> nn.Module:
    r"""Swap the sub-module at ``attr`` for ``new_head``, in place, and return ``model``.

    ``attr`` is the sub-module's name as in ``model.named_modules()``: ``"fc"`` for
    torchvision's ResNets, ``"classifier.6"`` for its VGGs, ``"2"`` for the last layer of
    a three-layer ``nn.Sequential``. When the old and the new head are both ``nn.Linear``,
    their ``in_features`` must agree, since the new head reads the same features.

    Raises:
        ValueError: ``model`` has no sub-module ``attr``, or the ``in_features`` differ.
    """
    _check_module("replace_head", model)
    _check_module("replace_head (new_head)", new_head)
    names = dict(model.named_modules())
    if not attr or attr not in names:
        children = [name for name, _ in model.named_children()]
        raise ValueError(f"replace_head: model has no sub-module {attr!r}; its children are {children}")
    old = names[attr]
    both_linear = isinstance(old, nn.Linear) and isinstance(new_head, nn.Linear)
    if both_linear and old.in_features != new_head.in_features:
        raise ValueError(f"replace_head: new_head has in_features={new_head.in_features}, but the "
                         f"layer at {attr!r} reads {old.in_features} features")
    parent_name, _, child_name = attr.rpartition(".")
    setattr(model.get_submodule(parent_name), child_name, new_head)
    return model


def few_shot_indices(y: Tensor, per_class: int, seed: int) -> Tensor:
    r"""Indices of ``per_class`` examples of every class in ``y``, drawn without replacement.

    One ``torch.Generator`` seeded with ``seed`` draws, for each class in increasing order,
    a random permutation of that class's positions, of which the first ``per_class`` are kept.

    Args:
        y: class labels, shape ``(N,)``, integer.
        per_class: examples per class, >= 1.
        seed: fixes the draw.

    Returns:
        int64 indices of shape ``(K * per_class,)`` for the ``K`` classes of ``y``, grouped by class.
    """
    if y.ndim != 1 or y.is_floating_point():
        raise ValueError(f"few_shot_indices expects integer labels y of shape (N,), got {y.dtype} "
                         f"of shape {tuple(y.shape)}")
    if isinstance(per_class, bool) or not isinstance(per_class, int) or per_class < 1:
        raise ValueError(f"few_shot_indices: per_class must be an integer >= 1, got {per_class!r}")
    generator = torch.Generator().manual_seed(seed)
    chosen = []
    for c in torch.unique(y.cpu()):  # sorted
        where = torch.nonzero(y.cpu() == c).flatten()
        if len(where) < per_class:
            raise ValueError(f"few_shot_indices: class {c.item()} has {len(where)} examples, "
                             f"fewer than per_class={per_class}")
        chosen.append(where[torch.randperm(len(where), generator=generator)[:per_class]])
    return torch.cat(chosen)


def few_shot_subset(X: Tensor, y: Tensor, per_class: int, seed: int) -> tuple[Tensor, Tensor]:
    r"""A small labelled set: ``per_class`` examples of each class of ``(X, y)``, see `few_shot_indices`.

    Args:
        X: inputs of shape ``(N, ...)``.
        y: labels of shape ``(N,)``.

    Returns:
        ``(X_few, y_few)`` with ``K * per_class`` rows.
    """
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"few_shot_subset: X has {X.shape[0]} rows but y has {y.shape[0]} labels")
    index = few_shot_indices(y, per_class, seed).to(X.device)
    return X[index], y[index]


def save_pretrained(model: nn.Module, directory: str | Path, name: str) -> Path:
    r"""Publish ``model``'s ``state_dict`` as ``directory/<name>-<first 8 hex digits of its SHA-256>.pth``.

    This is the naming convention of torchvision's checkpoints, which lets `torch.hub` check a
    download against the file name alone; the full SHA-256 is `sha256_of` the file. The same
    parameters always give the same bytes, and so the same name.

    Returns:
        The path of the checkpoint.
    """
    _check_module("save_pretrained", model)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)  # in memory: the archive does not record a file name
    data = buffer.getvalue()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}-{hashlib.sha256(data).hexdigest()[:8]}.pth"
    path.write_bytes(data)
    return path


def load_pretrained(name_or_path: str | Path, sha256: str | None = None, cache_dir: str | Path | None = None,
                    map_location: str | torch.device = "cpu") -> dict[str, Tensor]:
    r"""A pre-trained ``state_dict``, from a name in `WEIGHTS`, a URL, or a local file.

    A name or a URL (``https://``, ``file://``) is fetched as ``torch.hub.load_state_dict_from_url``
    does, by :func:`dl_lib.data.download`: once, into ``cache_dir`` (default
    ``$TORCH_HOME/hub/checkpoints``), checked against ``sha256`` or else the hex digits after the
    last ``-`` of its file name, and read from the cache afterwards. Then
    ``sha256`` (64 hex digits, or a prefix of at least 8), when given, is checked against the
    file, which is unpickled with ``weights_only=True``: a checkpoint is a pickle, and this
    accepts only tensors and plain containers, so a malicious file cannot run code.

    Returns:
        The ``state_dict``, for ``model.load_state_dict(...)``.

    Raises:
        FileNotFoundError: no such local file. ValueError: a SHA-256 mismatch, or no state_dict
        in the file. RuntimeError: the hash prefix in a downloaded file's name does not match.
    """
    source = WEIGHTS.get(str(name_or_path), str(name_or_path))
    if sha256 is not None and (len(sha256) < 8 or any(c not in "0123456789abcdef" for c in sha256.lower())):
        raise ValueError(f"load_pretrained: sha256 must be at least 8 hex digits, got {sha256!r}")
    if "://" in source:
        filename = Path(urllib.parse.urlparse(source).path).name
        cache = Path(cache_dir) if cache_dir is not None else Path(torch.hub.get_dir()) / "checkpoints"
        hash_prefix = torch.hub.HASH_REGEX.search(filename)  # "resnet18-f37072fd.pth" -> "f37072fd"
        expected = sha256 or (hash_prefix and hash_prefix.group(1))
        if not expected:
            raise ValueError(f"load_pretrained: {source} carries no hash in its name; pass sha256= so the "
                             "download can be checked")
        path = download(source, expected, filename, cache)  # once; checked; from the cache afterwards
    else:
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"load_pretrained: no such checkpoint {str(path)!r}, and no name "
                                    f"in WEIGHTS ({', '.join(WEIGHTS)})")
    if sha256 is not None and not sha256_of(path).startswith(sha256.lower()):
        raise ValueError(f"load_pretrained: SHA-256 mismatch for {path.name}: expected {sha256}, "
                         f"got {sha256_of(path)}")
    state_dict = torch.load(path, map_location=map_location, weights_only=True)
    if not (isinstance(state_dict, dict) and all(isinstance(v, Tensor) for v in state_dict.values())):
        raise ValueError(f"load_pretrained: {path.name} holds a {type(state_dict).__name__}, "
                         "not a state_dict (a dict of tensors)")
    return state_dict

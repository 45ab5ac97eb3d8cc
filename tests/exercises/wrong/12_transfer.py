"""Realistic wrong answers to exercise 12_transfer; each must lose points under nbgrader autograde."""
WRONG = {
    "freeze": {
        "freezes only the first layer": '''def freeze(module):
    first = next(iter(module.children()), module)
    count = 0
    for p in first.parameters():
        p.requires_grad = False
        count += p.numel()
    return count
''',
        "calls .eval() instead of setting requires_grad": '''def freeze(module):
    module.eval()
    return sum(p.numel() for p in module.parameters())
''',
        "goes through state_dict(): counts buffers, leaves the parameters trainable": '''def freeze(module):
    count = 0
    for tensor in module.state_dict().values():
        tensor.requires_grad_(False)
        count += tensor.numel()
    return count
''',
        "returns the number of tensors, not of numbers": '''def freeze(module):
    params = list(module.parameters())
    for p in params:
        p.requires_grad = False
    return len(params)
''',
        "also switches the module to eval mode": '''def freeze(module):
    count = 0
    for p in module.parameters():
        p.requires_grad = False
        count += p.numel()
    module.eval()
    return count
''',
        "counts a shared parameter once per layer that uses it": '''def freeze(module):
    count = 0
    for m in module.modules():
        for p in m.parameters(recurse=False):
            p.requires_grad = False
            count += p.numel()
    return count
''',
    },
    "count_trainable": {
        "counts all parameters, frozen or not": '''def count_trainable(model):
    return sum(p.numel() for p in model.parameters())
''',
        "counts tensors instead of numbers": '''def count_trainable(model):
    return sum(1 for p in model.parameters() if p.requires_grad)
''',
        "counts the state_dict: buffers and frozen parameters too": '''def count_trainable(model):
    return sum(t.numel() for t in model.state_dict().values())
''',
        "counts a shared parameter twice": '''def count_trainable(model):
    return sum(p.numel() for _, p in model.named_parameters(remove_duplicate=False) if p.requires_grad)
''',
    },
    "replace_head": {
        "hard-coded in_features": '''def replace_head(model, num_classes):
    last = max(i for i, layer in enumerate(model) if isinstance(layer, nn.Linear))
    model[last] = nn.Linear(64, num_classes)
    return model
''',
        "keeps the old out_features": '''def replace_head(model, num_classes):
    last = max(i for i, layer in enumerate(model) if isinstance(layer, nn.Linear))
    old = model[last]
    model[last] = nn.Linear(old.in_features, old.out_features, bias=old.bias is not None,
                            dtype=old.weight.dtype, device=old.weight.device)
    return model
''',
        "replaces model[-1], whatever it is": '''def replace_head(model, num_classes):
    old = [layer for layer in model if isinstance(layer, nn.Linear)][-1]
    model[-1] = nn.Linear(old.in_features, num_classes, bias=old.bias is not None,
                          dtype=old.weight.dtype, device=old.weight.device)
    return model
''',
        "replaces the first Linear": '''def replace_head(model, num_classes):
    first = min(i for i, layer in enumerate(model) if isinstance(layer, nn.Linear))
    old = model[first]
    model[first] = nn.Linear(old.in_features, num_classes, bias=old.bias is not None,
                             dtype=old.weight.dtype, device=old.weight.device)
    return model
''',
        "forgets the dtype (a float32 head on a float64 model)": '''def replace_head(model, num_classes):
    last = max(i for i, layer in enumerate(model) if isinstance(layer, nn.Linear))
    old = model[last]
    model[last] = nn.Linear(old.in_features, num_classes, bias=old.bias is not None)
    return model
''',
        "always adds a bias": '''def replace_head(model, num_classes):
    last = max(i for i, layer in enumerate(model) if isinstance(layer, nn.Linear))
    old = model[last]
    model[last] = nn.Linear(old.in_features, num_classes, dtype=old.weight.dtype, device=old.weight.device)
    return model
''',
        "returns a new model instead of changing it in place": '''def replace_head(model, num_classes):
    last = max(i for i, layer in enumerate(model) if isinstance(layer, nn.Linear))
    old = model[last]
    layers = list(model)
    layers[last] = nn.Linear(old.in_features, num_classes, bias=old.bias is not None,
                             dtype=old.weight.dtype, device=old.weight.device)
    return nn.Sequential(*layers)
''',
    },
    "few_shot_indices": {
        "not per class: a random sample of the whole set": '''def few_shot_indices(y, per_class, seed):
    g = torch.Generator().manual_seed(seed)
    K = len(torch.unique(y))
    return torch.randperm(len(y), generator=g)[: K * per_class]
''',
        "draws with replacement, so indices repeat": '''def few_shot_indices(y, per_class, seed):
    g = torch.Generator().manual_seed(seed)
    chosen = []
    for c in torch.unique(y):
        where = torch.nonzero(y == c).flatten()
        if len(where) < per_class:
            raise ValueError("too few examples")
        chosen.append(where[torch.randint(0, len(where), (per_class,), generator=g)])
    return torch.cat(chosen)
''',
        "a new generator for every class": '''def few_shot_indices(y, per_class, seed):
    chosen = []
    for c in torch.unique(y):
        g = torch.Generator().manual_seed(seed)
        where = torch.nonzero(y == c).flatten()
        if len(where) < per_class:
            raise ValueError("too few examples")
        chosen.append(where[torch.randperm(len(where), generator=g)[:per_class]])
    return torch.cat(chosen)
''',
        "classes assumed to be 0 .. K-1": '''def few_shot_indices(y, per_class, seed):
    g = torch.Generator().manual_seed(seed)
    chosen = []
    for c in range(len(torch.unique(y))):
        where = torch.nonzero(y == c).flatten()
        if len(where) < per_class:
            raise ValueError("too few examples")
        chosen.append(where[torch.randperm(len(where), generator=g)[:per_class]])
    return torch.cat(chosen)
''',
        "positions within the class instead of indices into y": '''def few_shot_indices(y, per_class, seed):
    g = torch.Generator().manual_seed(seed)
    chosen = []
    for c in torch.unique(y):
        where = torch.nonzero(y == c).flatten()
        if len(where) < per_class:
            raise ValueError("too few examples")
        chosen.append(torch.randperm(len(where), generator=g)[:per_class])
    return torch.cat(chosen)
''',
        "no error for a class with too few examples": '''def few_shot_indices(y, per_class, seed):
    g = torch.Generator().manual_seed(seed)
    chosen = []
    for c in torch.unique(y):
        where = torch.nonzero(y == c).flatten()
        chosen.append(where[torch.randperm(len(where), generator=g)[:per_class]])
    return torch.cat(chosen)
''',
    },
}

WRONG["predictions"] = {
    "the new head counted as frozen too": '''trainable_after = 0
running_mean_changes = True
''',
    "the whole network counted, frozen body included": '''trainable_after = 512 * 256 + 256 + 2 * 256 + 256 * 10 + 10
running_mean_changes = True
''',
    "freezing taken to stop the running statistics too": '''trainable_after = 256 * 10 + 10
running_mean_changes = False
''',
}

# The phrase that the failing test's message shows the student for each wrong answer above.
HINTS = {
    "freeze": {
        "freezes only the first layer": "froze only the first layer",
        "calls .eval() instead of setting requires_grad": "module.eval() does not freeze",
        "goes through state_dict(): counts buffers, leaves the parameters trainable":
            "state_dict() are detached copies",
        "returns the number of tensors, not of numbers": "count numbers, not tensors",
        "also switches the module to eval mode": "do not call module.eval() in freeze",
        "counts a shared parameter once per layer that uses it":
            "counted once per layer that uses it",
    },
    "count_trainable": {
        "counts all parameters, frozen or not": "only the parameters with requires_grad True",
        "counts tensors instead of numbers": "count numbers, not tensors",
        "counts the state_dict: buffers and frozen parameters too": "counts the buffers too",
        "counts a shared parameter twice": "a shared parameter counts once",
    },
    "replace_head": {
        "hard-coded in_features": "take it from the old head (old.in_features)",
        "keeps the old out_features": "not the old head's number of outputs",
        "replaces model[-1], whatever it is": "the last nn.Linear, not the last layer",
        "replaces the first Linear": "the last nn.Linear, not the first",
        "forgets the dtype (a float32 head on a float64 model)": "dtype=old.weight.dtype",
        "always adds a bias": "bias=old.bias is not None",
        "returns a new model instead of changing it in place": "changed in place",
    },
    "few_shot_indices": {
        "not per class: a random sample of the whole set": "from each class separately",
        "draws with replacement, so indices repeat": "draw without replacement",
        "a new generator for every class": "a new generator per class repeats the same draw",
        "classes assumed to be 0 .. K-1": "torch.unique(y)",
        "positions within the class instead of indices into y": "positions within a class",
        "no error for a class with too few examples": "should raise ValueError",
    },
    "predictions": {
        "the new head counted as frozen too": "created after freeze",
        "the whole network counted, frozen body included": "the frozen body does not count",
        "freezing taken to stop the running statistics too": "buffer, not a parameter",
    },
}

"""Realistic wrong answers to exercise 09_regularization; each must lose points under nbgrader autograde."""
WRONG = {
    "dropout_forward": {
        "no rescaling of the survivors": '''def dropout_forward(x, p, training, generator):
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    if not training:
        return x
    u = torch.rand(x.shape, generator=generator, dtype=x.dtype)
    return x * (u >= p).to(x.dtype)
''',
        "scales by 1/p instead of 1/(1 - p) (right only for p = 0.5)": '''def dropout_forward(x, p, training, generator):
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    if not training:
        return x
    u = torch.rand(x.shape, generator=generator, dtype=x.dtype)
    return x * (u >= p).to(x.dtype) / p
''',
        "drops in evaluation mode too": '''def dropout_forward(x, p, training, generator):
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    u = torch.rand(x.shape, generator=generator, dtype=x.dtype)
    return x * (u >= p).to(x.dtype) / (1 - p)
''',
        "scales the evaluation output by 1 - p (the old, non-inverted convention)": '''def dropout_forward(x, p, training, generator):
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    if not training:
        return x * (1 - p)
    u = torch.rand(x.shape, generator=generator, dtype=x.dtype)
    return x * (u >= p).to(x.dtype) / (1 - p)
''',
        "keeps with probability p instead of 1 - p": '''def dropout_forward(x, p, training, generator):
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    if not training:
        return x
    u = torch.rand(x.shape, generator=generator, dtype=x.dtype)
    return x * (u < p).to(x.dtype) / (1 - p)
''',
        "modifies x in place": '''def dropout_forward(x, p, training, generator):
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    if not training:
        return x
    u = torch.rand(x.shape, generator=generator, dtype=x.dtype)
    x[u < p] = 0
    x /= 1 - p
    return x
''',
        "no check of p": '''def dropout_forward(x, p, training, generator):
    if not training:
        return x
    u = torch.rand(x.shape, generator=generator, dtype=x.dtype)
    return x * (u >= p).to(x.dtype) / (1 - p)
''',
    },
    "l2_penalty": {
        "penalizes the biases too": '''def l2_penalty(model, lam):
    return lam / 2 * sum((p**2).sum() for p in model.parameters())
''',
        "missing the square (that is L1)": '''def l2_penalty(model, lam):
    return lam / 2 * sum(p.abs().sum() for p in model.parameters() if p.dim() >= 2)
''',
        "missing the 1/2": '''def l2_penalty(model, lam):
    return lam * sum((p**2).sum() for p in model.parameters() if p.dim() >= 2)
''',
        "selects by name, so BatchNorm's 1-D weight is penalized": '''def l2_penalty(model, lam):
    return lam / 2 * sum((p**2).sum() for name, p in model.named_parameters() if "weight" in name)
''',
        "takes the norm instead of its square": '''def l2_penalty(model, lam):
    return lam / 2 * sum(p.norm() for p in model.parameters() if p.dim() >= 2)
''',
        "returns a float, which autograd cannot differentiate": '''def l2_penalty(model, lam):
    total = 0.0
    for p in model.parameters():
        if p.dim() >= 2:
            total += (p**2).sum().item()
    return torch.tensor(lam / 2 * total)
''',
    },
    "should_stop": {
        "off by one: needs patience + 1 bad epochs": '''def should_stop(val_losses, patience, min_delta=0.0):
    if patience < 1:
        raise ValueError("patience must be at least 1")
    best, since_best = math.inf, 0
    for loss in val_losses:
        if loss < best - min_delta:
            best, since_best = loss, 0
        else:
            since_best += 1
    return since_best > patience
''',
        "compares with the previous epoch instead of the best": '''def should_stop(val_losses, patience, min_delta=0.0):
    if patience < 1:
        raise ValueError("patience must be at least 1")
    previous, since_best = math.inf, 0
    for loss in val_losses:
        if loss < previous - min_delta:
            since_best = 0
        else:
            since_best += 1
        previous = loss
    return since_best >= patience
''',
        "ignores min_delta": '''def should_stop(val_losses, patience, min_delta=0.0):
    if patience < 1:
        raise ValueError("patience must be at least 1")
    best, since_best = math.inf, 0
    for loss in val_losses:
        if loss < best:
            best, since_best = loss, 0
        else:
            since_best += 1
    return since_best >= patience
''',
        "moves best on every new minimum, even without a real improvement": '''def should_stop(val_losses, patience, min_delta=0.0):
    if patience < 1:
        raise ValueError("patience must be at least 1")
    best, since_best = math.inf, 0
    for loss in val_losses:
        if loss < best - min_delta:
            since_best = 0
        else:
            since_best += 1
        best = min(best, loss)
    return since_best >= patience
''',
        "counts an equal loss as an improvement": '''def should_stop(val_losses, patience, min_delta=0.0):
    if patience < 1:
        raise ValueError("patience must be at least 1")
    best, since_best = math.inf, 0
    for loss in val_losses:
        if loss <= best - min_delta:
            best, since_best = loss, 0
        else:
            since_best += 1
    return since_best >= patience
''',
        "looks at the argmin of the whole list only": '''def should_stop(val_losses, patience, min_delta=0.0):
    if patience < 1:
        raise ValueError("patience must be at least 1")
    if not val_losses:
        return False
    best_epoch = min(range(len(val_losses)), key=lambda i: val_losses[i])
    return len(val_losses) - 1 - best_epoch >= patience
''',
    },
    "batchnorm_train_forward": {
        "normalizes with the unbiased variance": '''def batchnorm_train_forward(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    N = x.shape[0]
    if N < 2:
        raise ValueError("need N >= 2")
    mean, var = x.mean(dim=0), x.var(dim=0, unbiased=True)
    y = gamma * (x - mean) / torch.sqrt(var + eps) + beta
    with torch.no_grad():
        return y, (1 - momentum) * running_mean + momentum * mean, (1 - momentum) * running_var + momentum * var
''',
        "running variance with the biased variance": '''def batchnorm_train_forward(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    N = x.shape[0]
    if N < 2:
        raise ValueError("need N >= 2")
    mean, var = x.mean(dim=0), x.var(dim=0, unbiased=False)
    y = gamma * (x - mean) / torch.sqrt(var + eps) + beta
    with torch.no_grad():
        return y, (1 - momentum) * running_mean + momentum * mean, (1 - momentum) * running_var + momentum * var
''',
        "statistics over the features (dim=1) instead of the batch": '''def batchnorm_train_forward(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    N = x.shape[0]
    if N < 2:
        raise ValueError("need N >= 2")
    mean = x.mean(dim=1, keepdim=True)
    var = x.var(dim=1, unbiased=False, keepdim=True)
    y = gamma * (x - mean) / torch.sqrt(var + eps) + beta
    with torch.no_grad():
        batch_mean, batch_var = x.mean(dim=0), x.var(dim=0, unbiased=True)
        return y, (1 - momentum) * running_mean + momentum * batch_mean, (1 - momentum) * running_var + momentum * batch_var
''',
        "momentum the wrong way round": '''def batchnorm_train_forward(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    N = x.shape[0]
    if N < 2:
        raise ValueError("need N >= 2")
    mean, var = x.mean(dim=0), x.var(dim=0, unbiased=False)
    y = gamma * (x - mean) / torch.sqrt(var + eps) + beta
    with torch.no_grad():
        return y, momentum * running_mean + (1 - momentum) * mean, momentum * running_var + (1 - momentum) * var * N / (N - 1)
''',
        "eps outside the square root": '''def batchnorm_train_forward(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    N = x.shape[0]
    if N < 2:
        raise ValueError("need N >= 2")
    mean, var = x.mean(dim=0), x.var(dim=0, unbiased=False)
    y = gamma * (x - mean) / (torch.sqrt(var) + eps) + beta
    with torch.no_grad():
        return y, (1 - momentum) * running_mean + momentum * mean, (1 - momentum) * running_var + momentum * var * N / (N - 1)
''',
        "updates the running statistics in place": '''def batchnorm_train_forward(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    N = x.shape[0]
    if N < 2:
        raise ValueError("need N >= 2")
    mean, var = x.mean(dim=0), x.var(dim=0, unbiased=False)
    y = gamma * (x - mean) / torch.sqrt(var + eps) + beta
    with torch.no_grad():
        running_mean.mul_(1 - momentum).add_(momentum * mean)
        running_var.mul_(1 - momentum).add_(momentum * var * N / (N - 1))
    return y, running_mean, running_var
''',
        "detaches the batch statistics, so no gradient flows through them": '''def batchnorm_train_forward(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    N = x.shape[0]
    if N < 2:
        raise ValueError("need N >= 2")
    mean, var = x.mean(dim=0).detach(), x.var(dim=0, unbiased=False).detach()
    y = gamma * (x - mean) / torch.sqrt(var + eps) + beta
    return y, (1 - momentum) * running_mean + momentum * mean, (1 - momentum) * running_var + momentum * var * N / (N - 1)
''',
    },
}

WRONG["predict"] = {
    "forgets that survivors are rescaled": """SURVIVOR_VALUE = 3.0
P_ZERO = 0.25
BUG_LINE = 11
""",
    "multiplies the survivors by 1 - p": """SURVIVOR_VALUE = 3.0 * (1 - 0.25)
P_ZERO = 0.25
BUG_LINE = 11
""",
    "gives the keep probability 1 - p as the probability of zero": """SURVIVOR_VALUE = 4.0
P_ZERO = 0.75
BUG_LINE = 11
""",
    "blames the model.train() at the start of the epoch": """SURVIVOR_VALUE = 4.0
P_ZERO = 0.25
BUG_LINE = 5
""",
    "blames the torch.no_grad() around validation": """SURVIVOR_VALUE = 4.0
P_ZERO = 0.25
BUG_LINE = 12
""",
}

HINTS = {
    "dropout_forward": {
        "no rescaling of the survivors": "divide the survivors by 1 - p",
        "scales by 1/p instead of 1/(1 - p) (right only for p = 0.5)": "divided by 1 - p (not by p)",
        "drops in evaluation mode too": "in evaluation mode, return x unchanged",
        "scales the evaluation output by 1 - p (the old, non-inverted convention)": (
            "in evaluation mode, return x unchanged"
        ),
        "keeps with probability p instead of 1 - p": "keep where u >= p, not u < p",
        "modifies x in place": "do not change x in place",
        "no check of p": "should raise ValueError",
    },
    "l2_penalty": {
        "penalizes the biases too": "the bias is not penalized",
        "missing the square (that is L1)": "sum the squares",
        "missing the 1/2": "times lam / 2",
        "selects by name, so BatchNorm's 1-D weight is penalized": "not by name",
        "takes the norm instead of its square": "sum the squares",
        "returns a float, which autograd cannot differentiate": "a tensor autograd can differentiate",
    },
    "should_stop": {
        "off by one: needs patience + 1 bad epochs": "stop once that count reaches patience",
        "compares with the previous epoch instead of the best": "since the best loss",
        "ignores min_delta": "by more than min_delta",
        "moves best on every new minimum, even without a real improvement": (
            "epochs that do not improve must not move best"
        ),
        "counts an equal loss as an improvement": "an equal loss is not an improvement",
        "looks at the argmin of the whole list only": "by more than min_delta",
    },
    "batchnorm_train_forward": {
        "normalizes with the unbiased variance": "biased variance (unbiased=False)",
        "running variance with the biased variance": "the running variance uses the unbiased variance",
        "statistics over the features (dim=1) instead of the batch": "over the batch (dim=0)",
        "momentum the wrong way round": "the new batch gets the weight momentum",
        "eps outside the square root": "eps goes inside the square root",
        "updates the running statistics in place": "do not modify the running statistics in place",
        "detaches the batch statistics, so no gradient flows through them": "do not detach them",
    },
    "predict": {
        "forgets that survivors are rescaled": "forgot to divide by 1 - p",
        "multiplies the survivors by 1 - p": "not multiplied by it",
        "gives the keep probability 1 - p as the probability of zero": "P_ZERO is p itself",
        "blames the model.train() at the start of the epoch": "line 5 is right",
        "blames the torch.no_grad() around validation": "validation must run in eval mode",
    },
}

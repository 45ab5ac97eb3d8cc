"""Realistic wrong answers to exercise 05_losses; each must lose points under nbgrader autograde."""

WRONG = {
    "logsumexp": {
        "naive: log of a sum of exponentials, overflows at 1000": '''def logsumexp(z, dim, keepdim=False):
    return torch.log(torch.exp(z).sum(dim=dim, keepdim=keepdim))
''',
        "one global maximum instead of one per row": '''def logsumexp(z, dim, keepdim=False):
    m = z.max()
    out = m + torch.log(torch.exp(z - m).sum(dim=dim, keepdim=True))
    return out if keepdim else out.squeeze(dim)
''',
        "subtracts the maximum but forgets to add it back": '''def logsumexp(z, dim, keepdim=False):
    m = z.amax(dim=dim, keepdim=True)
    out = torch.log(torch.exp(z - m).sum(dim=dim, keepdim=True))
    return out if keepdim else out.squeeze(dim)
''',
        "always reduces the last dimension": '''def logsumexp(z, dim, keepdim=False):
    m = z.amax(dim=-1, keepdim=True)
    out = m + torch.log(torch.exp(z - m).sum(dim=-1, keepdim=True))
    return out if keepdim else out.squeeze(-1)
''',
        "calls torch.logsumexp instead of writing it": '''def logsumexp(z, dim, keepdim=False):
    return z.logsumexp(dim, keepdim=keepdim)
''',
        "ignores keepdim": '''def logsumexp(z, dim, keepdim=False):
    m = z.amax(dim=dim, keepdim=True)
    return m + torch.log(torch.exp(z - m).sum(dim=dim, keepdim=True))
''',
    },
    "cross_entropy": {
        "sum instead of mean": '''def cross_entropy(logits, targets):
    log_p = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    return -log_p[torch.arange(logits.shape[0]), targets].sum()
''',
        "unstable softmax: exp, normalise, then log": '''def cross_entropy(logits, targets):
    p = torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True)
    return -torch.log(p[torch.arange(logits.shape[0]), targets]).mean()
''',
        "log of torch.softmax: -inf once a probability underflows": '''def cross_entropy(logits, targets):
    p = torch.softmax(logits, dim=1)
    return -torch.log(p[torch.arange(logits.shape[0]), targets]).mean()
''',
        "sign error": '''def cross_entropy(logits, targets):
    log_p = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    return log_p[torch.arange(logits.shape[0]), targets].mean()
''',
        "wrong axis: every row's log-probability of every target": '''def cross_entropy(logits, targets):
    log_p = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    return -log_p[:, targets].mean()
''',
        "calls F.cross_entropy instead of writing it": '''def cross_entropy(logits, targets):
    return torch.nn.functional.cross_entropy(logits, targets)
''',
        "gather along dim 0 instead of dim 1": '''def cross_entropy(logits, targets):
    log_p = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    return -log_p.gather(0, targets[None, :]).mean()
''',
    },
    "bce_with_logits": {
        "naive log(sigmoid): inf at z = -1000": '''def bce_with_logits(z, y):
    p = torch.sigmoid(z)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
''',
        "sign error": '''def bce_with_logits(z, y):
    loss = z.clamp(min=0) - z * y + torch.log1p(torch.exp(-z.abs()))
    return -loss.mean()
''',
        "y and 1 - y swapped": '''def bce_with_logits(z, y):
    loss = z.clamp(min=0) - z * (1 - y) + torch.log1p(torch.exp(-z.abs()))
    return loss.mean()
''',
        "sum instead of mean": '''def bce_with_logits(z, y):
    loss = z.clamp(min=0) - z * y + torch.log1p(torch.exp(-z.abs()))
    return loss.sum()
''',
        "softplus written with exp(-z), which overflows for very negative z": '''def bce_with_logits(z, y):
    return ((1 - y) * z + torch.log(1 + torch.exp(-z))).mean()
''',
        "calls F.binary_cross_entropy_with_logits instead of writing it": '''def bce_with_logits(z, y):
    return torch.nn.functional.binary_cross_entropy_with_logits(z, y)
''',
        "clamps the logarithms at -100 like torch's BCE on probabilities": '''def bce_with_logits(z, y):
    p = torch.sigmoid(z)
    log_p = torch.log(p).clamp(min=-100)
    log_q = torch.log(1 - p).clamp(min=-100)
    return -(y * log_p + (1 - y) * log_q).mean()
''',
    },
    "mse": {
        "no shape check: silently broadcasts (N, 1) against (N,)": '''def mse(y_hat, y):
    return ((y_hat - y) ** 2).mean()
''',
        "sum instead of mean": '''def mse(y_hat, y):
    if y_hat.shape != y.shape:
        raise ValueError(f"shapes differ: {tuple(y_hat.shape)} and {tuple(y.shape)}")
    return ((y_hat - y) ** 2).sum()
''',
        "reshapes the target to fit instead of refusing": '''def mse(y_hat, y):
    if y_hat.numel() != y.numel():
        raise ValueError(f"shapes differ: {tuple(y_hat.shape)} and {tuple(y.shape)}")
    return ((y_hat - y.reshape(y_hat.shape)) ** 2).mean()
''',
        "modifies the predictions in place": '''def mse(y_hat, y):
    if y_hat.shape != y.shape:
        raise ValueError(f"shapes differ: {tuple(y_hat.shape)} and {tuple(y.shape)}")
    with torch.no_grad():
        y_hat.sub_(y)
    return (y_hat ** 2).mean()
''',
        "checks the shape, then calls F.mse_loss": '''def mse(y_hat, y):
    if y_hat.shape != y.shape:
        raise ValueError(f"shapes differ: {tuple(y_hat.shape)} and {tuple(y.shape)}")
    return torch.nn.functional.mse_loss(y_hat, y)
''',
        "assert instead of ValueError": '''def mse(y_hat, y):
    assert y_hat.shape == y.shape, "shapes differ"
    return ((y_hat - y) ** 2).mean()
''',
    },
}

WRONG["predictions"] = {
    "the probability 1/10 instead of the loss -log(1/10)": '''initial_loss = 0.1
stalls = "mse"
''',
    "cross-entropy named as the loss that stalls": '''initial_loss = math.log(10)
stalls = "bce"
''',
}

# The phrase that the failing test's message shows the student for each wrong answer above.
HINTS = {
    "logsumexp": {
        "naive: log of a sum of exponentials, overflows at 1000": "subtract the maximum before exp",
        "one global maximum instead of one per row": "not one maximum of the whole tensor",
        "subtracts the maximum but forgets to add it back": "did not add it back",
        "always reduces the last dimension": "not always the last dimension",
        "calls torch.logsumexp instead of writing it": "write this yourself",
        "ignores keepdim": "with keepdim=False",
    },
    "cross_entropy": {
        "sum instead of mean": "not the sum",
        "unstable softmax: exp, normalise, then log": "z - logsumexp(z)",
        "log of torch.softmax: -inf once a probability underflows": "underflows to 0 before the log",
        "sign error": "sign error",
        "wrong axis: every row's log-probability of every target": "one entry per row",
        "calls F.cross_entropy instead of writing it": "write this yourself",
        "gather along dim 0 instead of dim 1": "along dim 1 (the class axis)",
    },
    "bce_with_logits": {
        "naive log(sigmoid): inf at z = -1000": "log(1 + exp(-|z|))",
        "sign error": "sign error",
        "y and 1 - y swapped": "swapped",
        "sum instead of mean": "not the sum",
        "softplus written with exp(-z), which overflows for very negative z": "exp(-z) overflows",
        "calls F.binary_cross_entropy_with_logits instead of writing it": "write this yourself",
        "clamps the logarithms at -100 like torch's BCE on probabilities": "do not clamp",
    },
    "mse": {
        "no shape check: silently broadcasts (N, 1) against (N,)": "must raise ValueError",
        "sum instead of mean": "not their sum",
        "reshapes the target to fit instead of refusing": "do not reshape",
        "modifies the predictions in place": "changed its input",
        "checks the shape, then calls F.mse_loss": "write this yourself",
        "assert instead of ValueError": "raise ValueError(...) instead",
    },
    "predictions": {
        "the probability 1/10 instead of the loss -log(1/10)": "-log of the probability",
        "cross-entropy named as the loss that stalls": "p (1 - p)",
    },
}

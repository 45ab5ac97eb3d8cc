"""Realistic wrong answers to exercise 04_activations; each must lose points under nbgrader autograde."""

WRONG = {
    "softmax": {
        "unstable: no max subtraction, nan at logits of 1000": '''def softmax(z, dim=-1):
    e = torch.exp(z)
    return e / e.sum(dim=dim, keepdim=True)
''',
        "always normalises the last dimension": '''def softmax(z, dim=-1):
    m = z.amax(dim=-1, keepdim=True)
    e = torch.exp(z - m)
    return e / e.sum(dim=-1, keepdim=True)
''',
        "one global maximum instead of one per slice": '''def softmax(z, dim=-1):
    e = torch.exp(z - z.max())
    return e / e.sum(dim=dim, keepdim=True)
''',
        "subtracts the maximum in place, changing the caller's tensor": '''def softmax(z, dim=-1):
    z -= z.amax(dim=dim, keepdim=True)
    e = torch.exp(z)
    return e / e.sum(dim=dim, keepdim=True)
''',
        "forgets keepdim, so the max and the sum broadcast along the wrong axis": '''def softmax(z, dim=-1):
    m = z.amax(dim=dim)
    e = torch.exp(z - m)
    return e / e.sum(dim=dim)
''',
        "calls torch.softmax instead of writing it": '''def softmax(z, dim=-1):
    return torch.softmax(z, dim)
''',
    },
    "softmax_jvp": {
        "sign error: s * (v + s.v)": '''def softmax_jvp(z, v, dim=-1):
    s = softmax(z, dim)
    return s * (v + (s * v).sum(dim=dim, keepdim=True))
''',
        "missing the s (s.v) term: only the diagonal of the Jacobian": '''def softmax_jvp(z, v, dim=-1):
    s = softmax(z, dim)
    return s * v
''',
        "sums v instead of s * v": '''def softmax_jvp(z, v, dim=-1):
    s = softmax(z, dim)
    return s * (v - v.sum(dim=dim, keepdim=True))
''',
        "s.v summed over the whole tensor instead of each slice": '''def softmax_jvp(z, v, dim=-1):
    s = softmax(z, dim)
    return s * (v - (s * v).sum())
''',
        "always uses the last dimension": '''def softmax_jvp(z, v, dim=-1):
    s = softmax(z, -1)
    return s * (v - (s * v).sum(dim=-1, keepdim=True))
''',
        "uses autograd instead of the formula": '''def softmax_jvp(z, v, dim=-1):
    return torch.autograd.functional.jvp(lambda t: softmax(t, dim), z, v)[1]
''',
    },
    "sigmoid_grad": {
        "sigma * (1 + sigma)": '''def sigmoid_grad(x):
    s = torch.sigmoid(x)
    return s * (1 + s)
''',
        "the textbook exponential form: inf / inf = nan at x = -1000": '''def sigmoid_grad(x):
    e = torch.exp(-x)
    return e / (1 + e) ** 2
''',
        "the derivative of tanh instead: 1 - sigma^2": '''def sigmoid_grad(x):
    s = torch.sigmoid(x)
    return 1 - s * s
''',
        "sigma(x) * (1 - x): the input instead of the output": '''def sigmoid_grad(x):
    return torch.sigmoid(x) * (1 - x)
''',
    },
    "leaky_relu": {
        "slope applied on the positive side": '''def leaky_relu(x, negative_slope=0.01):
    return torch.where(x > 0, negative_slope * x, x)
''',
        "scales the negative entries of x in place": '''def leaky_relu(x, negative_slope=0.01):
    x[x < 0] *= negative_slope
    return x
''',
        "ignores the slope: plain ReLU": '''def leaky_relu(x, negative_slope=0.01):
    return torch.where(x > 0, x, torch.zeros_like(x))
''',
        "calls F.leaky_relu instead of writing it": '''def leaky_relu(x, negative_slope=0.01):
    return F.leaky_relu(x, negative_slope)
''',
    },
    "leaky_relu_grad": {
        "slope on the positive side": '''def leaky_relu_grad(x, negative_slope=0.01):
    return torch.where(x > 0, torch.full_like(x, negative_slope), torch.ones_like(x))
''',
        "0 for negative inputs, as for ReLU": '''def leaky_relu_grad(x, negative_slope=0.01):
    return (x > 0).to(x.dtype)
''',
        "1 at x = 0": '''def leaky_relu_grad(x, negative_slope=0.01):
    return torch.where(x >= 0, torch.ones_like(x), torch.full_like(x, negative_slope))
''',
        "built from Python numbers: always float32": '''def leaky_relu_grad(x, negative_slope=0.01):
    return torch.where(x > 0, torch.tensor(1.0), torch.tensor(negative_slope))
''',
    },
}

WRONG["predictions"] = {
    "hot and cold swapped: the largest T read as the most peaked": '''temperature_of = {"A": 0.5, "B": 5.0, "C": 1.0}
dead_bias_grad = 0.0
''',
    "the leaky ReLU's slope given as a dead ReLU unit's gradient": '''temperature_of = {"A": 5.0, "B": 0.5, "C": 1.0}
dead_bias_grad = 0.01
''',
}

# The phrase that the failing test's message shows the student for each wrong answer above.
HINTS = {
    "softmax": {
        "unstable: no max subtraction, nan at logits of 1000": "subtract the maximum before exp",
        "always normalises the last dimension": "not always the last dimension",
        "one global maximum instead of one per slice": "not one maximum of the whole tensor",
        "subtracts the maximum in place, changing the caller's tensor": "softmax changed its input",
        "forgets keepdim, so the max and the sum broadcast along the wrong axis": "keepdim=True",
        "calls torch.softmax instead of writing it": "write this yourself",
    },
    "softmax_jvp": {
        "sign error: s * (v + s.v)": "sign error",
        "missing the s (s.v) term: only the diagonal of the Jacobian": "only the diagonal of J",
        "sums v instead of s * v": "not the sum of v",
        "s.v summed over the whole tensor instead of each slice": "not one sum over the whole tensor",
        "always uses the last dimension": "not always the last dimension",
        "uses autograd instead of the formula": "write this yourself",
    },
    "sigmoid_grad": {
        "sigma * (1 + sigma)": "the second factor is 1 - sigma, with a minus",
        "the textbook exponential form: inf / inf = nan at x = -1000": "e^(-x) overflows",
        "the derivative of tanh instead: 1 - sigma^2": "form of tanh's derivative",
        "sigma(x) * (1 - x): the input instead of the output": "uses the input x",
    },
    "leaky_relu": {
        "slope applied on the positive side": "the slope belongs on the negative side",
        "scales the negative entries of x in place": "changed its input x",
        "ignores the slope: plain ReLU": "as in plain ReLU",
        "calls F.leaky_relu instead of writing it": "write this yourself",
    },
    "leaky_relu_grad": {
        "slope on the positive side": "the slope belongs on the negative side",
        "0 for negative inputs, as for ReLU": "is ReLU's derivative",
        "1 at x = 0": "at x = 0 use negative_slope",
        "built from Python numbers: always float32": "keep the dtype of x",
    },
    "predictions": {
        "hot and cold swapped: the largest T read as the most peaked": "a colder softmax (small T) is more peaked",
        "the leaky ReLU's slope given as a dead ReLU unit's gradient": "a dead ReLU passes no gradient",
    },
}

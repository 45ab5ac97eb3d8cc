"""Realistic wrong answers to exercise 07_gradient_descent; each must lose points under nbgrader autograde."""
WRONG = {
    "mse_gradient": {
        "missing the 1/N mean": '''def mse_gradient(X, y, w, b):
    residual = X @ w + b - y
    return 2 * (X.T @ residual), 2 * residual.sum()
''',
        "missing the factor 2": '''def mse_gradient(X, y, w, b):
    N = X.shape[0]
    residual = X @ w + b - y
    return (X.T @ residual) / N, residual.sum() / N
''',
        "sign error: residual y - y_hat": '''def mse_gradient(X, y, w, b):
    N = X.shape[0]
    residual = y - (X @ w + b)
    return (2 / N) * (X.T @ residual), (2 / N) * residual.sum()
''',
        "w as a column: (N, 1) - (N,) broadcasts to (N, N)": '''def mse_gradient(X, y, w, b):
    N = X.shape[0]
    residual = X @ w[:, None] + b - y
    return (2 / N) * (X.T @ residual).sum(dim=1), (2 / N) * residual.sum()
''',
        "bias gradient without the factor 2": '''def mse_gradient(X, y, w, b):
    N = X.shape[0]
    residual = X @ w + b - y
    return (2 / N) * (X.T @ residual), residual.mean()
''',
        "divides by d instead of N": '''def mse_gradient(X, y, w, b):
    d = X.shape[1]
    residual = X @ w + b - y
    return (2 / d) * (X.T @ residual), (2 / d) * residual.sum()
''',
    },
    "minibatch_indices": {
        "drops the last partial batch": '''def minibatch_indices(N, batch_size, seed):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    order = torch.randperm(N, generator=torch.Generator().manual_seed(seed))
    return [order[i * batch_size : (i + 1) * batch_size] for i in range(N // batch_size)]
''',
        "off-by-one range end": '''def minibatch_indices(N, batch_size, seed):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    order = torch.randperm(N, generator=torch.Generator().manual_seed(seed))
    return [order[start : start + batch_size] for start in range(0, N - batch_size, batch_size)]
''',
        "samples with replacement, so indices repeat": '''def minibatch_indices(N, batch_size, seed):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    order = torch.randint(0, N, (N,), generator=torch.Generator().manual_seed(seed))
    return [order[start : start + batch_size] for start in range(0, N, batch_size)]
''',
        "forgets to shuffle": '''def minibatch_indices(N, batch_size, seed):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    order = torch.arange(N)
    return [order[start : start + batch_size] for start in range(0, N, batch_size)]
''',
        "no check of batch_size": '''def minibatch_indices(N, batch_size, seed):
    order = torch.randperm(N, generator=torch.Generator().manual_seed(seed))
    return list(order.split(max(batch_size, 1)))
''',
    },
    "sgd_linear_regression": {
        "full-batch gradient every step": '''def sgd_linear_regression(X, y, lr, batch_size, num_epochs, seed):
    N, d = X.shape
    w = torch.zeros(d, dtype=X.dtype)
    b = torch.zeros((), dtype=X.dtype)
    for epoch in range(num_epochs):
        for batch in minibatch_indices(N, batch_size, seed + epoch):
            grad_w, grad_b = mse_gradient(X, y, w, b)
            w = w - lr * grad_w
            b = b - lr * grad_b
    return w, b
''',
        "forgets to shuffle": '''def sgd_linear_regression(X, y, lr, batch_size, num_epochs, seed):
    N, d = X.shape
    w = torch.zeros(d, dtype=X.dtype)
    b = torch.zeros((), dtype=X.dtype)
    for epoch in range(num_epochs):
        for start in range(0, N, batch_size):
            batch = torch.arange(start, min(start + batch_size, N))
            grad_w, grad_b = mse_gradient(X[batch], y[batch], w, b)
            w = w - lr * grad_w
            b = b - lr * grad_b
    return w, b
''',
        "gradient ascent": '''def sgd_linear_regression(X, y, lr, batch_size, num_epochs, seed):
    N, d = X.shape
    w = torch.zeros(d, dtype=X.dtype)
    b = torch.zeros((), dtype=X.dtype)
    for epoch in range(num_epochs):
        for batch in minibatch_indices(N, batch_size, seed + epoch):
            grad_w, grad_b = mse_gradient(X[batch], y[batch], w, b)
            w = w + lr * grad_w
            b = b + lr * grad_b
    return w, b
''',
        "the same batch order every epoch": '''def sgd_linear_regression(X, y, lr, batch_size, num_epochs, seed):
    N, d = X.shape
    w = torch.zeros(d, dtype=X.dtype)
    b = torch.zeros((), dtype=X.dtype)
    for epoch in range(num_epochs):
        for batch in minibatch_indices(N, batch_size, seed):
            grad_w, grad_b = mse_gradient(X[batch], y[batch], w, b)
            w = w - lr * grad_w
            b = b - lr * grad_b
    return w, b
''',
        "never updates the bias": '''def sgd_linear_regression(X, y, lr, batch_size, num_epochs, seed):
    N, d = X.shape
    w = torch.zeros(d, dtype=X.dtype)
    b = torch.zeros((), dtype=X.dtype)
    for epoch in range(num_epochs):
        for batch in minibatch_indices(N, batch_size, seed + epoch):
            grad_w, grad_b = mse_gradient(X[batch], y[batch], w, b)
            w = w - lr * grad_w
    return w, b
''',
        "bias gradient after the w step": '''def sgd_linear_regression(X, y, lr, batch_size, num_epochs, seed):
    N, d = X.shape
    w = torch.zeros(d, dtype=X.dtype)
    b = torch.zeros((), dtype=X.dtype)
    for epoch in range(num_epochs):
        for batch in minibatch_indices(N, batch_size, seed + epoch):
            grad_w, _ = mse_gradient(X[batch], y[batch], w, b)
            w = w - lr * grad_w
            _, grad_b = mse_gradient(X[batch], y[batch], w, b)
            b = b - lr * grad_b
    return w, b
''',
    },
    "max_stable_lr": {
        "uses the smallest eigenvalue": '''def max_stable_lr(H):
    return 2.0 / torch.linalg.eigvalsh(H).min().item()
''',
        "1/L instead of 2/L": '''def max_stable_lr(H):
    return 1.0 / torch.linalg.eigvalsh(H).max().item()
''',
        "the largest diagonal entry instead of the largest eigenvalue": '''def max_stable_lr(H):
    return 2.0 / torch.diagonal(H).max().item()
''',
        "2 over the trace": '''def max_stable_lr(H):
    return 2.0 / torch.trace(H).item()
''',
    },
}

WRONG["predict"] = {
    "drops the last partial batch (N // B)": """STEPS_PER_EPOCH = 1000 // 64
CONTRACTION = 0.7
""",
    "takes only the steep direction's factor |1 - lr L|": """STEPS_PER_EPOCH = 16
CONTRACTION = 0.2
""",
    "takes lr L, forgetting the 1 - and the absolute value": """STEPS_PER_EPOCH = 16
CONTRACTION = 1.2
""",
}

HINTS = {
    "mse_gradient": {
        "missing the 1/N mean": "the mean over N examples",
        "missing the factor 2": "check the 2",
        "sign error: residual y - y_hat": "the sign of the residual",
        "w as a column: (N, 1) - (N,) broadcasts to (N, N)": "w stays a vector of shape (d,)",
        "bias gradient without the factor 2": "the factor 2 applies to b too",
        "divides by d instead of N": "(not d)",
    },
    "minibatch_indices": {
        "drops the last partial batch": "keep the last, smaller batch",
        "off-by-one range end": "keep the last, smaller batch",
        "samples with replacement, so indices repeat": "without replacement",
        "forgets to shuffle": "not shuffled",
        "no check of batch_size": "should raise ValueError",
    },
    "sgd_linear_regression": {
        "full-batch gradient every step": "the gradient of its own mini-batch",
        "forgets to shuffle": "minibatch_indices(N, batch_size, seed + e)",
        "gradient ascent": "step against the gradient",
        "the same batch order every epoch": "minibatch_indices(N, batch_size, seed + e)",
        "never updates the bias": "b -= lr * grad_b",
        "bias gradient after the w step": "before either is updated",
    },
    "max_stable_lr": {
        "uses the smallest eigenvalue": "largest eigenvalue of h",
        "1/L instead of 2/L": "2 / l",
        "the largest diagonal entry instead of the largest eigenvalue": "not its largest entry",
        "2 over the trace": "largest eigenvalue of h",
    },
    "predict": {
        "drops the last partial batch (N // B)": "ceil(N / B), not N // B",
        "takes only the steep direction's factor |1 - lr L|": "take the max over both",
        "takes lr L, forgetting the 1 - and the absolute value": "max(|1 - lr mu|, |1 - lr L|)",
    },
}

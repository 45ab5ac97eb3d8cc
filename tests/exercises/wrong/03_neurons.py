"""Realistic wrong answers to exercise 03_neurons; each must lose points under nbgrader autograde."""

WRONG = {
    "neuron": {
        "forgets the bias": '''def neuron(X, w, b):
    return torch.sigmoid(X @ w)
''',
        "step instead of sigmoid": '''def neuron(X, w, b):
    z = X @ w + b
    return (z >= 0).to(X.dtype)
''',
        "exp(z) / (1 + exp(z)): inf / inf = nan for large z": '''def neuron(X, w, b):
    z = X @ w + b
    return torch.exp(z) / (1 + torch.exp(z))
''',
        "loops with math.exp, which overflows for z = -1000": '''def neuron(X, w, b):
    outputs = []
    for x in X:
        z = float(x @ w + b)
        outputs.append(1 / (1 + math.exp(-z)))
    return torch.tensor(outputs, dtype=X.dtype)
''',
    },
    "perceptron_update": {
        "sign error: moves the wrong way": '''def perceptron_update(w, b, x, y, lr):
    y_hat = 1.0 if w @ x + b >= 0 else 0.0
    error = y_hat - y
    return w + lr * error * x, b + lr * error
''',
        "updates even when the prediction is right": '''def perceptron_update(w, b, x, y, lr):
    direction = 1.0 if y == 1 else -1.0
    return w + lr * direction * x, b + lr * direction
''',
        "modifies w and b in place": '''def perceptron_update(w, b, x, y, lr):
    y_hat = 1.0 if w @ x + b >= 0 else 0.0
    w += lr * (y - y_hat) * x
    b += lr * (y - y_hat)
    return w, b
''',
        "step fires only for z > 0": '''def perceptron_update(w, b, x, y, lr):
    y_hat = 1.0 if w @ x + b > 0 else 0.0
    error = y - y_hat
    return w + lr * error * x, b + lr * error
''',
        "forgets to update the bias": '''def perceptron_update(w, b, x, y, lr):
    y_hat = 1.0 if w @ x + b >= 0 else 0.0
    return w + lr * (y - y_hat) * x, b
''',
    },
    "count_mlp_parameters": {
        "forgets the biases": '''def count_mlp_parameters(sizes):
    return sum(n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
''',
        "one bias per input instead of one per neuron": '''def count_mlp_parameters(sizes):
    return sum(n_in * n_out + n_in for n_in, n_out in zip(sizes[:-1], sizes[1:]))
''',
        "off by one: skips the output layer": '''def count_mlp_parameters(sizes):
    total = 0
    for i in range(len(sizes) - 2):
        total += (sizes[i] + 1) * sizes[i + 1]
    return total
''',
        "gives the input layer biases too": '''def count_mlp_parameters(sizes):
    weights = sum(n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    return weights + sum(sizes)
''',
    },
    "mlp_forward": {
        "weights used as (in, out)": '''def mlp_forward(X, weights, biases):
    H = X
    for i, (W, b) in enumerate(zip(weights, biases)):
        H = H @ W + b
        if i < len(weights) - 1:
            H = torch.relu(H)
    return H
''',
        "ReLU after the output layer too": '''def mlp_forward(X, weights, biases):
    H = X
    for W, b in zip(weights, biases):
        H = torch.relu(H @ W.T + b)
    return H
''',
        "forgets the biases": '''def mlp_forward(X, weights, biases):
    H = X
    for i, W in enumerate(weights):
        H = H @ W.T
        if i < len(weights) - 1:
            H = torch.relu(H)
    return H
''',
        "only the first two layers": '''def mlp_forward(X, weights, biases):
    H = torch.relu(X @ weights[0].T + biases[0])
    return H @ weights[1].T + biases[1]
''',
    },
    "prediction": {
        "forgets the biases": '''predicted_count = 64 * 128 + 128 * 10
''',
        "one bias per input instead of one per neuron": '''predicted_count = 64 * 128 + 64 + 128 * 10 + 128
''',
    },
}

# The phrase each failing test's message must show, in the student's terms.
HINTS = {
    "neuron": {
        "forgets the bias": "the bias b is missing",
        "step instead of sigmoid": "not with a step",
        "exp(z) / (1 + exp(z)): inf / inf = nan for large z": "inf / inf is nan",
        "loops with math.exp, which overflows for z = -1000": "overflows",
    },
    "perceptron_update": {
        "sign error: moves the wrong way": "the update moves the wrong way",
        "updates even when the prediction is right": "no change when the prediction is right",
        "modifies w and b in place": "instead of updating w and b in place",
        "step fires only for z > 0": "at z = 0 the step fires",
        "forgets to update the bias": "update the bias too",
    },
    "count_mlp_parameters": {
        "forgets the biases": "the biases are missing",
        "one bias per input instead of one per neuron": "not one per input",
        "off by one: skips the output layer": "the output layer too",
        "gives the input layer biases too": "the input layer is the data",
    },
    "mlp_forward": {
        "weights used as (in, out)": "X @ W.T + b",
        "ReLU after the output layer too": "no activation after the output layer",
        "forgets the biases": "the biases are missing",
        "only the first two layers": "use every layer in weights",
    },
    "prediction": {
        "forgets the biases": "the biases are missing",
        "one bias per input instead of one per neuron": "not one per input",
    },
}

"""Realistic wrong answers to exercise 06_backprop; each must lose points under nbgrader autograde."""

WRONG = {
    "value_backward": {
        "product assigns instead of adding: x * x gets only one contribution": '''class Value:
    """A scalar that remembers how it was computed, for reverse-mode differentiation."""

    def __init__(self, data, _prev=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None  # a leaf passes nothing on
        self._prev = tuple(_prev)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # d(a + b)/da = 1 and d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad = other.data * out.grad
            other.grad = self.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1 - out.data**2) * out.grad
        out._backward = _backward
        return out

    def __pow__(self, n):
        assert isinstance(n, (int, float)), "only constant exponents"
        out = Value(self.data**n, (self,), f"**{n}")

        def _backward():
            self.grad += n * self.data ** (n - 1) * out.grad
        out._backward = _backward
        return out

    def __radd__(self, other):  # 1 + a
        return self + other

    def __rmul__(self, other):  # 2 * a
        return self * other
''',
        "product sends each input its own value instead of the other's": '''class Value:
    """A scalar that remembers how it was computed, for reverse-mode differentiation."""

    def __init__(self, data, _prev=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None  # a leaf passes nothing on
        self._prev = tuple(_prev)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # d(a + b)/da = 1 and d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += self.data * out.grad
            other.grad += other.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1 - out.data**2) * out.grad
        out._backward = _backward
        return out

    def __pow__(self, n):
        assert isinstance(n, (int, float)), "only constant exponents"
        out = Value(self.data**n, (self,), f"**{n}")

        def _backward():
            self.grad += n * self.data ** (n - 1) * out.grad
        out._backward = _backward
        return out

    def __radd__(self, other):  # 1 + a
        return self + other

    def __rmul__(self, other):  # 2 * a
        return self * other
''',
        "tanh derivative without the square: 1 - tanh(a)": '''class Value:
    """A scalar that remembers how it was computed, for reverse-mode differentiation."""

    def __init__(self, data, _prev=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None  # a leaf passes nothing on
        self._prev = tuple(_prev)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # d(a + b)/da = 1 and d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1 - out.data) * out.grad
        out._backward = _backward
        return out

    def __pow__(self, n):
        assert isinstance(n, (int, float)), "only constant exponents"
        out = Value(self.data**n, (self,), f"**{n}")

        def _backward():
            self.grad += n * self.data ** (n - 1) * out.grad
        out._backward = _backward
        return out

    def __radd__(self, other):  # 1 + a
        return self + other

    def __rmul__(self, other):  # 2 * a
        return self * other
''',
        "tanh ignores the upstream gradient": '''class Value:
    """A scalar that remembers how it was computed, for reverse-mode differentiation."""

    def __init__(self, data, _prev=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None  # a leaf passes nothing on
        self._prev = tuple(_prev)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # d(a + b)/da = 1 and d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += 1 - out.data**2
        out._backward = _backward
        return out

    def __pow__(self, n):
        assert isinstance(n, (int, float)), "only constant exponents"
        out = Value(self.data**n, (self,), f"**{n}")

        def _backward():
            self.grad += n * self.data ** (n - 1) * out.grad
        out._backward = _backward
        return out

    def __radd__(self, other):  # 1 + a
        return self + other

    def __rmul__(self, other):  # 2 * a
        return self * other
''',
        "tanh derivative evaluated at tanh(a) instead of a: 1 - tanh(tanh(a))^2": '''class Value:
    """A scalar that remembers how it was computed, for reverse-mode differentiation."""

    def __init__(self, data, _prev=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None  # a leaf passes nothing on
        self._prev = tuple(_prev)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # d(a + b)/da = 1 and d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1 - math.tanh(out.data) ** 2) * out.grad
        out._backward = _backward
        return out

    def __pow__(self, n):
        assert isinstance(n, (int, float)), "only constant exponents"
        out = Value(self.data**n, (self,), f"**{n}")

        def _backward():
            self.grad += n * self.data ** (n - 1) * out.grad
        out._backward = _backward
        return out

    def __radd__(self, other):  # 1 + a
        return self + other

    def __rmul__(self, other):  # 2 * a
        return self * other
''',
        "power rule without lowering the exponent: n a^n": '''class Value:
    """A scalar that remembers how it was computed, for reverse-mode differentiation."""

    def __init__(self, data, _prev=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None  # a leaf passes nothing on
        self._prev = tuple(_prev)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # d(a + b)/da = 1 and d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1 - out.data**2) * out.grad
        out._backward = _backward
        return out

    def __pow__(self, n):
        assert isinstance(n, (int, float)), "only constant exponents"
        out = Value(self.data**n, (self,), f"**{n}")

        def _backward():
            self.grad += n * self.data**n * out.grad
        out._backward = _backward
        return out

    def __radd__(self, other):  # 1 + a
        return self + other

    def __rmul__(self, other):  # 2 * a
        return self * other
''',
        "power rule without the factor n": '''class Value:
    """A scalar that remembers how it was computed, for reverse-mode differentiation."""

    def __init__(self, data, _prev=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None  # a leaf passes nothing on
        self._prev = tuple(_prev)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # d(a + b)/da = 1 and d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1 - out.data**2) * out.grad
        out._backward = _backward
        return out

    def __pow__(self, n):
        assert isinstance(n, (int, float)), "only constant exponents"
        out = Value(self.data**n, (self,), f"**{n}")

        def _backward():
            self.grad += self.data ** (n - 1) * out.grad
        out._backward = _backward
        return out

    def __radd__(self, other):  # 1 + a
        return self + other

    def __rmul__(self, other):  # 2 * a
        return self * other
''',
        "power assigns instead of adding": '''class Value:
    """A scalar that remembers how it was computed, for reverse-mode differentiation."""

    def __init__(self, data, _prev=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None  # a leaf passes nothing on
        self._prev = tuple(_prev)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # d(a + b)/da = 1 and d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1 - out.data**2) * out.grad
        out._backward = _backward
        return out

    def __pow__(self, n):
        assert isinstance(n, (int, float)), "only constant exponents"
        out = Value(self.data**n, (self,), f"**{n}")

        def _backward():
            self.grad = n * self.data ** (n - 1) * out.grad
        out._backward = _backward
        return out

    def __radd__(self, other):  # 1 + a
        return self + other

    def __rmul__(self, other):  # 2 * a
        return self * other
''',
    },
    "topo_order": {
        "returns the root first (reverse topological order)": '''def topo_order(root):
    """All nodes that `root` depends on, root included, each once and after all of its inputs."""
    order, visited = [], set()

    def visit(node):
        if id(node) in visited:
            return
        visited.add(id(node))
        for child in node._prev:
            visit(child)
        order.append(node)

    visit(root)
    return order[::-1]
''',
        "no visited set: a reused node appears (and backpropagates) twice": '''def topo_order(root):
    """All nodes that `root` depends on, root included, each once and after all of its inputs."""
    order = []

    def visit(node):
        for child in node._prev:
            visit(child)
        order.append(node)

    visit(root)
    return order
''',
        "breadth-first from the root, reversed": '''def topo_order(root):
    """All nodes that `root` depends on, root included, each once and after all of its inputs."""
    order, seen, queue = [], {id(root)}, [root]
    while queue:
        node = queue.pop(0)
        order.append(node)
        for child in node._prev:
            if id(child) not in seen:
                seen.add(id(child))
                queue.append(child)
    return order[::-1]
''',
        "marks nodes visited by their data, so equal numbers are skipped": '''def topo_order(root):
    """All nodes that `root` depends on, root included, each once and after all of its inputs."""
    order, visited = [], set()

    def visit(node):
        if node.data in visited:
            return
        visited.add(node.data)
        for child in node._prev:
            visit(child)
        order.append(node)

    visit(root)
    return order
''',
        "appends the node before its inputs (pre-order)": '''def topo_order(root):
    """All nodes that `root` depends on, root included, each once and after all of its inputs."""
    order, visited = [], set()

    def visit(node):
        if id(node) in visited:
            return
        visited.add(id(node))
        order.append(node)
        for child in node._prev:
            visit(child)

    visit(root)
    return order
''',
    },
    "two_layer_grads": {
        "missing 1/N: the gradient of the summed loss": '''def two_layer_grads(X, y, W1, b1, W2, b2):
    """Gradients of the mean softmax cross-entropy of a two-layer ReLU network.

    Args:
        X: inputs, float array (N, D).
        y: integer labels in [0, C), shape (N,).
        W1, b1: hidden layer, shapes (D, H) and (H,).
        W2, b2: output layer, shapes (H, C) and (C,).

    Returns:
        (dW1, db1, dW2, db2), float arrays of the shapes of W1, b1, W2, b2.
    """
    N = X.shape[0]
    Z1 = X @ W1 + b1  # (N, H)
    A1 = np.maximum(Z1, 0)  # (N, H)
    Z2 = A1 @ W2 + b2  # (N, K)
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))  # shifted: no overflow
    P /= P.sum(axis=1, keepdims=True)  # softmax, (N, K)
    dZ2 = P.copy()
    dZ2[np.arange(N), y] -= 1
    dW2 = A1.T @ dZ2  # (H, C)
    db2 = dZ2.sum(axis=0)  # (C,)
    dA1 = dZ2 @ W2.T  # (N, H)
    dZ1 = dA1 * (Z1 > 0)  # (N, H)
    dW1 = X.T @ dZ1  # (D, H)
    db1 = dZ1.sum(axis=0)  # (H,)
    return dW1, db1, dW2, db2
''',
        "no ReLU mask on the way back": '''def two_layer_grads(X, y, W1, b1, W2, b2):
    """Gradients of the mean softmax cross-entropy of a two-layer ReLU network.

    Args:
        X: inputs, float array (N, D).
        y: integer labels in [0, C), shape (N,).
        W1, b1: hidden layer, shapes (D, H) and (H,).
        W2, b2: output layer, shapes (H, C) and (C,).

    Returns:
        (dW1, db1, dW2, db2), float arrays of the shapes of W1, b1, W2, b2.
    """
    N = X.shape[0]
    Z1 = X @ W1 + b1  # (N, H)
    A1 = np.maximum(Z1, 0)  # (N, H)
    Z2 = A1 @ W2 + b2  # (N, K)
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))  # shifted: no overflow
    P /= P.sum(axis=1, keepdims=True)  # softmax, (N, K)
    dZ2 = P.copy()
    dZ2[np.arange(N), y] -= 1
    dZ2 /= N  # (softmax - onehot) / N
    dW2 = A1.T @ dZ2  # (H, C)
    db2 = dZ2.sum(axis=0)  # (C,)
    dA1 = dZ2 @ W2.T  # (N, H)
    dZ1 = dA1  # (N, H)
    dW1 = X.T @ dZ1  # (D, H)
    db1 = dZ1.sum(axis=0)  # (H,)
    return dW1, db1, dW2, db2
''',
        "transposed product: dZ2 @ W2 instead of dZ2 @ W2.T": '''def two_layer_grads(X, y, W1, b1, W2, b2):
    """Gradients of the mean softmax cross-entropy of a two-layer ReLU network.

    Args:
        X: inputs, float array (N, D).
        y: integer labels in [0, C), shape (N,).
        W1, b1: hidden layer, shapes (D, H) and (H,).
        W2, b2: output layer, shapes (H, C) and (C,).

    Returns:
        (dW1, db1, dW2, db2), float arrays of the shapes of W1, b1, W2, b2.
    """
    N = X.shape[0]
    Z1 = X @ W1 + b1  # (N, H)
    A1 = np.maximum(Z1, 0)  # (N, H)
    Z2 = A1 @ W2 + b2  # (N, K)
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))  # shifted: no overflow
    P /= P.sum(axis=1, keepdims=True)  # softmax, (N, K)
    dZ2 = P.copy()
    dZ2[np.arange(N), y] -= 1
    dZ2 /= N  # (softmax - onehot) / N
    dW2 = A1.T @ dZ2  # (H, C)
    db2 = dZ2.sum(axis=0)  # (C,)
    dA1 = dZ2 @ W2  # (N, H)
    dZ1 = dA1 * (Z1 > 0)  # (N, H)
    dW1 = X.T @ dZ1  # (D, H)
    db1 = dZ1.sum(axis=0)  # (H,)
    return dW1, db1, dW2, db2
''',
        "bias gradients keep the batch axis (keepdims)": '''def two_layer_grads(X, y, W1, b1, W2, b2):
    """Gradients of the mean softmax cross-entropy of a two-layer ReLU network.

    Args:
        X: inputs, float array (N, D).
        y: integer labels in [0, C), shape (N,).
        W1, b1: hidden layer, shapes (D, H) and (H,).
        W2, b2: output layer, shapes (H, C) and (C,).

    Returns:
        (dW1, db1, dW2, db2), float arrays of the shapes of W1, b1, W2, b2.
    """
    N = X.shape[0]
    Z1 = X @ W1 + b1  # (N, H)
    A1 = np.maximum(Z1, 0)  # (N, H)
    Z2 = A1 @ W2 + b2  # (N, K)
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))  # shifted: no overflow
    P /= P.sum(axis=1, keepdims=True)  # softmax, (N, K)
    dZ2 = P.copy()
    dZ2[np.arange(N), y] -= 1
    dZ2 /= N  # (softmax - onehot) / N
    dW2 = A1.T @ dZ2  # (H, C)
    db2 = dZ2.sum(axis=0, keepdims=True)  # (1, C)
    dA1 = dZ2 @ W2.T  # (N, H)
    dZ1 = dA1 * (Z1 > 0)  # (N, H)
    dW1 = X.T @ dZ1  # (D, H)
    db1 = dZ1.sum(axis=0, keepdims=True)  # (1, H)
    return dW1, db1, dW2, db2
''',
        "bias gradients averaged, not summed": '''def two_layer_grads(X, y, W1, b1, W2, b2):
    """Gradients of the mean softmax cross-entropy of a two-layer ReLU network.

    Args:
        X: inputs, float array (N, D).
        y: integer labels in [0, C), shape (N,).
        W1, b1: hidden layer, shapes (D, H) and (H,).
        W2, b2: output layer, shapes (H, C) and (C,).

    Returns:
        (dW1, db1, dW2, db2), float arrays of the shapes of W1, b1, W2, b2.
    """
    N = X.shape[0]
    Z1 = X @ W1 + b1  # (N, H)
    A1 = np.maximum(Z1, 0)  # (N, H)
    Z2 = A1 @ W2 + b2  # (N, K)
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))  # shifted: no overflow
    P /= P.sum(axis=1, keepdims=True)  # softmax, (N, K)
    dZ2 = P.copy()
    dZ2[np.arange(N), y] -= 1
    dZ2 /= N  # (softmax - onehot) / N
    dW2 = A1.T @ dZ2  # (H, C)
    db2 = dZ2.mean(axis=0)  # (C,)
    dA1 = dZ2 @ W2.T  # (N, H)
    dZ1 = dA1 * (Z1 > 0)  # (N, H)
    dW1 = X.T @ dZ1  # (D, H)
    db1 = dZ1.mean(axis=0)  # (H,)
    return dW1, db1, dW2, db2
''',
        "bias gradient taken from the first example only": '''def two_layer_grads(X, y, W1, b1, W2, b2):
    """Gradients of the mean softmax cross-entropy of a two-layer ReLU network.

    Args:
        X: inputs, float array (N, D).
        y: integer labels in [0, C), shape (N,).
        W1, b1: hidden layer, shapes (D, H) and (H,).
        W2, b2: output layer, shapes (H, C) and (C,).

    Returns:
        (dW1, db1, dW2, db2), float arrays of the shapes of W1, b1, W2, b2.
    """
    N = X.shape[0]
    Z1 = X @ W1 + b1  # (N, H)
    A1 = np.maximum(Z1, 0)  # (N, H)
    Z2 = A1 @ W2 + b2  # (N, K)
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))  # shifted: no overflow
    P /= P.sum(axis=1, keepdims=True)  # softmax, (N, K)
    dZ2 = P.copy()
    dZ2[np.arange(N), y] -= 1
    dZ2 /= N  # (softmax - onehot) / N
    dW2 = A1.T @ dZ2  # (H, C)
    db2 = dZ2[0]  # (C,)
    dA1 = dZ2 @ W2.T  # (N, H)
    dZ1 = dA1 * (Z1 > 0)  # (N, H)
    dW1 = X.T @ dZ1  # (D, H)
    db1 = dZ1[0]  # (H,)
    return dW1, db1, dW2, db2
''',
        "unstable softmax: exp of the raw logits": '''def two_layer_grads(X, y, W1, b1, W2, b2):
    """Gradients of the mean softmax cross-entropy of a two-layer ReLU network.

    Args:
        X: inputs, float array (N, D).
        y: integer labels in [0, C), shape (N,).
        W1, b1: hidden layer, shapes (D, H) and (H,).
        W2, b2: output layer, shapes (H, C) and (C,).

    Returns:
        (dW1, db1, dW2, db2), float arrays of the shapes of W1, b1, W2, b2.
    """
    N = X.shape[0]
    Z1 = X @ W1 + b1  # (N, H)
    A1 = np.maximum(Z1, 0)  # (N, H)
    Z2 = A1 @ W2 + b2  # (N, K)
    P = np.exp(Z2)
    P /= P.sum(axis=1, keepdims=True)  # softmax, (N, K)
    dZ2 = P.copy()
    dZ2[np.arange(N), y] -= 1
    dZ2 /= N  # (softmax - onehot) / N
    dW2 = A1.T @ dZ2  # (H, C)
    db2 = dZ2.sum(axis=0)  # (C,)
    dA1 = dZ2 @ W2.T  # (N, H)
    dZ1 = dA1 * (Z1 > 0)  # (N, H)
    dW1 = X.T @ dZ1  # (D, H)
    db1 = dZ1.sum(axis=0)  # (H,)
    return dW1, db1, dW2, db2
''',
        "ReLU mask from dA1 instead of Z1": '''def two_layer_grads(X, y, W1, b1, W2, b2):
    """Gradients of the mean softmax cross-entropy of a two-layer ReLU network.

    Args:
        X: inputs, float array (N, D).
        y: integer labels in [0, C), shape (N,).
        W1, b1: hidden layer, shapes (D, H) and (H,).
        W2, b2: output layer, shapes (H, C) and (C,).

    Returns:
        (dW1, db1, dW2, db2), float arrays of the shapes of W1, b1, W2, b2.
    """
    N = X.shape[0]
    Z1 = X @ W1 + b1  # (N, H)
    A1 = np.maximum(Z1, 0)  # (N, H)
    Z2 = A1 @ W2 + b2  # (N, K)
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))  # shifted: no overflow
    P /= P.sum(axis=1, keepdims=True)  # softmax, (N, K)
    dZ2 = P.copy()
    dZ2[np.arange(N), y] -= 1
    dZ2 /= N  # (softmax - onehot) / N
    dW2 = A1.T @ dZ2  # (H, C)
    db2 = dZ2.sum(axis=0)  # (C,)
    dA1 = dZ2 @ W2.T  # (N, H)
    dZ1 = dA1 * (dA1 > 0)  # (N, H)
    dW1 = X.T @ dZ1  # (D, H)
    db1 = dZ1.sum(axis=0)  # (H,)
    return dW1, db1, dW2, db2
''',
        "mutates X in place: centres the inputs": '''def two_layer_grads(X, y, W1, b1, W2, b2):
    """Gradients of the mean softmax cross-entropy of a two-layer ReLU network.

    Args:
        X: inputs, float array (N, D).
        y: integer labels in [0, C), shape (N,).
        W1, b1: hidden layer, shapes (D, H) and (H,).
        W2, b2: output layer, shapes (H, C) and (C,).

    Returns:
        (dW1, db1, dW2, db2), float arrays of the shapes of W1, b1, W2, b2.
    """
    N = X.shape[0]
    X -= X.mean()  # centre the inputs
    Z1 = X @ W1 + b1  # (N, H)
    A1 = np.maximum(Z1, 0)  # (N, H)
    Z2 = A1 @ W2 + b2  # (N, K)
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))  # shifted: no overflow
    P /= P.sum(axis=1, keepdims=True)  # softmax, (N, K)
    dZ2 = P.copy()
    dZ2[np.arange(N), y] -= 1
    dZ2 /= N  # (softmax - onehot) / N
    dW2 = A1.T @ dZ2  # (H, C)
    db2 = dZ2.sum(axis=0)  # (C,)
    dA1 = dZ2 @ W2.T  # (N, H)
    dZ1 = dA1 * (Z1 > 0)  # (N, H)
    dW1 = X.T @ dZ1  # (D, H)
    db1 = dZ1.sum(axis=0)  # (H,)
    return dW1, db1, dW2, db2
''',
    },
}

WRONG["find_the_bug"] = {
    "one call's gradient: backward() read as overwriting .grad": '''grad_after_two = [3.0, -1.0]
buggy_line = 5
''',
    "blames backward(), the line before the misplaced zero_grad()": '''grad_after_two = [6.0, -2.0]
buggy_line = 4
''',
}

# The phrase that the failing test's message shows the student for each wrong answer above.
HINTS = {
    "value_backward": {
        "product assigns instead of adding: x * x gets only one contribution": "add to grad (+=) instead of assigning",
        "product sends each input its own value instead of the other's": "the other input's value",
        "tanh derivative without the square: 1 - tanh(a)": "square the forward result",
        "tanh ignores the upstream gradient": "multiply by out.grad",
        "tanh derivative evaluated at tanh(a) instead of a: 1 - tanh(tanh(a))^2": "do not apply tanh again",
        "power rule without lowering the exponent: n a^n": "lower the exponent",
        "power rule without the factor n": "the factor n is missing",
        "power assigns instead of adding": "add to the existing grad",
    },
    "topo_order": {
        "returns the root first (reverse topological order)": "do not reverse the list",
        "no visited set: a reused node appears (and backpropagates) twice": "set of visited nodes",
        "breadth-first from the root, reversed": "use a depth-first search",
        "marks nodes visited by their data, so equal numbers are skipped": "by identity (id), not by data",
        "appends the node before its inputs (pre-order)": "after all of its inputs (post-order)",
    },
    "two_layer_grads": {
        "missing 1/N: the gradient of the summed loss": "N = 6 times too large",
        "no ReLU mask on the way back": "only where Z1 > 0",
        "transposed product: dZ2 @ W2 instead of dZ2 @ W2.T": "where a matrix appears transposed",
        "bias gradients keep the batch axis (keepdims)": "without keepdims",
        "bias gradients averaged, not summed": "not the mean",
        "bias gradient taken from the first example only": "not one row",
        "unstable softmax: exp of the raw logits": "is the softmax stable",
        "ReLU mask from dA1 instead of Z1": "a mask from the forward pass",
        "mutates X in place: centres the inputs": "must not modify its inputs",
    },
    "find_the_bug": {
        "one call's gradient: backward() read as overwriting .grad": "backward() adds to .grad",
        "blames backward(), the line before the misplaced zero_grad()": "erases the gradients before the step",
    },
}

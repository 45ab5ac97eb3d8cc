"""dl_lib.diagrams.graph: the computational graph with shapes, checked against a real forward pass."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

from dl_lib.autograd import Tensor, TensorMLP, softmax_cross_entropy  # noqa: E402
from dl_lib.diagrams import GraphNode, computational_graph, mlp_graph, mlp_graph_nodes  # noqa: E402


def test_the_shapes_drawn_are_the_shapes_of_a_real_forward_and_backward_pass():
    N, D, H, C = 5, 7, 4, 3
    rng = np.random.default_rng(0)
    model = TensorMLP([D, H, C], generator=rng)
    X, y = Tensor(rng.standard_normal((N, D))), rng.integers(0, C, N)
    first, second = model.layers[0], model.layers[-1]
    A = X @ first.weight.T + first.bias
    Hidden = A.relu()
    Z = Hidden @ second.weight.T + second.bias
    L = softmax_cross_entropy(Z, y)
    L.backward()
    arrays = {"X": X.data, "W1": first.weight.data, "b1": first.bias.data, "A": A.data,
              "H": Hidden.data, "W2": second.weight.data, "b2": second.bias.data, "Z": Z.data,
              "y": y, "L": L.data}
    nodes = {n.name: n for n in mlp_graph_nodes(N, D, H, C)}
    assert set(nodes) == set(arrays)
    for name, array in arrays.items():
        assert nodes[name].shape == np.shape(array), name
    # every adjoint has the shape of its node: the gradients the engine computed
    for name, tensor in {"W1": first.weight, "b1": first.bias, "W2": second.weight,
                         "b2": second.bias}.items():
        assert tensor.grad.shape == nodes[name].shape
    # and the drawn rules are the right ones (checked against torch.autograd)
    ref = {k: torch.tensor(v, requires_grad=k.startswith(("W", "b")))
           for k, v in arrays.items() if k in ("X", "W1", "b1", "W2", "b2")}
    A_t = ref["X"] @ ref["W1"].T + ref["b1"]
    A_t.retain_grad()
    Z_t = A_t.relu() @ ref["W2"].T + ref["b2"]
    Z_t.retain_grad()
    torch.nn.functional.cross_entropy(Z_t, torch.from_numpy(y)).backward()
    Z_bar, A_bar = Z_t.grad.numpy(), A_t.grad.numpy()
    assert np.allclose(Z_bar.T @ Hidden.data, second.weight.grad, atol=1e-6)  # W̄2 = Z̄ᵀ H
    assert np.allclose(A_bar.T @ X.data, first.weight.grad, atol=1e-6)  # W̄1 = Āᵀ X
    assert np.allclose(A_bar, (Z_bar @ second.weight.data) * (A.data > 0), atol=1e-6)
    assert np.allclose(A_bar.sum(axis=0), first.bias.grad, atol=1e-6)  # b̄1 = Σₙ Ā


def test_the_figure_has_a_title_one_box_per_node_and_arrows_both_ways():
    fig = mlp_graph(32, 64, 128, 10)
    ax = fig.axes[0]
    assert "two-layer MLP" in ax.get_title() and "N=32" in ax.get_title()
    texts = [t.get_text() for t in ax.texts if not isinstance(t, Annotation)]
    assert len(texts) == 10
    assert any("shape (32, 128)" in t and "relu" in t for t in texts)
    assert any(t.startswith("L = cross-entropy") and "shape ()" in t for t in texts)
    arrows = [c for c in ax.get_children() if isinstance(c, Annotation)]
    forward = sum(len(n.inputs) for n in mlp_graph_nodes())
    to_data = 2  # X -> A and y -> L carry no gradient back
    assert len(arrows) == 2 * forward - to_data
    plt.close(fig)


def test_symbolic_sizes_are_drawn_as_symbols():
    nodes = {n.name: n for n in mlp_graph_nodes()}
    assert nodes["W1"].shape == ("H", "D") and nodes["L"].shape == ()
    fig = mlp_graph()
    assert any("shape (N, H)" in t.get_text() for t in fig.axes[0].texts)
    plt.close(fig)


def test_bad_graphs_get_clear_errors():
    with pytest.raises(ValueError, match="at least one"):
        computational_graph([], "empty")
    with pytest.raises(TypeError, match="GraphNode"):
        computational_graph(["X"], "strings")
    with pytest.raises(ValueError, match="not nodes of the graph"):
        computational_graph([GraphNode("A", "A = B", (2,), 0, 0, inputs=("B",))], "dangling")
    with pytest.raises(ValueError, match="unique"):
        computational_graph([GraphNode("A", "", (), 0, 0), GraphNode("A", "", (), 1, 0)], "twice")
    with pytest.raises(ValueError, match="kind"):
        computational_graph([GraphNode("A", "", (), 0, 0, kind="box")], "kind")
    with pytest.raises(ValueError, match="hidden"):
        mlp_graph_nodes(hidden=0)
    plt.close("all")


def test_a_single_node_graph_draws():
    fig = computational_graph([GraphNode("x", "", (), 0, 0, "data")], "one node")
    boxes = [t.get_text() for t in fig.axes[0].texts if not isinstance(t, Annotation)]
    assert boxes == ["x\nshape ()"]
    plt.close(fig)

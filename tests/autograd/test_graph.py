"""dl_lib.autograd.graph: the layout of a computational graph and its Matplotlib drawing."""

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.text import Annotation

from dl_lib.autograd import Tensor, TensorMLP, Value, draw, layout, softmax_cross_entropy


def _neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6 + math.atanh(0.5**0.5), label="b")  # so that the output is tanh(...) = 0.7071
    out = (x1 * w1 + x2 * w2 + b).tanh()
    out.label = "o"
    return out, (x1, x2, w1, w2, b)


def test_layout_puts_the_output_right_and_every_input_left_of_its_consumer():
    out, leaves = _neuron()
    position = layout(out)
    assert len(position) == 10  # 5 leaves, 2 products, 2 sums, tanh
    assert position[out][0] == max(x for x, _ in position.values()) == 4
    for node, (x, _) in position.items():
        for child in node._prev:
            assert position[child][0] < x
    assert position[leaves[4]][0] == 2  # b sits one column left of the sum that reads it
    columns = {}
    for x, y in position.values():
        columns.setdefault(x, []).append(y)
    for ys in columns.values():  # rows within a column are distinct and centred on 0
        assert len(set(ys)) == len(ys) and abs(sum(ys)) < 1e-9


def test_draw_shows_one_box_per_node_with_op_data_and_grad():
    out, _ = _neuron()
    out.backward()
    ax = draw(out, title="A neuron")
    texts = [t.get_text() for t in ax.texts if not isinstance(t, Annotation)]
    assert len(texts) == 10
    assert any(t.startswith("o [tanh]") and "grad 1.0000" in t for t in texts)
    assert any(t.startswith("x1\n") and "data 2.0000" in t and "grad -1.5000" in t for t in texts)
    assert sum(t.startswith("[*]") for t in texts) == 2
    arrows = [t for t in ax.texts if isinstance(t, Annotation)]
    assert len(arrows) == 9  # one per input of every operation
    assert ax.get_title() == "A neuron"
    plt.close(ax.figure)


def test_draw_gives_a_reused_input_one_arrow_per_use():
    a = Value(3.0, label="a")
    out = a * a + a
    ax = draw(out)
    arrows = [t for t in ax.texts if isinstance(t, Annotation)]
    assert len(arrows) == 4  # a -> * twice, a -> + once, * -> + once
    plt.close(ax.figure)


def test_draw_handles_a_tensor_graph_and_shows_shapes():
    rng = np.random.default_rng(0)
    model = TensorMLP([4, 5, 3], generator=rng)
    loss = softmax_cross_entropy(model(Tensor(rng.standard_normal((2, 4)))), [0, 2])
    loss.backward()
    fig, ax = plt.subplots()
    assert draw(loss, ax=ax) is ax
    texts = [t.get_text() for t in ax.texts if not isinstance(t, Annotation)]
    assert any("shape (5, 4)" in t and "grad ✓" in t for t in texts)  # the first weight
    assert any("shape (2, 4)" in t and "grad —" in t for t in texts)  # the input batch
    assert any(t.startswith("[cross_entropy]") for t in texts)
    plt.close(fig)

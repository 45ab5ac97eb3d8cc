"""dl_lib.diagrams.rnn: the unrolled picture has exactly the dependencies of a real RNN."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from dl_lib.book import alt_text  # noqa: E402
from dl_lib.diagrams import unrolled_rnn, unrolled_rnn_edges  # noqa: E402
from dl_lib.nn import RNN  # noqa: E402


def _reaches(edges, source):
    seen, frontier = {source}, [source]
    while frontier:
        node = frontier.pop()
        for a, b, _ in edges:
            if a == node and b not in seen:
                seen.add(b)
                frontier.append(b)
    return seen


def test_the_arrows_are_the_dependencies_of_a_real_rnn():
    T = 5
    edges = unrolled_rnn_edges(T, outputs=False)
    torch.manual_seed(0)
    rnn = RNN(3, 4, batch_first=True).double()
    x = torch.randn(1, T, 3, dtype=torch.float64, requires_grad=True)
    h, _ = rnn(x)
    for t in range(1, T + 1):
        (grad,) = torch.autograd.grad(h[0, t - 1].sum(), x, retain_graph=True)
        depends = {s for s in range(1, T + 1) if grad[0, s - 1].abs().sum() > 0}
        drawn = {s for s in range(1, T + 1) if f"h{t}" in _reaches(edges, f"x{s}")}
        assert depends == drawn == set(range(1, t + 1))
    # One set of weights: three distinct matrices however many steps are drawn.
    assert {w for *_, w in unrolled_rnn_edges(7)} == {"W_ih", "W_hh", "W_hy"}
    assert len(unrolled_rnn_edges(7)) == 3 * 7


def test_the_figure_draws_every_box_and_arrow_and_is_described():
    fig = unrolled_rnn(steps=3, batch=32, input_size=8, hidden_size=16)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert "$h_{3}$" in texts and "$h_0$" in texts and "(32, 16)" in texts and "(32, 8)" in texts
    boxes = [p for p in ax.patches if type(p).__name__ == "FancyBboxPatch"]
    arrows = [p for p in ax.patches if type(p).__name__ == "FancyArrowPatch"]
    assert len(boxes) == 3 + 1 + 3 * 3  # folded x, h, y; h0; three boxes per step
    assert len(arrows) == 3 + 3 * 3  # folded: three; unrolled: three per step
    assert "unrolled over 3 steps" in alt_text(fig) and "(32, 16)" in alt_text(fig)
    plt.close(fig)
    fig = unrolled_rnn(steps=2, outputs=False)
    assert "y_t" not in alt_text(fig).split("Right")[1]
    plt.close(fig)


@pytest.mark.parametrize("kwargs, message", [
    ({"steps": 0}, "steps must be an integer from 1 to 8"),
    ({"steps": 2.5}, "steps must be an integer"),
    ({"hidden_size": 0}, "hidden_size must be a positive integer"),
    ({"batch": ""}, "batch must be a positive integer or a symbol"),
])
def test_bad_arguments_say_what_was_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        unrolled_rnn(**kwargs)

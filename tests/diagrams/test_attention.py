"""dl_lib.diagrams.attention: the drawn weights are PyTorch's attention weights."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from dl_lib.book import alt_text  # noqa: E402
from dl_lib.diagrams import attention_example, attention_flow  # noqa: E402


def test_the_arrays_are_one_attention_pass_as_pytorch_computes_it():
    a = attention_example(["a", "b", "c"], d_model=5, d_k=4, seed=3)
    assert a["X"].shape == (3, 5) and a["Q"].shape == a["K"].shape == a["V"].shape == (3, 4)
    torch.testing.assert_close(a["Q"], a["X"] @ a["W_Q"], rtol=0, atol=1e-12)
    torch.testing.assert_close(a["weights"], torch.softmax(a["Q"] @ a["K"].T / 2.0, dim=-1),
                               rtol=0, atol=1e-6)
    expected = F.scaled_dot_product_attention(a["Q"][None], a["K"][None], a["V"][None])[0]
    torch.testing.assert_close(a["output"], expected, rtol=0, atol=1e-6)
    torch.testing.assert_close(a["weights"].sum(-1), torch.ones(3, dtype=torch.float64))
    assert torch.equal(attention_example(["a", "b"], seed=1)["X"],
                       attention_example(["a", "b"], seed=1)["X"])


def test_the_figure_prints_the_weights_and_is_described():
    tokens = ["the", "cat", "sat"]
    fig = attention_flow(tokens, d_model=4, d_k=4, seed=0)
    weights = attention_example(tokens, 4, 4, 0)["weights"]
    heat = [ax for ax in fig.axes if ax.get_title().startswith("A = softmax")][0]
    printed = [float(t.get_text()) for t in heat.texts]
    assert printed == pytest.approx(weights.flatten().tolist(), abs=0.006)
    assert len(fig.axes) == 6  # X, Q, K, V, A, output
    text = alt_text(fig)
    assert "the, cat, sat" in text and "(3, 4)" in text and "rows sum to 1" in text
    plt.close(fig)


@pytest.mark.parametrize("kwargs, message", [
    ({"tokens": ["one"]}, "tokens must be a list of 2 to 8"),
    ({"tokens": "abc"}, "tokens must be a list"),
    ({"tokens": ["a", ""]}, "non-empty strings"),
    ({"tokens": ["a", "b"], "d_k": 0}, "d_k must be an integer from 1 to 8"),
    ({"tokens": ["a", "b"], "d_model": 9}, "d_model must be an integer"),
])
def test_bad_arguments_say_what_was_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        attention_example(**kwargs)

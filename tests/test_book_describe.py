import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from dl_lib.book import describe  # noqa: E402


def test_describe_attaches_the_text_and_returns_the_figure():
    fig = plt.figure()
    assert describe(fig, "  A diagram:\n two boxes  ") is fig
    assert fig.alt_text == "A diagram: two boxes"
    plt.close(fig)


def test_describe_refuses_empty_text_and_non_figures():
    fig = plt.figure()
    with pytest.raises(ValueError, match="non-empty text"):
        describe(fig, "  ")
    with pytest.raises(TypeError, match="matplotlib figure"):
        describe("not a figure", "text")
    plt.close(fig)

"""dl_lib.diagrams.conv: the window drawn covers the cells im2col puts in that output's column."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from dl_lib.book import alt_text  # noqa: E402
from dl_lib.diagrams import conv_window, window_cells  # noqa: E402
from dl_lib.nn import conv_output_size, im2col  # noqa: E402


@pytest.mark.parametrize("size, k, stride, padding", [(5, 3, 1, 0), (6, 3, 2, 1), (4, 2, 2, 1),
                                                      (7, 5, 1, 2)])
def test_window_cells_are_the_im2col_column(size, k, stride, padding):
    X = torch.arange(1.0, size * size + 1).reshape(1, 1, size, size)  # 0 only in the padding
    out = conv_output_size(size, k, stride, padding)
    columns = im2col(X, k, stride, padding)[0]  # (k*k, out*out)
    for i in range(out):
        for j in range(out):
            drawn = [X[0, 0, r, c].item() if 0 <= r < size and 0 <= c < size else 0.0
                     for r, c in window_cells((i, j), k, stride, padding)]
            assert drawn == columns[:, i * out + j].tolist()


def test_the_figure_marks_one_window_per_channel_and_one_output_and_is_described():
    fig = conv_window(in_channels=3, size=5, kernel_size=3, stride=2, padding=1, position=(1, 0))
    ax = fig.axes[0]
    outlines = [p for p in ax.patches if type(p).__name__ == "Rectangle" and not p.fill
                and p.get_linewidth() > 2]
    assert len(outlines) == 3  # the window, once on every channel
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "one filter (3, 3, 3)" in texts and "output map (3, 3)" in texts
    assert "sum of 27\nproducts + b" in texts
    assert ax.get_title()
    description = alt_text(fig)
    assert description.startswith("Diagram:") and "3 by 3 output map" in description
    assert "1 pixel of zero padding" in description and "earlier" not in description
    plt.close(fig)


def test_the_description_mentions_only_the_earlier_windows_drawn():
    for column, phrase in [(1, "one stride of 1 earlier"), (2, "one and two strides of 1")]:
        fig = conv_window(position=(0, column))
        ax = fig.axes[0]
        dashed = [p for p in ax.patches if type(p).__name__ == "Rectangle" and not p.fill
                  and p.get_linestyle() == "--"]
        assert len(dashed) == column and phrase in alt_text(fig)
        plt.close(fig)


@pytest.mark.parametrize("kwargs, message", [
    ({"in_channels": 0}, "in_channels must be an integer from 1 to 4"),
    ({"size": 3, "kernel_size": 5}, "does not fit"),
    ({"position": (4, 0)}, "position must be a pair"),
    ({"position": [1, 1]}, "position must be a pair"),
    ({"stride": 1.5}, "stride must be an integer"),
])
def test_bad_arguments_say_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        conv_window(**kwargs)

"""dl_lib.diagrams.dropout: the thinned networks drawn are the ones dropout really trains."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from dl_lib.diagrams import thinned_masks, thinned_networks  # noqa: E402


def test_the_masks_are_those_of_the_dropout_layer_with_the_same_generator():
    sizes, p = (4, 6, 5, 3), 0.5
    masks = thinned_masks(sizes, p, n_networks=3, seed=7)
    generator = torch.Generator().manual_seed(7)
    for network in masks:
        assert [len(m) for m in network] == list(sizes)
        assert network[0].all() and network[-1].all()  # inputs and outputs are never dropped
        for n, kept in zip(sizes[1:-1], network[1:-1], strict=True):
            u = torch.rand(n, generator=generator)
            assert torch.equal(kept, u >= p)  # dl_lib.nn.dropout's rule: keep u >= p
    many = thinned_masks((2, 12, 2), 0.3, n_networks=400, seed=0)
    dropped = 1 - torch.stack([m[1] for m in many]).float().mean().item()
    assert abs(dropped - 0.3) < 0.03
    assert all(m[1].all() for m in thinned_masks((2, 12, 2), 0.0, 5))


def test_the_figure_draws_only_the_connections_between_kept_units():
    sizes = (3, 5, 4, 2)
    fig = thinned_networks(sizes, p=0.5, n_networks=2, seed=1)
    masks = thinned_masks(sizes, 0.5, 2, seed=1)
    axes = fig.axes
    assert len(axes) == 3
    full = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
    assert len(axes[0].lines) == full  # every connection, no crossed-out unit
    for ax, network in zip(axes[1:], masks, strict=True):
        kept = [int(m.sum()) for m in network]
        edges = sum(a * b for a, b in zip(kept, kept[1:], strict=False))
        crosses = sum(len(m) - k for m, k in zip(network, kept, strict=True))
        assert len(ax.lines) == edges + crosses
        assert str(sum(kept[1:-1])) in ax.get_title()
    assert fig._suptitle.get_text().startswith("Dropout with p = 0.5")
    plt.close(fig)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"layer_sizes": (3, 4)}, "hidden layer"),
        ({"layer_sizes": (3, 0, 2)}, "integer from 1 to 12"),
        ({"layer_sizes": (3, 40, 2)}, "integer from 1 to 12"),
        ({"p": 1.0}, "in [0, 1)"),
        ({"n_networks": 0}, "positive integer"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs, message):
    args = {"layer_sizes": (3, 4, 2), "p": 0.5, "n_networks": 2} | kwargs
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace(")", r"\)")):
        thinned_networks(**args)

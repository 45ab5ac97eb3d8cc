"""Every figure's image carries alt text: dl_lib.book.alt_text / register_alt_text, and the book's
renderer (dl_course.alt_text) that makes it the page's <img alt>."""

from __future__ import annotations

import base64

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from IPython.core.pylabtools import select_figure_formats  # noqa: E402
from myst_nb.core.render import MimeData, load_renderer  # noqa: E402

from dl_course.alt_text import AltTextRenderer, output_alt_text  # noqa: E402
from dl_lib.book import alt_text, describe, register_alt_text  # noqa: E402


def test_described_figure_keeps_its_text():
    fig = describe(plt.figure(), "Two boxes joined by an arrow.")
    assert alt_text(fig) == "Two boxes joined by an arrow."
    plt.close(fig)


def test_undescribed_figure_is_described_from_titles_and_labels():
    fig, (left, right) = plt.subplots(1, 2)
    fig.suptitle("Training")
    left.set_title("Loss")
    left.set_xlabel("epoch")
    left.set_ylabel("cross-entropy")
    right.set_xlabel("learning rate")
    assert alt_text(fig) == "Figure: Training. Loss: cross-entropy against epoch. learning rate."
    plt.close(fig)


def test_figure_without_any_label_still_has_alt_text():
    fig, _ = plt.subplots(1, 3)
    assert alt_text(fig) == "Figure with 3 panels."
    plt.close(fig)
    with pytest.raises(TypeError, match="matplotlib figure"):
        alt_text("a string")


def test_outside_a_notebook_nothing_is_registered():
    assert register_alt_text() is False


def test_png_output_carries_the_alt_text_in_its_metadata_and_the_same_image():
    shell = InteractiveShell.instance()
    try:
        select_figure_formats(shell, {"png"})
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0])
        before, no_metadata = shell.display_formatter.format(fig)
        assert "alt" not in no_metadata.get("image/png", {})
        assert register_alt_text(shell) is True
        assert register_alt_text(shell) is True  # a second call wraps nothing twice
        ax.set_title("A line")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        data, metadata = shell.display_formatter.format(fig)
        assert metadata["image/png"]["alt"] == "Figure: A line: y against x."
        describe(fig, "A falling line.")
        data, metadata = shell.display_formatter.format(fig)
        assert metadata["image/png"]["alt"] == "A falling line."
        assert base64.b64decode(data["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
        # `%matplotlib inline` registers a fresh formatter; the hook wraps it after the cell.
        select_figure_formats(shell, {"png"})
        shell.events.trigger("post_execute")
        assert shell.display_formatter.format(fig)[1]["image/png"]["alt"] == "A falling line."
        plt.close(fig)
    finally:
        InteractiveShell.clear_instance()


def _image(metadata: dict, cell_metadata: dict | None = None) -> MimeData:
    return MimeData("image/png", base64.b64encode(b"not really a png").decode(),
                    cell_metadata=cell_metadata or {}, output_metadata=metadata, line=1)


def test_output_alt_text_reads_the_image_metadata():
    assert output_alt_text(_image({"image/png": {"alt": " A\n plot "}})) == "A plot"
    assert output_alt_text(_image({})) is None
    assert output_alt_text(_image({"image/png": {"alt": "  "}})) is None


def test_the_renderer_is_registered_for_myst_nb_and_used_by_the_book():
    import yaml

    from dl_course.buildbook import REPO_ROOT

    assert load_renderer("dl_book") is AltTextRenderer
    config = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())
    assert config["sphinx"]["config"]["nb_render_plugin"] == "dl_book"


class _Renderer:
    def get_cell_level_config(self, field, cell_metadata, line=None):
        return dict(cell_metadata.get("image", {}))


class _Logger:
    def warning(self, *args, **kwargs):
        raise AssertionError(args)


def test_render_image_sets_alt_from_output_metadata_and_cell_alt_wins(tmp_path):
    renderer = AltTextRenderer(_Renderer(), _Logger())
    renderer.write_file = lambda path, content, overwrite=False, exists_ok=False: "img.png"
    [node] = renderer.render_image(_image({"image/png": {"alt": "A plot of loss."}}))
    assert node["alt"] == "A plot of loss."
    [node] = renderer.render_image(_image({"image/png": {"alt": "A plot."}}, {"image": {"alt": "Mine"}}))
    assert node["alt"] == "Mine"
    [node] = renderer.render_image(_image({}))
    assert not node.get("alt")

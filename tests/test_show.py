import pytest

import dl_lib
from dl_lib.device import set_seed
from dl_lib.show import source


def test_show_gives_the_exact_source():
    shown = dl_lib.show(set_seed)
    assert str(shown).startswith("def set_seed(seed: int")
    assert "torch.manual_seed(seed)" in str(shown)
    assert repr(shown) == str(shown) == source(set_seed)


def test_show_highlights_in_notebooks():
    html = dl_lib.show(set_seed)._repr_html_()
    assert "<span" in html and "set_seed" in html


def test_show_dedents_methods():
    from dl_lib.show import HighlightedSource

    assert str(dl_lib.show(HighlightedSource.__repr__)).startswith("def __repr__")


@pytest.mark.parametrize("thing", [len, 3, "text"])
def test_show_refuses_objects_without_python_source(thing):
    with pytest.raises(TypeError, match="show"):
        dl_lib.show(thing)


def test_show_keeps_the_body_indented():
    from dl_lib.device import mps_available

    lines = str(dl_lib.show(mps_available)).splitlines()
    assert lines[0].startswith("def mps_available")
    assert all(line.startswith("    ") for line in lines[1:] if line.strip())

import pytest

from dl_lib.book import glue


def test_glue_returns_the_value_unchanged():
    value = 0.987654
    assert glue("some_accuracy", value) is value
    assert glue("formatted", value, fmt=".1%") is value


def test_glue_rejects_names_the_prose_cannot_use():
    with pytest.raises(ValueError, match="glue name"):
        glue("test accuracy", 1.0)


def test_numpy_and_tensor_scalars_reach_the_page_as_python_numbers():
    import numpy as np
    import torch

    from dl_lib.book import plain

    for value, expected in ((np.float64(0.25), 0.25), (np.int64(7), 7), (torch.tensor(1.5), 1.5),
                            (torch.tensor([3]), 3)):
        got = plain(value)
        assert got == expected and type(got) in (float, int), (value, got)
        assert format(got, ".1f") == format(expected, ".1f")
    assert plain("text") == "text" and plain([1, 2]) == [1, 2]
    assert isinstance(plain(torch.ones(2)), torch.Tensor)  # not one number: left alone

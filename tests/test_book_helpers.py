import pytest

from dl_lib.book import glue


def test_glue_returns_the_value_unchanged():
    value = 0.987654
    assert glue("some_accuracy", value) is value
    assert glue("formatted", value, fmt=".1%") is value


def test_glue_rejects_names_the_prose_cannot_use():
    with pytest.raises(ValueError, match="glue name"):
        glue("test accuracy", 1.0)

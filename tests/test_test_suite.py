"""The suite's own machinery: groups stay on one worker, required services fail under CI."""

from __future__ import annotations

import pytest

from tests import conftest


def test_grouped_modules_are_one_unit_of_scheduling():
    assert conftest.scope_of("tests/test_book.py::test_build_has_no_warnings") == "group:book"
    assert conftest.scope_of("tests/test_book.py::test_chapter_page[01_what_is_dl]") == "group:book"
    assert conftest.scope_of("tests/course/test_grading.py::test_x") == "group:grading"
    # an ungrouped test is scheduled alone, so the rest of the suite spreads over every worker
    assert conftest.scope_of("tests/test_data.py::test_two_moons") == "tests/test_data.py::test_two_moons"


def test_every_module_that_shares_a_session_setup_is_grouped():
    for path in ("tests/test_book.py", "tests/test_browser.py", "tests/test_readers.py",
                 "tests/course/test_workflow.py", "tests/course/test_postgres.py", "tests/course/test_grading.py"):
        assert conftest.module_group(path), f"{path} must declare an xdist_group"


def test_a_group_on_one_test_is_refused(tmp_path, monkeypatch):
    module = tmp_path / "tests" / "test_loose.py"
    module.parent.mkdir()
    module.write_text('import pytest\n\n\n@pytest.mark.xdist_group("book")\ndef test_x(built):\n    pass\n')
    monkeypatch.setattr(conftest, "ROOT", tmp_path)
    conftest.module_group.cache_clear()
    try:
        with pytest.raises(ValueError, match="declare it in the module's pytestmark"):
            conftest.module_group("tests/test_loose.py")
    finally:
        conftest.module_group.cache_clear()


def test_the_canary_names_a_split_group():
    records = [("book", "gw0"), ("book", "gw1"), ("grading", "gw1"), ("grading", "gw1")]
    assert conftest.split_groups(records) == {"book": ["gw0", "gw1"]}
    assert conftest.split_groups([("book", "gw0"), ("postgres", "gw1")]) == {}


def test_a_missing_service_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL is not available: no initdb.*required under CI"):
        conftest.service_unavailable("PostgreSQL", "no initdb")


def test_a_missing_service_is_a_reported_skip_elsewhere(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL is not available: no initdb"):
        conftest.service_unavailable("PostgreSQL", "no initdb")

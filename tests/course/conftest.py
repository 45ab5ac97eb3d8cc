"""Fixtures of the course tests."""

from __future__ import annotations

import pytest

from dl_course import sandbox, warm
from tests.conftest import service_unavailable


@pytest.fixture(scope="module")
def bwrap():
    """The bwrap binary, where the sandbox works here (a required service under CI)."""
    problem = sandbox.works()
    if problem:
        service_unavailable("bubblewrap (the grading sandbox)", problem)
    yield sandbox.find_bwrap()
    warm.close_all()  # the templates this module's kernels started

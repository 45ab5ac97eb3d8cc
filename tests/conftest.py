"""Shared fixtures and paths for the test suite."""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")  # tests never open windows

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
COURSE = ROOT / "exercises"
ASSIGNMENTS = sorted({p.parent.name for p in COURSE.glob("source/*/*.ipynb")})

# Keep thread pools small: the suite runs its files in parallel on a 2-core machine.
os.environ.setdefault("OMP_NUM_THREADS", "1")


def pytest_terminal_summary(terminalreporter):
    """Say plainly, at the end of the run, which tests could not run here and why."""
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.section("tests that could not run on this machine")
        for report in skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            terminalreporter.write_line(f"{report.nodeid}: {reason}")


# ------------------------------------------------------------------ test groups
#
# A module that shares one expensive set-up (the book build, a graded class, a PostgreSQL server)
# marks itself `pytest.mark.xdist_group("name")`: all its tests must run on one worker, so that the
# session fixture runs once. pytest-xdist's own `--dist loadgroup` stopped honouring the marker with
# pytest 9 (it renames the test ids and pytest no longer reads them back), so this conftest schedules
# the groups itself: a test's scope is its module's group, or the test alone. The canary at the end
# of the run fails it if a group ever ran on more than one worker again.

GROUP_MARK = re.compile(r"""xdist_group\(\s*["']([\w.-]+)["']\s*\)""")


@functools.cache
def module_group(path: str) -> str | None:
    """The `xdist_group` a test module declares in its `pytestmark`, read from its source."""
    file = ROOT / path
    if not file.is_file():
        return None
    lines = file.read_text().splitlines()
    found = {m.group(1) for line in lines if line.startswith("pytestmark") for m in GROUP_MARK.finditer(line)}
    loose = [n for n, line in enumerate(lines, 1) if GROUP_MARK.search(line) and not line.startswith("pytestmark")
             and line.lstrip().startswith("@")]
    if loose:  # the scheduler reads groups per module: a marked test alone would run on any worker
        raise ValueError(f"{path}:{loose[0]}: an xdist_group on one test is not honoured; declare it in the "
                         f"module's pytestmark")
    if len(found) > 1:
        raise ValueError(f"{path} declares several xdist groups {sorted(found)}; a module belongs to one")
    return found.pop() if found else None


def scope_of(nodeid: str) -> str:
    """The unit of scheduling: the module's group (``group:book``), or the test itself."""
    group = module_group(nodeid.split("::", 1)[0])
    return f"group:{group}" if group else nodeid


def split_groups(records: list[tuple[str, str]]) -> dict[str, list[str]]:
    """From (group, worker) records, the groups that ran on more than one worker."""
    workers: dict[str, set[str]] = {}
    for group, worker in records:
        workers.setdefault(group, set()).add(worker)
    return {g: sorted(w) for g, w in workers.items() if len(w) > 1}


def pytest_xdist_make_scheduler(config, log):
    """Under ``--dist loadgroup`` (what the Makefile asks for), schedule the groups ourselves."""
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    return GroupScheduling(config, log)


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the controller, or a run without xdist
        os.environ["DL_TEST_GROUP_RECORDS"] = tempfile.mkdtemp(prefix="dl-test-groups-")


@pytest.fixture(autouse=True)
def _record_group(request):
    """Write down which worker ran each grouped test, for the canary."""
    marker = request.node.get_closest_marker("xdist_group")
    records = os.environ.get("DL_TEST_GROUP_RECORDS")
    if marker and records:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        group = marker.args[0] if marker.args else marker.kwargs.get("name", "default")
        (Path(records) / f"{group}@{worker}").touch()
    yield


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workerinput"):
        return
    records = os.environ.get("DL_TEST_GROUP_RECORDS")
    if not records or not Path(records).is_dir():
        return
    split = split_groups([tuple(p.name.split("@", 1)) for p in Path(records).iterdir()])
    shutil.rmtree(records, ignore_errors=True)
    if split:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "; ".join(f"{g} ran on {', '.join(w)}" for g, w in sorted(split.items()))
        if reporter:
            reporter.write_line(f"CANARY: test groups were split across workers, so their set-up ran more "
                                f"than once: {message}", red=True, bold=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# ------------------------------------------------------------------ required services
#
# A service the tests need (PostgreSQL now; a browser or a sandbox tool later) is *required* under
# CI (`CI` set, as .ci/run does): if it cannot start, the test fails with the reason. On a reader's
# machine a missing tool is a skip, reported at the end of the run.


def service_unavailable(what: str, reason: str) -> None:
    """Fail (under CI) or skip (elsewhere) a test whose service `what` cannot run, saying why."""
    message = f"{what} is not available: {reason}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (required under CI: .ci/run installs it)", pytrace=False)
    pytest.skip(message)


# ------------------------------------------------------------------ the built book
#
# The strict build runs once per test run and is shared by every module of the group "book"
# (tests/test_book.py, tests/test_browser.py): a session fixture defined in a test module would
# be a separate fixture, and a separate build, in each module that defines or imports it.


@pytest.fixture(scope="session")  # once per run: xdist may interleave other modules
def built(tmp_path_factory):
    """The strict build of the book: (the folder of its HTML, the build's log)."""
    from dl_course.buildbook import strict_build

    out = tmp_path_factory.mktemp("book")
    done = strict_build(out)
    log = done.stdout + done.stderr
    assert done.returncode == 0, f"strict book build failed:\n{log[-6000:]}"
    return out / "_build" / "html", log

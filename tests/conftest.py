"""Shared fixtures and paths for the test suite."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

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

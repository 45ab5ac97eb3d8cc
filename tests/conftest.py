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

"""Time every chapter, every exercise's validation and the whole strict book build.

    make bench            # or: .venv/bin/python benchmarks/run.py [--skip-build]

Writes benchmarks/results.md and exits with status 1 when a budget is exceeded:
60 s per chapter, 30 s per exercise validation, 15 minutes for the whole book.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import torch
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dl_course import course  # noqa: E402
from dl_course.buildbook import strict_build  # noqa: E402

CHAPTER_BUDGET, EXERCISE_BUDGET, BOOK_BUDGET = 60.0, 30.0, 15 * 60.0


def book_chapters() -> list[Path]:
    """The chapters the table of contents lists, in its order (drafts not yet in the book are skipped)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [entry["file"] for part in toc["parts"] for entry in part["chapters"]]
    return [ROOT / f"{f}.ipynb" for f in files if f.startswith("chapters/")]


def time_chapter(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    resources = {"metadata": {"path": str(path.parent)}}
    NotebookClient(nb, timeout=600, kernel_name="python3", resources=resources).execute()
    return time.perf_counter() - start


def time_exercise(assignment: str) -> float:
    (path,) = sorted((course.COURSE_DIR / "source" / assignment).glob("*.ipynb"))
    start = time.perf_counter()
    findings = course.validate(path)
    if findings:
        raise RuntimeError(f"{assignment} does not validate: {course.report(findings)}")
    return time.perf_counter() - start


def row(name: str, seconds: float, budget: float) -> str:
    return f"| {name} | {seconds:.1f} | {budget:.0f} | {'ok' if seconds <= budget else '**over**'} |"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--skip-build", action="store_true", help="time the chapters only")
    args = parser.parse_args()
    os.environ.setdefault("DL_LIB_DEVICE", "cpu")
    lines, over = [], False
    lines += ["| chapter | seconds | budget | |", "| --- | ---: | ---: | --- |"]
    for path in book_chapters():
        seconds = time_chapter(path)
        over |= seconds > CHAPTER_BUDGET
        lines.append(row(path.stem, seconds, CHAPTER_BUDGET))
        print(lines[-1], flush=True)
    lines += ["", "| exercise (source, validated) | seconds | budget | |", "| --- | ---: | ---: | --- |"]
    for assignment in course.assignments():
        seconds = time_exercise(assignment)
        over |= seconds > EXERCISE_BUDGET
        lines.append(row(assignment, seconds, EXERCISE_BUDGET))
        print(lines[-1], flush=True)
    from benchmarks.autograd_speed import measure  # noqa: E402 (the from-scratch engine against PyTorch)

    speed = measure()
    lines += ["", "| one training step, 64-128-10 MLP, batch 64 | NumPy engine ms | PyTorch ms | ratio | goal |",
              "| --- | ---: | ---: | ---: | --- |",
              f"| dl_lib.autograd.Tensor vs torch | {speed['numpy_step_ms']:.2f} | {speed['torch_step_ms']:.2f} "
              f"| {speed['ratio']:.2f} | within 3x: {'ok' if speed['ratio'] <= 3 else '**over**'} |"]
    print(lines[-1], flush=True)
    if not args.skip_build:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            done = strict_build(Path(tmp))
            seconds = time.perf_counter() - start
        if done.returncode != 0:
            print((done.stdout + done.stderr)[-4000:])
            return 1
        over |= seconds > BOOK_BUDGET
        lines += ["", "| whole book (strict build, every cell executed) | seconds | budget | |",
                  "| --- | ---: | ---: | --- |", row("all chapters", seconds, BOOK_BUDGET)]
        print(lines[-1], flush=True)
    header = [
        "# Benchmark results", "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by `make bench` on "
        f"{os.cpu_count()} CPU cores ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}, torch {torch.__version__}, device cpu.", "",
    ]
    (ROOT / "benchmarks" / "results.md").write_text("\n".join(header + lines) + "\n")
    print(f"wrote {ROOT / 'benchmarks' / 'results.md'}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())

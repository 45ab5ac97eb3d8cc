"""Grade a generated class of a real assignment serially and in parallel; compare grades and time.

    make bench-grading    # or: .venv/bin/python benchmarks/grading.py [--submissions 100] [--jobs 2]

The class mixes correct, partly correct (one kept wrong solution each) and broken
submissions (unreadable, crashing, endless). Writes benchmarks/grading.md and exits
with status 1 if any grade differs between the two runs.
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dl_course import grading  # noqa: E402
from tests.course import crafted  # noqa: E402

BROKEN = [
    dict(raw="{ not json"),
    dict(append={"mse": "import os\nos._exit(1)"}),
    dict(replace={"logsumexp": crafted.ENDLESS_LOGSUMEXP}),
]


def make_class(root: Path, size: int) -> None:
    """Write ``size`` submissions: 60 % correct, 30 % one kept wrong solution, 10 % broken."""
    wrong = runpy.run_path(str(ROOT / "tests" / "exercises" / "wrong" / f"{crafted.ASSIGNMENT}.py"))["WRONG"]
    mistakes = [(gid, code) for gid, answers in wrong.items() for code in answers.values()]
    for i in range(size):
        student = f"s{i:03d}"
        if i % 10 < 6:
            crafted.submit(root, student)
        elif i % 10 < 9:
            gid, code = mistakes[i % len(mistakes)]
            crafted.submit(root, student, replace={gid: code})
        else:
            crafted.submit(root, student, **BROKEN[(i // 10) % len(BROKEN)])


def run(root: Path, jobs: int, cell_timeout: int) -> tuple[float, dict]:
    start = time.perf_counter()
    grading.autograde(crafted.ASSIGNMENT, root, jobs=jobs, cell_timeout=cell_timeout)
    return time.perf_counter() - start, grading.read_scores(crafted.ASSIGNMENT, root)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--cell-timeout", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        serial_root = crafted.scratch_course(Path(tmp) / "serial")
        parallel_root = crafted.scratch_course(Path(tmp) / "parallel")
        make_class(serial_root, args.submissions)
        make_class(parallel_root, args.submissions)
        serial_s, serial = run(serial_root, 1, args.cell_timeout)
        print(f"serial: {serial_s:.0f} s", flush=True)
        parallel_s, parallel = run(parallel_root, args.jobs, args.cell_timeout)
        print(f"parallel ({args.jobs} jobs): {parallel_s:.0f} s", flush=True)
    differ = {s: (serial.get(s), parallel.get(s)) for s in serial.keys() | parallel.keys()
              if serial.get(s) != parallel.get(s)}
    n = args.submissions
    lines = [
        "# Grading benchmark", "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by `make bench-grading` on {os.cpu_count()} CPU "
        f"cores: {n} generated submissions of `{crafted.ASSIGNMENT}` (60 % correct, 30 % one kept wrong "
        f"solution, 10 % broken), cell timeout {args.cell_timeout} s.", "",
        "| run | seconds | seconds per submission |", "| --- | ---: | ---: |",
        f"| serial (1 job) | {serial_s:.0f} | {serial_s / n:.2f} |",
        f"| parallel ({args.jobs} jobs) | {parallel_s:.0f} | {parallel_s / n:.2f} |", "",
        f"Speed-up: {serial_s / parallel_s:.2f}x. Grades that differ between the runs: {len(differ)}.",
    ]
    (ROOT / "benchmarks" / "grading.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 1 if differ or len(serial) != n else 0


if __name__ == "__main__":
    sys.exit(main())

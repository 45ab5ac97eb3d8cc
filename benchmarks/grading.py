"""Grade a generated class of a real assignment serially and in parallel; compare grades and time.

    make bench-grading    # or: .venv/bin/python benchmarks/grading.py [--submissions 100] [--jobs 2]

The class mixes correct, partly correct (one kept wrong solution each) and broken
submissions (unreadable, crashing, endless), graded in the sandbox. First, where one
student's time goes is measured step by step. Writes benchmarks/grading.md and exits
with status 1 if any grade differs between the two runs, or if the parallel run
takes more than --budget seconds per submission.
"""

from __future__ import annotations

import argparse
import os
import runpy
import statistics
import subprocess
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


def _kernel(folder: Path, notebook, warm: bool) -> tuple[float, float, float]:
    """Seconds to start a sandboxed kernel, run ``notebook`` in it, and shut it down."""
    from nbclient import NotebookClient

    from dl_course.sandbox import SandboxKernelManager

    client = NotebookClient(notebook, resources={"metadata": {"path": str(folder)}},
                            kernel_manager_class=SandboxKernelManager,
                            extra_arguments=["--HistoryManager.hist_file=:memory:", "--ext=dl_course.guard"])
    client.km = client.create_kernel_manager()
    client.km.warm = warm
    begin = time.perf_counter()
    with client.setup_kernel():
        started = time.perf_counter()
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)
        ran = time.perf_counter()
    return started - begin, ran - started, time.perf_counter() - ran


def breakdown(root: Path, repeats: int = 3) -> list[tuple[str, float]]:
    """Where one student's grading time goes: each step timed here (median of ``repeats``)."""
    import nbformat

    from dl_course import grading, warm
    from dl_course.course import tool_env

    path = crafted.submit(root, "timing")
    notebook = nbformat.read(path, as_version=4)

    def median(measure) -> float:
        return statistics.median(measure() for _ in range(repeats))

    def nbgrader_start() -> float:
        begin = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import nbgrader.apps.autogradeapp, dl_course.sandbox"],
                       cwd=root, env=tool_env(), check=True)
        return time.perf_counter() - begin

    cold = [_kernel(path.parent, notebook, warm=False) for _ in range(repeats)]
    _kernel(path.parent, notebook, warm=True)  # starts this process's template
    hot = [_kernel(path.parent, notebook, warm=True) for _ in range(repeats)]
    warm.close_all()

    def own_process() -> float:
        begin = time.perf_counter()
        grading.grade_one(crafted.ASSIGNMENT, "timing", root)
        return time.perf_counter() - begin

    return [
        ("a new grading process: Python, nbgrader and the course tools imported", median(nbgrader_start)),
        ("a new kernel in a new sandbox: started until ready", statistics.median(c[0] for c in cold)),
        ("a kernel forked from the warm template: started until ready", statistics.median(h[0] for h in hot)),
        ("running the notebook's cells (tests and probes included)", statistics.median(h[1] for h in hot)),
        ("shutting a new kernel down", statistics.median(c[2] for c in cold)),
        ("shutting a forked kernel down", statistics.median(h[2] for h in hot)),
        ("one student in an nbgrader process of its own (as before; the Dask path)", median(own_process)),
    ]


def run(root: Path, jobs: int, cell_timeout: int) -> tuple[float, dict]:
    start = time.perf_counter()
    grading.autograde(crafted.ASSIGNMENT, root, jobs=jobs, cell_timeout=cell_timeout)
    return time.perf_counter() - start, grading.read_scores(crafted.ASSIGNMENT, root)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--cell-timeout", type=int, default=10)
    parser.add_argument("--budget", type=float, default=1.2, help="most seconds per submission with --jobs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        steps = breakdown(crafted.scratch_course(Path(tmp) / "timing"))
        for step, seconds in steps:
            print(f"{seconds:6.2f} s  {step}", flush=True)
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
        "",
        "Each run keeps one grading process per job for all its students (nbgrader and the course "
        "loaded once) and forks every student's kernel from a template that imported `torch`, `numpy` "
        "and `ipykernel` once, inside the sandbox (`dl_course/warm.py`). Where one student's time "
        "went, each step timed alone (median of 3):", "",
        "| step | seconds |", "| --- | ---: |",
        *[f"| {step} | {seconds:.2f} |" for step, seconds in steps], "",
        f"Budget: at most {args.budget:.2f} s per submission with {args.jobs} jobs: "
        f"{'met' if parallel_s / n <= args.budget else 'NOT met'}.",
    ]
    (ROOT / "benchmarks" / "grading.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 1 if differ or len(serial) != n or parallel_s / n > args.budget else 0


if __name__ == "__main__":
    sys.exit(main())

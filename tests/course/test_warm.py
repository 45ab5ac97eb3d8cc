"""Warm grading kernels: forked from a pre-imported template, yet each as fresh and as confined as a new one.

Kernels are started through the sandbox's kernel manager, as nbgrader starts them, one after
another in this process, so that they share one template (dl_course.warm).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from dl_course import sandbox, warm

pytestmark = pytest.mark.xdist_group("warm")


def run(folder: Path, *sources: str, warm_kernel: bool = True) -> list[dict]:
    """Run ``sources`` as cells in one sandboxed kernel started in ``folder``; each cell's last printed JSON."""
    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    client = NotebookClient(nb, resources={"metadata": {"path": str(folder)}}, timeout=60,
                            kernel_manager_class=sandbox.SandboxKernelManager, allow_errors=True,
                            extra_arguments=["--HistoryManager.hist_file=:memory:"])
    client.km = client.create_kernel_manager()
    client.km.warm = warm_kernel
    client.execute()
    seen = []
    for cell in nb.cells:
        printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        errors = [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]
        seen.append(json.loads(printed.strip().splitlines()[-1]) if printed.strip() else {"errors": errors})
    return seen


LEAVE_TRACES = """
import json, os, subprocess, sys
marker = sys.argv[0]
for path in ("/tmp/left.txt", "/dev/shm/left.txt", "/dev/left.txt", os.path.expanduser("~/left.txt"),
             "left.txt"):
    try:
        with open(path, "w") as handle:
            handle.write("from the first student")
    except OSError:
        pass
subprocess.Popen([sys.executable, "-c", "import time\\nwhile True: time.sleep(1)", "dl-warm-lurker"],
                 start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                 stderr=subprocess.DEVNULL)
LEFT_BY_THE_FIRST = 42
print(json.dumps({"pid": os.getpid(), "cwd": os.getcwd(), "files": sorted(os.listdir("."))}))
"""

LOOK_AROUND = """
import json, os
def readable(path):
    try:
        with open(path, "rb") as handle:
            handle.read(0)
        return True
    except OSError:
        return False
found = [p for p in ("/tmp/left.txt", "/dev/shm/left.txt", "/dev/left.txt",
                     os.path.expanduser("~/left.txt"), "left.txt") if os.path.exists(p)]
others = []
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) not in (1, os.getpid(), os.getppid()):
        try:
            others.append(open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace"))
        except OSError:
            pass
print(json.dumps({"pid": os.getpid(), "files": sorted(os.listdir(".")), "found": found, "others": others,
                  "global": "LEFT_BY_THE_FIRST" in globals(), "torch": __import__("torch").ones(3).sum().item(),
                  "template_memory": readable(f"/proc/{os.getppid()}/mem"),
                  "template_environ": readable(f"/proc/{os.getppid()}/environ")}))
"""


def test_each_student_starts_from_a_clean_template(bwrap, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "mine.txt").write_text("first")
    (second / "theirs.txt").write_text("second")
    [one] = run(first, LEAVE_TRACES)
    [two] = run(second, LOOK_AROUND)
    assert one["cwd"] == warm.SUBMISSION and one["files"] == ["left.txt", "mine.txt"]
    assert two["files"] == ["theirs.txt"], "the second student must see only their own folder"
    assert two["found"] == [], f"files left by the first student survived: {two['found']}"
    assert two["others"] == [], f"processes left by the first student survived: {two['others']}"
    assert two["global"] is False and two["torch"] == 3.0 and two["pid"] != one["pid"]
    assert not two["template_memory"] and not two["template_environ"], \
        "a kernel must not read the template's memory or environment"
    # Nothing the kernels wrote reached the students' real folders.
    assert sorted(os.listdir(first)) == ["mine.txt"] and sorted(os.listdir(second)) == ["theirs.txt"]


def test_a_kernel_that_kills_the_template_ends_only_its_own_grading(bwrap, tmp_path):
    from nbclient.exceptions import DeadKernelError

    tmp_path.joinpath("a").mkdir()
    with pytest.raises(DeadKernelError):  # its kernel dies with the template
        run(tmp_path / "a", "import os, signal, time\nos.kill(os.getppid(), signal.SIGKILL)\ntime.sleep(30)")
    tmp_path.joinpath("b").mkdir()
    [after] = run(tmp_path / "b", "import json, torch\nprint(json.dumps({'sum': torch.ones(4).sum().item()}))")
    assert after == {"sum": 4.0}


def test_a_cold_kernel_still_works(bwrap, tmp_path):
    [seen] = run(tmp_path, "import json, os\nprint(json.dumps({'cwd': os.getcwd()}))", warm_kernel=False)
    assert seen == {"cwd": os.path.realpath(tmp_path)}


def test_the_template_refuses_to_run_outside_the_sandbox():
    done = subprocess.run([sys.executable, "-m", "dl_course.warm"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "only inside the grading sandbox" in done.stderr


def test_dead_kernels_are_reported_as_dead(bwrap, tmp_path):
    nb = new_notebook(cells=[new_code_cell("import os\nos._exit(3)"), new_code_cell("print('never')")])
    client = NotebookClient(nb, resources={"metadata": {"path": str(tmp_path)}}, timeout=60,
                            kernel_manager_class=sandbox.SandboxKernelManager)
    from nbclient.exceptions import DeadKernelError

    with pytest.raises(DeadKernelError):
        client.execute()
    nbformat.validate(nb)


def test_without_a_template_a_kernel_starts_in_a_new_sandbox(bwrap, tmp_path, monkeypatch):
    def broken(options):
        raise warm.TemplateGone("the template could not start (test)")

    monkeypatch.setattr(warm, "acquire", broken)
    [seen] = run(tmp_path, "import json, os\nprint(json.dumps({'cwd': os.getcwd()}))")
    assert seen == {"cwd": os.path.realpath(tmp_path)}

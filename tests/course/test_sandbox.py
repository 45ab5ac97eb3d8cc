"""The grading sandbox: what a kernel inside bubblewrap can and cannot reach, and the refusal without it."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from dl_course import course, grading, sandbox
from tests.conftest import ROOT


def inside(bwrap, tmp_path: Path, code: str, **options) -> dict:
    """Run ``code`` in the sandbox with a student folder ``tmp_path/student``; return what it printed (JSON)."""
    student, scratch = tmp_path / "student", tmp_path / "scratch"
    student.mkdir(exist_ok=True)
    (student / "answer.txt").write_text("mine")
    for part in ("work", "home", "ipc"):
        (scratch / part).mkdir(parents=True, exist_ok=True)
    (scratch / "work" / "answer.txt").write_text("mine")
    cmd = sandbox.bwrap_command([sys.executable, "-c", code], str(student), str(scratch), bwrap=bwrap, **options)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


PROBE = """
import json, os, resource, socket, sys
def attempt(action):
    try:
        action()
        return "allowed"
    except OSError as error:
        return type(error).__name__ + ": " + (error.strerror or "")
def write(path):
    with open(path, "w") as handle:
        handle.write("x")
def connect():
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5).close()
print(json.dumps({
    "own": open("answer.txt").read(),
    "write_own": attempt(lambda: write("scratch.txt")),
    "tmp": attempt(lambda: write("/tmp/t.txt")),
    "secret": attempt(lambda: open(SECRET).read()),
    "course_source": os.path.exists(COURSE + "/source"),
    "gradebook": attempt(lambda: write(COURSE + "/gradebook.db")),
    "home": sorted(os.listdir(os.path.expanduser("~"))),
    "usr": attempt(lambda: write("/usr/evil")),
    "root": attempt(lambda: write("/evil")),
    "network": attempt(connect),
    "shadow": os.path.exists("/etc/shadow"),
    "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0],
    "memory": resource.getrlimit(resource.RLIMIT_AS)[0],
    "pid": os.getpid(),
    "capabilities": [line.split()[1] for line in open("/proc/self/status") if line.startswith("CapEff")][0],
}))
"""


def test_a_kernel_sees_only_its_folder_and_a_read_only_system(bwrap, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the hidden tests")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    try:
        code = f"SECRET = {str(secret)!r}\nCOURSE = {str(course.COURSE_DIR)!r}\n" + PROBE
        student, scratch = tmp_path / "student", tmp_path / "scratch"
        student.mkdir()
        for part in ("work", "home", "ipc"):
            (scratch / part).mkdir(parents=True)
        (scratch / "work" / "answer.txt").write_text("mine")
        cmd = sandbox.bwrap_command([sys.executable, "-c", code, str(listener.getsockname()[1])],
                                    str(student), str(scratch), bwrap=bwrap, processes=64, memory_mb=2048)
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    finally:
        listener.close()
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["own"] == "mine" and seen["write_own"] == "allowed" and seen["tmp"] == "allowed"
    assert seen["secret"].startswith("FileNotFoundError"), seen
    assert seen["course_source"] is False and seen["shadow"] is False
    assert seen["gradebook"] != "allowed" and seen["usr"] != "allowed" and seen["root"] != "allowed"
    assert "Read-only file system" in seen["usr"] + seen["root"], seen
    assert seen["home"] == [".config"] or seen["home"] == [], seen
    assert seen["network"] != "allowed", "the sandbox must have no network"
    assert seen["nproc"] == 64 and seen["memory"] == 2048 * 2**20
    assert seen["pid"] < 10, "the kernel should be alone in its own PID namespace"
    assert int(seen["capabilities"], 16) == 0, "no capability inside, also for a grader running as root"
    # Writes went to the scratch copy, never to the student's real folder.
    assert (scratch / "work" / "scratch.txt").is_file() and not (student / "scratch.txt").exists()


def test_an_environment_under_tmp_is_readable_inside(bwrap, tmp_path):
    """A checkout or virtual environment under /tmp survives the kernel's private /tmp."""
    lib = tmp_path / "env" / "lib"  # tmp_path lies under /tmp, as a clone in /tmp does
    lib.mkdir(parents=True)
    (lib / "module.py").write_text("VALUE = 42\n")
    code = f"import json; print(json.dumps({{'read': open({str(lib / 'module.py')!r}).read()}}))"
    seen = inside(bwrap, tmp_path, code, readable=[str(lib)])
    assert seen == {"read": "VALUE = 42\n"}


def test_processes_die_with_the_sandbox(bwrap, tmp_path):
    marker = f"dl-sandbox-test-{os.getpid()}-{tmp_path.name}"
    code = ("import subprocess, sys, json\n"
            f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', {marker!r}],"
            " start_new_session=True)\nprint(json.dumps({}))")
    inside(bwrap, tmp_path, code)
    alive = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker.encode() in (proc / "cmdline").read_bytes():
                alive.append(proc.name)
        except OSError:
            continue
    assert alive == [], "a child of the sandboxed process outlived it"


def test_grading_refuses_without_bwrap(monkeypatch, tmp_path):
    monkeypatch.setenv(sandbox.BWRAP_ENV, str(tmp_path / "no-such-bwrap"))
    assert sandbox.find_bwrap() is None
    with pytest.raises(sandbox.SandboxUnavailable, match="bubblewrap.*--no-sandbox"):
        grading.autograde("05_losses", tmp_path)
    assert "not installed" in sandbox.works()


def test_a_kernel_manager_refuses_to_start_without_bwrap(monkeypatch, tmp_path):
    monkeypatch.setenv(sandbox.BWRAP_ENV, str(tmp_path / "no-such-bwrap"))
    manager = sandbox.SandboxKernelManager()
    with pytest.raises(sandbox.SandboxUnavailable, match="SandboxKernelManager.enabled=False"):
        asyncio.run(manager.start_kernel(cwd=str(tmp_path)))


def test_the_command_says_why_it_refuses(tmp_path):
    env = course.tool_env() | {sandbox.BWRAP_ENV: str(tmp_path / "no-such-bwrap")}
    done = subprocess.run([sys.executable, "-m", "dl_course", "autograde", "05_losses"], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "bubblewrap" in done.stderr and "--no-sandbox" in done.stderr


def test_the_course_configuration_sandboxes_nbgrader():
    from nbgrader.converters import Autograde
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course.COURSE_DIR)).load_config()
    steps = Autograde(config=config).autograde_preprocessors
    assert sandbox.CheckedExecute in steps
    assert not any(step.__name__ == "Execute" for step in steps)
    assert sandbox.CheckedExecute().kernel_manager_class is sandbox.SandboxKernelManager

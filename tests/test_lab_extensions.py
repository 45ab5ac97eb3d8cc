"""The pinned JupyterLab loads nbgrader's extensions (the Validate button, the formgrader)."""

import re
import subprocess
import sys
from pathlib import Path

JUPYTER = str(Path(sys.executable).with_name("jupyter"))


def _run(*args: str) -> str:
    done = subprocess.run([JUPYTER, *args], capture_output=True, text=True, timeout=120)
    return re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)  # drop colour codes


def test_nbgrader_lab_extension_is_enabled_and_ok():
    out = _run("labextension", "list")
    assert re.search(r"@jupyter/nbgrader v\S+ enabled OK", out), out


def test_nbgrader_server_extensions_are_enabled_and_ok():
    out = _run("server", "extension", "list")
    for ext in ("formgrader", "validate_assignment", "assignment_list"):
        assert re.search(rf"nbgrader\.server_extensions\.{ext} enabled", out), f"{ext} not enabled:\n{out}"
        assert re.search(rf"nbgrader\.server_extensions\.{ext}\s+OK", out), f"{ext} not OK:\n{out}"

"""Hostile submissions of 05_losses, kept as data: each attacks the grader, none answers honestly.

Each is code added to solution cells of an otherwise unanswered notebook (every
other part is the released stub), so every one of them deserves zero. Without the sandbox,
PEEK and COPY would score full marks, TRANSFORM and RUN_CODE would pass every later test,
and FAKE_MODULES would pass the parts that only compare with torch and math.
"""

from __future__ import annotations

# Read the instructor's source notebook (answers and hidden tests) and run its answers.
PEEK = """
import json, os
_paths = [{source!r}, os.path.join(os.getcwd(), "../../../source/05_losses/05_losses.ipynb")]
_found = [p for p in _paths if os.path.exists(p)]
_nb = json.load(open(_found[0] if _found else _paths[0]))
for _cell in _nb["cells"]:
    if _cell["cell_type"] == "code" and "def " in "".join(_cell["source"]):
        exec("".join(_cell["source"]))
"""

# Copy another student's submission and run its answers.
COPY = """
import json, os
_paths = [{victim!r}, os.path.join(os.getcwd(), "../../good/05_losses/05_losses.ipynb")]
_found = [p for p in _paths if os.path.exists(p)]
_nb = json.load(open(_found[0] if _found else _paths[0]))
for _cell in _nb["cells"]:
    if _cell["cell_type"] == "code" and "def " in "".join(_cell["source"]):
        exec("".join(_cell["source"]))
"""

# Overwrite the gradebook and another student's submitted and graded notebooks.
VANDAL = """
_errors = []
for _path in {targets!r}:
    try:
        with open(_path, "w") as _file:
            _file.write("{{}}")
    except OSError as _error:
        _errors.append(_error)
if _errors:
    raise _errors[0]
"""

# Make every later cell, tests included, do nothing.
TRANSFORM = """
get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])
"""

# Run every later cell but swallow its errors, and silence the error display.
RUN_CODE = """
import sys
_ip = get_ipython()
async def _quiet(code_obj, result=None, *, async_=False):
    try:
        exec(code_obj, _ip.user_global_ns, _ip.user_ns)
    except BaseException:
        pass
    return False
_ip.run_code = _quiet
_ip.showtraceback = lambda *args, **kwargs: None
sys.excepthook = lambda *args: None
"""

# Answers that are anything, and a torch and a math that agree with anything.
FAKE_MODULES = """
import builtins, sys
class _Anything:
    def __getattr__(self, name): return _Anything()
    def __call__(self, *args, **kwargs): return _Anything()
    def __eq__(self, other): return True
    def __bool__(self): return True
    def __enter__(self): return self
    def __exit__(self, *args): return True
def logsumexp(*args, **kwargs): return _Anything()
def cross_entropy(*args, **kwargs): return _Anything()
def bce_with_logits(*args, **kwargs): return _Anything()
def mse(*args, **kwargs): return _Anything()
torch = math = _Anything()
sys.modules["torch"] = _Anything()
builtins.isinstance = lambda *args: True
"""

# Leave a process behind that would outlive the kernel.
DAEMON = """
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time\\nwhile True: time.sleep(1)", {marker!r}],
                 start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                 stderr=subprocess.DEVNULL)
"""

# An honest submission that also uses its own folder and /tmp, which it may.
TIDY = """
import os, tempfile
with open("notes.txt", "w") as _file:
    _file.write("scratch")
assert open("notes.txt").read() == "scratch"
with tempfile.TemporaryFile() as _file:
    _file.write(b"x")
"""

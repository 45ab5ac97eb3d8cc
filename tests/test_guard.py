"""dl_course.guard: a submission cannot make the tests pass by redefining what they check with."""

import pytest
from IPython.core.interactiveshell import InteractiveShell

from dl_course.guard import SealedModule, unseal

SETUP = "import math\nimport numpy as np\nimport torch\nfrom torch.testing import assert_close"
TEST_CELL = """
fooled = []
if torch.allclose(torch.tensor(1.0), torch.tensor(2.0)): fooled.append("torch.allclose")
try:
    assert_close(torch.tensor(1.0), torch.tensor(2.0)); fooled.append("assert_close")
except AssertionError:
    pass
if np.allclose(1.0, 2.0): fooled.append("np.allclose")
if math.isclose(1.0, 2.0): fooled.append("math.isclose")
if abs(-3) != 3: fooled.append("abs")
"""
CHEATS = [
    "torch.allclose = lambda *a, **k: True",
    "setattr(np, 'allclose', lambda *a, **k: True)",
    "math.isclose = lambda *a, **k: True",
    "torch.testing.assert_close = lambda *a, **k: None",
    "assert_close = lambda *a, **k: None",
    "abs = lambda x: 0",
    "def solution():\n    torch.allclose = lambda *a, **k: True\nsolution()",
]


@pytest.fixture
def shell():
    InteractiveShell.clear_instance()
    ip = InteractiveShell.instance()
    yield ip
    InteractiveShell.clear_instance()
    unseal()


def _fooled(ip, guarded: bool) -> list[str]:
    if guarded:
        ip.run_line_magic("load_ext", "dl_course.guard")
    ip.run_cell(SETUP)
    for cheat in CHEATS:
        ip.run_cell(cheat, silent=True)
    ip.run_cell(TEST_CELL)
    return ip.user_ns["fooled"]


def test_without_the_guard_the_cheats_work(shell, monkeypatch):
    # Undo whatever the cheats patch in this test process, once the test is over.
    import math

    import numpy as np
    import torch

    for module, name in [(torch, "allclose"), (np, "allclose"), (math, "isclose"), (torch.testing, "assert_close")]:
        monkeypatch.setattr(module, name, getattr(module, name))
    assert set(_fooled(shell, guarded=False)) >= {"torch.allclose", "assert_close", "np.allclose", "math.isclose"}


def test_with_the_guard_no_cheat_works(shell):
    assert _fooled(shell, guarded=True) == []
    result = shell.run_cell("torch.allclose = None")
    assert isinstance(result.error_in_exec, AttributeError)
    assert "used by the tests" in str(result.error_in_exec)


def test_the_guard_leaves_ordinary_code_alone(shell):
    shell.run_line_magic("load_ext", "dl_course.guard")
    shell.run_cell(SETUP + "\ntorch.my_constant = 3\ntotal = abs(-2) + torch.my_constant")
    assert shell.user_ns["total"] == 5


def test_unseal_restores_the_process(shell):
    import torch

    shell.run_line_magic("load_ext", "dl_course.guard")
    assert isinstance(torch, SealedModule)
    unseal()
    assert not isinstance(torch, SealedModule)

"""A kernel extension for grading: the functions the tests rely on cannot be redefined.

nbgrader loads it into every grading kernel (``exercises/nbgrader_config.py``). It
closes the obvious ways a submission could make failing tests pass:

* rebinding a checking function on its module (``torch.allclose = lambda *a, **k: True``)
  raises ``AttributeError`` in the student's cell, wherever it happens, even inside a
  function the tests call;
* shadowing a checking function imported into the notebook (``assert_close = ...``)
  is undone before every cell runs, so the test cells always see the real one;
* so is rebinding a module the notebook imported (``torch = FakeTorch()``), replacing
  a protected module in ``sys.modules``, or replacing a builtin the tests' machinery
  uses (``__import__``, ``AssertionError``, ``isinstance``, ...).

What a submission does to IPython itself (input transformers, ``run_cell``, the error
display) is caught from outside, by :class:`dl_course.sandbox.CheckedExecute`.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__all__ = ["KEPT_BUILTINS", "PROTECTED", "SealedModule", "load_ipython_extension", "seal", "unseal"]

PROTECTED = {
    "builtins": ("abs", "all", "any", "isinstance", "len", "round"),
    "math": ("isclose", "isfinite", "isnan", "isinf"),
    "numpy": ("allclose", "isclose", "array_equal", "all", "any", "isfinite", "isnan", "abs"),
    "numpy.testing": ("assert_allclose", "assert_array_equal", "assert_equal", "assert_array_almost_equal"),
    "torch": ("allclose", "isclose", "equal", "all", "any", "isfinite", "isnan", "abs", "is_tensor"),
    "torch.testing": ("assert_close",),
}


# Builtins the test cells' machinery relies on, put back before every cell.
KEPT_BUILTINS = ("__import__", "AssertionError", "Exception", "NotImplementedError", "ValueError",
                 "TypeError", "getattr", "setattr", "hasattr", "print", "exec", "compile", "float", "int")


class SealedModule(types.ModuleType):
    """A module whose protected attributes cannot be rebound or deleted."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in PROTECTED.get(self.__name__, ()):
            raise AttributeError(f"{self.__name__}.{name} is used by the tests and cannot be redefined")
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        if name in PROTECTED.get(self.__name__, ()):
            raise AttributeError(f"{self.__name__}.{name} is used by the tests and cannot be deleted")
        super().__delattr__(name)


def seal() -> dict[int, Any]:
    """Seal every protected module that can be imported; return the protected objects by id."""
    originals = {}
    for module_name, names in PROTECTED.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name in names:
            if hasattr(module, name):
                originals[id(getattr(module, name))] = getattr(module, name)
        if module_name != "builtins":  # the builtins module cannot change class; its names are kept below
            module.__class__ = SealedModule
    return originals


def unseal() -> None:
    """Give every sealed module its ordinary class back (for tests that sealed their own process)."""
    for module_name in PROTECTED:
        module = sys.modules.get(module_name)
        if module is not None and isinstance(module, SealedModule):
            module.__class__ = types.ModuleType


def load_ipython_extension(ip) -> None:
    """Install the guard in an IPython kernel (``--ext=dl_course.guard``)."""
    originals = seal()
    import builtins

    kept_builtins = {name: getattr(builtins, name) for name in PROTECTED["builtins"] + KEPT_BUILTINS}
    bindings: dict[str, Any] = {}  # notebook globals that name a protected object
    modules: dict[str, types.ModuleType] = {}  # notebook globals that name a module
    loaded = {name: sys.modules[name] for name in PROTECTED if name in sys.modules}

    def restore(*_args: Any) -> None:
        for name, value in kept_builtins.items():
            if getattr(builtins, name) is not value:
                setattr(builtins, name, value)
            if name in ip.user_ns and ip.user_ns[name] is not value:
                del ip.user_ns[name]  # a global shadowing a builtin the tests use
        for name, value in bindings.items():
            if ip.user_ns.get(name) is not value:
                ip.user_ns[name] = value
        for name, module in modules.items():  # `torch = FakeTorch()` does not reach the tests
            if ip.user_ns.get(name) is not module:
                ip.user_ns[name] = module
        for name, module in loaded.items():  # nor does `sys.modules["torch"] = FakeTorch()`
            if sys.modules.get(name) is not module:
                sys.modules[name] = module

    def remember(*_args: Any) -> None:
        for name, value in list(ip.user_ns.items()):
            if id(value) in originals and originals[id(value)] is value and name not in bindings:
                bindings[name] = value
            if isinstance(value, types.ModuleType) and name not in modules and not name.startswith("_"):
                modules[name] = value
        for name in PROTECTED:
            if name not in loaded and isinstance(sys.modules.get(name), SealedModule):
                loaded[name] = sys.modules[name]

    ip.events.register("pre_run_cell", restore)
    ip.events.register("post_run_cell", remember)

"""The set-up cell on a bare runtime (dl_course.bare_runtime): a fresh environment with only
torch and ipykernel, google.colab simulated, dl_lib installed from this checkout.

Here, the cheap part (``make test``): the set-up cell installs, every module a chapter imports
is importable, torch is untouched. ``make test-colab`` executes every chapter there.
"""

from __future__ import annotations

import subprocess

import pytest

from dl_course import bare_runtime
from tests.conftest import CHAPTERS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("bare-runtime")]


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    """The bare runtime, its torch before the set-up cell, and the set-up cell's run."""
    env = tmp_path_factory.mktemp("bare") / "env"
    bare_runtime.create(env)
    before = bare_runtime.torch_fingerprint(env)
    done = bare_runtime.run_setup_cell(env)
    return env, before, done


def test_the_runtime_is_bare_and_looks_like_colab(runtime):
    env, before, _ = runtime
    python = str(bare_runtime.python_of(env))
    code = "import sys, google.colab; print('google.colab' in sys.modules, sys.prefix != sys.base_prefix)"
    fresh = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    assert fresh.stdout.split() == ["True", "True"]
    # Nothing of the project's environment: no nbgrader, no jupyter-book, no pandas before set-up.
    listed = subprocess.run([python, "-m", "pip", "list", "--format=freeze"], capture_output=True,
                            text=True, check=True).stdout.lower()
    assert "nbgrader" not in listed and "jupyter-book" not in listed
    assert before["file"].startswith(str(env))  # its own torch, not the project's


def test_the_setup_cell_installs_dl_lib_and_keeps_torch(runtime):
    env, before, done = runtime
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "dl_lib" in done.stdout and f"torch {before['version']}" in done.stdout
    assert "Uninstalling torch" not in done.stdout + done.stderr
    assert bare_runtime.torch_fingerprint(env) == before, "the set-up cell replaced the installed torch"


def test_every_module_a_chapter_imports_is_there_after_the_setup_cell(runtime):
    env, _, done = runtime
    assert done.returncode == 0
    imports = bare_runtime.chapter_imports(CHAPTERS)
    assert {"torch", "dl_lib", "statsmodels.tsa.ar_model"} <= set(imports)
    missing = bare_runtime.unimportable(env, sorted(imports))
    assert not missing, "\n".join(
        f"{name} (imported by {', '.join(imports[name])}): {error}; declare it in the `chapters` extra"
        for name, error in missing.items())


def test_a_package_outside_the_chapters_extra_is_caught(runtime):
    env, _, _ = runtime
    # nbgrader is in the `course` extra: a chapter importing it would fail on Colab.
    assert "nbgrader" in bare_runtime.unimportable(env, ["nbgrader", "json"])

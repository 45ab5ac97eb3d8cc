import ast

import pytest
import yaml

from dl_course import colab
from tests.conftest import ROOT


def test_setup_cell_is_valid_python_and_uses_the_bootstrap():
    tree = ast.parse(colab.SETUP_CELL)
    assert any(isinstance(node, ast.If) for node in tree.body)
    assert f"git+https://github.com/{colab.REPOSITORY}" in colab.SETUP_CELL
    assert "torch=={torch.__version__}" in colab.SETUP_CELL  # never replaces Colab's torch


def test_setup_cell_does_nothing_outside_colab(monkeypatch):
    calls = []
    monkeypatch.setattr("subprocess.run", lambda *a, **k: calls.append(a))
    namespace: dict = {}
    exec(colab.SETUP_CELL, namespace)  # noqa: S102 (this is the cell every chapter runs)
    assert calls == []
    assert str(namespace["DEVICE"]) in {"cpu", "cuda", "mps"}


def test_install_command_pins_the_installed_torch():
    cmd = colab.install_command("/usr/bin/python3", "2.5.1+cu121")
    assert cmd[:4] == ["/usr/bin/python3", "-m", "pip", "install"]
    assert "torch==2.5.1+cu121" in cmd
    assert cmd[-1] == f"dl-lib[chapters] @ git+https://github.com/{colab.REPOSITORY}"  # what the chapters import
    with pytest.raises(ValueError, match="torch version"):
        colab.install_command("python", "")


def test_setup_cell_runs_the_install_command_on_colab(monkeypatch):
    import sys
    import types

    import torch

    calls = []
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr("subprocess.run", lambda cmd, **k: calls.append(cmd))
    exec(colab.SETUP_CELL, {})  # noqa: S102
    assert calls == [colab.install_command(sys.executable, torch.__version__)]
    monkeypatch.setenv(colab.SOURCE_VARIABLE, "file:///tmp/checkout")
    exec(colab.SETUP_CELL, {})  # noqa: S102
    assert calls[-1] == colab.install_command(sys.executable, torch.__version__, source="file:///tmp/checkout")
    assert calls[-1][-1] == "dl-lib[chapters] @ file:///tmp/checkout"


def test_setup_cell_fits_the_page():
    assert max(len(line) for line in colab.SETUP_CELL.splitlines()) <= 88


def test_colab_url_and_badge():
    url = colab.colab_url("chapters/03_neurons.ipynb")
    assert url == (
        f"https://colab.research.google.com/github/{colab.REPOSITORY}/blob/main/chapters/03_neurons.ipynb"
    )
    # A chapter's badge opens its readers' edition; any other notebook, the file on main.
    assert colab.colab_url("chapters/03_neurons.ipynb", branch=colab.READERS_BRANCH) in colab.badge(
        "chapters/03_neurons.ipynb")
    assert "/blob/readers/chapters/03_neurons.ipynb" in colab.badge("chapters/03_neurons.ipynb")
    path = "exercises/release/03_neurons/03_neurons.ipynb"
    assert colab.colab_url(path) in colab.badge(path)
    with pytest.raises(ValueError, match=".ipynb"):
        colab.colab_url("chapters/03_neurons.md")


def test_book_config_points_at_the_same_repository():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["repository"]["url"] == f"https://github.com/{colab.REPOSITORY}"
    assert config["repository"]["branch"] == colab.BRANCH
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"


def test_exercise_links_point_at_the_release_and_say_how_to_check():
    block = colab.exercise_links("03_neurons")
    path = "exercises/release/03_neurons/03_neurons.ipynb"
    assert colab.colab_url(path) in block and colab.github_url(path) in block
    assert (ROOT / path).is_file()
    assert "AssertionError" in block and "hidden tests" in block
    for bad in ("", "exercises/release/03_neurons"):
        with pytest.raises(ValueError, match="assignment name"):
            colab.exercise_links(bad)

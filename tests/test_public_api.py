"""One public API: every module says what it exports, packages re-export it, nothing private crosses a file.

The rules (CONTRIBUTING.md, "One public API"):

1. every ``dl_lib`` module defines ``__all__``, and every name in it exists;
2. every subpackage's ``__init__`` re-exports every name of its modules' ``__all__`` explicitly;
   ``dl_lib`` itself lists its modules and subpackages, which ``import dl_lib`` makes reachable;
3. no name that starts with an underscore is imported from another file, or reached through another
   module (``features._runs``), in ``dl_lib``, the chapters, the exercises or the tests;
4. chapters and exercises import one way: from ``dl_lib``, a top-level module (``dl_lib.data``) or a
   subpackage (``dl_lib.nn``), never from a module inside a subpackage (``dl_lib.nn.conv``).
"""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import re
from pathlib import Path

import pytest

import dl_lib
from tests.conftest import ROOT

PACKAGE = ROOT / "dl_lib"


def module_names() -> list[str]:
    return ["dl_lib"] + [m.name for m in pkgutil.walk_packages(dl_lib.__path__, "dl_lib.")]


def is_package(name: str) -> bool:
    return hasattr(importlib.import_module(name), "__path__")


def children(package: str) -> list[str]:
    pkg = importlib.import_module(package)
    return [f"{package}.{m.name}" for m in pkgutil.iter_modules(pkg.__path__)]


@pytest.mark.parametrize("name", module_names())
def test_every_module_declares_all_and_every_name_exists(name):
    module = importlib.import_module(name)
    assert "__all__" in vars(module), f"{name} must define __all__ (the names it offers)"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what the module does not define: {missing}"
    private = [n for n in module.__all__ if n.startswith("_")]
    assert not private, f"{name}.__all__ exports private names: {private}"


SUBPACKAGES = [n for n in module_names() if n != "dl_lib" and is_package(n)]


@pytest.mark.parametrize("package", SUBPACKAGES)
def test_subpackages_reexport_every_public_name(package):
    pkg = importlib.import_module(package)
    for child in children(package):
        module = importlib.import_module(child)
        for name in module.__all__:
            assert name in pkg.__all__, f"{package}.__all__ lacks {name!r} from {child}"
            assert getattr(pkg, name) is getattr(module, name), f"{package}.{name} is not {child}.{name}"


def test_the_top_package_lists_its_modules():
    for child in children("dl_lib"):
        short = child.rsplit(".", 1)[1]
        module = importlib.import_module(child)
        assert short in dl_lib.__all__, f"dl_lib.__all__ lacks its module {short!r} (add it to dl_lib.MODULES)"
        # dl_lib.device and dl_lib.show are the functions of those modules' names.
        assert getattr(dl_lib, short) in (module, getattr(module, short, None)), f"dl_lib.{short} is not {child}"


def code_sources() -> dict[str, str]:
    """Every piece of code the rules cover: dl_lib and tests files, chapter and exercise code cells."""
    sources = {str(p.relative_to(ROOT)): p.read_text() for p in sorted(PACKAGE.rglob("*.py"))}
    for folder in ("dl_course", "tests", "benchmarks"):
        sources |= {str(p.relative_to(ROOT)): p.read_text() for p in sorted((ROOT / folder).rglob("*.py"))}
    for nb in sorted((ROOT / "chapters").glob("*.ipynb")) + sorted((ROOT / "exercises" / "source").glob("*/*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        code = [c["source"] if isinstance(c["source"], str) else "".join(c["source"]) for c in cells
                if c["cell_type"] == "code"]
        # IPython magics and shell escapes are not Python.
        lines = [ln for cell in code for ln in cell.splitlines() if not re.match(r"\s*[%!]", ln)]
        sources[str(nb.relative_to(ROOT))] = "\n".join(lines)
    return sources


OURS = {"dl_lib", "dl_course"}


def dl_lib_aliases(tree: ast.AST) -> dict[str, str]:
    """Local names bound to our modules: ``from dl_lib import data`` -> {"data": "dl_lib.data"}."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in OURS:
                    aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in OURS:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if importlib.util.find_spec(node.module) and _is_module(full):
                    aliases[alias.asname or alias.name] = full
    return aliases


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def private_crossings(source: str, path: str) -> list[str]:
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in {"dl_lib", "dl_course"}:
            found += [f"from {node.module} import {a.name}" for a in node.names if a.name.startswith("_")]
    aliases = dl_lib_aliases(tree)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name) and node.value.id in aliases):
            found.append(f"{node.value.id}.{node.attr}")
    return found


def test_no_private_name_crosses_a_file():
    problems = {path: hits for path, src in code_sources().items() if (hits := private_crossings(src, path))}
    assert not problems, f"private names used outside their own file: {problems}"


def test_the_private_name_check_catches_both_kinds():
    planted = "from dl_lib.nn.losses import _reduce\nfrom dl_lib import features\nfeatures._runs(1)\n"
    assert private_crossings(planted, "x.py") == ["from dl_lib.nn.losses import _reduce", "features._runs"]
    assert private_crossings("from dl_course import course\ncourse._report({})\n", "x.py") == ["course._report"]


def deep_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        for name in names:
            parts = name.split(".")
            if parts[0] == "dl_lib" and len(parts) >= 3:
                found.append(name)
    return found


def test_chapters_and_exercises_import_one_way():
    problems = {path: hits for path, src in code_sources().items()
                if Path(path).suffix == ".ipynb" and (hits := deep_imports(src))}
    assert not problems, f"import these from their subpackage (e.g. dl_lib.nn), not its modules: {problems}"

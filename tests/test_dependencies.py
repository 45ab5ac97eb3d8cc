"""dl_lib's base dependencies are exactly what dl_lib imports, and dl_lib never imports the course tooling.

Two checks, because one alone can pass by accident:

- every ``import`` statement in ``dl_lib`` (also those inside functions) names the standard library,
  ``dl_lib`` itself or a distribution listed in ``[project] dependencies``; and every listed
  distribution is imported somewhere (no dependency that nothing uses);
- every ``dl_lib`` module imports in a fresh interpreter in which only the standard library, the base
  dependencies and what they require themselves can be imported: anything else (pandas, optuna,
  nbformat, ``dl_course``...) raises ``ImportError`` exactly as in a bare environment.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap
from importlib import metadata

import pytest
import tomllib

from tests.conftest import ROOT

PACKAGE = ROOT / "dl_lib"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def base_requirements() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {canonical(re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0]) for req in project["dependencies"]}


def distribution_of() -> dict[str, set[str]]:
    """Top-level import name -> the distributions that provide it, from the installed metadata."""
    return {name: {canonical(d) for d in dists} for name, dists in metadata.packages_distributions().items()}


def optional_imports(tree: ast.AST) -> set[int]:
    """ids of import nodes inside ``try: ... except ImportError:`` (an optional dependency, handled)."""
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            isinstance(h.type, ast.Name) and h.type.id in {"ImportError", "ModuleNotFoundError"} for h in node.handlers
        ):
            for inner in node.body:
                guarded |= {id(n) for n in ast.walk(inner) if isinstance(n, (ast.Import, ast.ImportFrom))}
    return guarded


def imported_top_levels(source: str) -> set[str]:
    """Top-level names a module imports, leaving out optional imports guarded by ``except ImportError``."""
    names = set()
    tree = ast.parse(source)
    optional = optional_imports(tree)
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def undeclared(names: set[str], allowed: set[str], provider: dict[str, set[str]]) -> set[str]:
    """The imported names that are neither the standard library, dl_lib, nor a declared distribution."""
    bad = set()
    for name in names:
        if name in sys.stdlib_module_names or name in {"dl_lib", "__future__"}:
            continue
        if not provider.get(name, set()) & allowed:
            bad.add(name)
    return bad


def test_every_dl_lib_import_is_declared_and_every_declaration_is_used():
    allowed, provider = base_requirements(), distribution_of()
    used, problems = set(), {}
    for path in sorted(PACKAGE.rglob("*.py")):
        names = imported_top_levels(path.read_text())
        bad = undeclared(names, allowed, provider)
        if bad:
            problems[str(path.relative_to(ROOT))] = sorted(bad)
        for name in names:
            used |= provider.get(name, set())
    assert not problems, f"dl_lib imports what pyproject.toml's base dependencies do not declare: {problems}"
    assert allowed <= used, f"base dependencies that no dl_lib module imports: {sorted(allowed - used)}"


def test_the_static_check_catches_an_undeclared_import():
    """The check above is only worth something if it fails on a module that imports too much."""
    provider = distribution_of()
    allowed = base_requirements()
    planted = (
        "import numpy\n\ndef f():\n    import pandas\n    from nbformat import v4\n"
        "try:\n    import optuna\nexcept ImportError:\n    optuna = None\n"
    )
    assert undeclared(imported_top_levels(planted), allowed, provider) == {"pandas", "nbformat"}
    assert undeclared(imported_top_levels("import os, torch\nfrom dl_lib import data\n"), allowed, provider) == set()


def requirement_closure(roots: set[str]) -> set[str]:
    """The distributions the roots need, transitively, without extras (what ``pip install`` brings)."""
    from packaging.requirements import Requirement

    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonical(req.name))
    return seen


BARE_IMPORTER = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    allowed_modules = set(json.loads(sys.argv[1]))
    planted = sys.argv[2]

    class Bare:
        # Refuse any top-level module a bare environment would not have.
        def find_spec(self, name, path=None, target=None):
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top in allowed_modules or top in {"dl_lib", "__future__"}:
                return None
            raise ModuleNotFoundError(f"No module named {name!r} (not a base dependency)", name=name)

    sys.meta_path.insert(0, Bare())
    import dl_lib
    failures = {}
    modules = [m.name for m in pkgutil.walk_packages(dl_lib.__path__, "dl_lib.")]
    for name in modules + ([planted] if planted else []):
        try:
            importlib.import_module(name)
        except Exception as error:
            failures[name] = f"{type(error).__name__}: {error}"
    print(json.dumps({"modules": modules, "failures": failures}))
    """
)


def bare_import(planted: str = "") -> dict:
    provider = distribution_of()
    closure = requirement_closure(base_requirements())
    allowed_modules = sorted(name for name, dists in provider.items() if dists & closure)
    done = subprocess.run(
        [sys.executable, "-c", BARE_IMPORTER, json.dumps(allowed_modules), planted],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def bare():
    return bare_import(planted="pandas")


def test_every_dl_lib_module_imports_with_only_the_base_dependencies(bare):
    assert len(bare["modules"]) >= 30, bare["modules"]
    failures = {k: v for k, v in bare["failures"].items() if k != "pandas"}
    assert not failures, f"these dl_lib modules need more than the base dependencies: {failures}"


def test_the_bare_environment_refuses_what_is_not_declared(bare):
    assert "not a base dependency" in bare["failures"].get("pandas", ""), bare["failures"]


def test_dl_lib_never_imports_the_course_package():
    offenders = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
                 if "dl_course" in imported_top_levels(p.read_text())]
    assert not offenders, f"dl_lib must not import dl_course: {offenders}"

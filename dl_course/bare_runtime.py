"""A bare notebook runtime, as Colab's is to this book: the set-up cell must make it enough.

:func:`create` makes a fresh virtual environment holding only ``torch`` (the version of this
interpreter's, from the same package index), ``ipykernel`` and what they need, with
``google.colab`` simulated: a stub package that a ``.pth`` file imports at start-up, so that the
set-up cell finds ``"google.colab" in sys.modules`` as it does on Colab. The set-up cell's
install source is pointed at the local checkout with ``DL_LIB_SOURCE``
(:data:`dl_course.colab.SOURCE_VARIABLE`).

Two checks use it:

- ``tests/test_bare_runtime.py`` (``make test``): the set-up cell installs into the runtime,
  every module any chapter imports is importable there, and ``torch`` is the one that was there.
- ``python -m dl_course.bare_runtime`` (``make test-colab``): every chapter executes in it.

A chapter that imports a package the ``chapters`` extra does not declare fails both.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from dl_course.buildbook import REPO_ROOT
from dl_course.colab import SETUP_CELL, SOURCE_VARIABLE

__all__ = ["KERNEL_NAME", "chapter_imports", "create", "environment", "execute_chapter", "main",
           "python_of", "run_setup_cell", "torch_fingerprint", "unimportable"]

KERNEL_NAME = "dl-bare-runtime"


def python_of(env: Path) -> Path:
    return Path(env) / "bin" / "python"


def environment(env: Path, root: Path = REPO_ROOT, source: str | None = None) -> dict[str, str]:
    """The process environment of the bare runtime: the set-up cell installs from ``root``
    (or from ``source``, e.g. the ``file://`` address of a wheel built from it)."""
    variables = {k: v for k, v in os.environ.items()
                 if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "MPLBACKEND"}}
    variables[SOURCE_VARIABLE] = source or Path(root).resolve().as_uri()
    variables["JUPYTER_PATH"] = str(Path(env) / "share" / "jupyter")
    variables["PATH"] = f"{Path(env) / 'bin'}{os.pathsep}{variables.get('PATH', '')}"
    return variables


def _site_packages(env: Path) -> Path:
    out = subprocess.run([str(python_of(env)), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def create(env: Path, torch_version: str | None = None) -> Path:
    """Make the bare runtime in ``env`` (no system site-packages) and return its python."""
    if torch_version is None:
        import torch

        torch_version = torch.__version__.split("+")[0]
    env = Path(env)
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    subprocess.run([str(python_of(env)), "-m", "pip", "install", "-q", f"torch=={torch_version}",
                    "ipykernel"], check=True)
    site = _site_packages(env)
    (site / "google" / "colab").mkdir(parents=True, exist_ok=True)
    (site / "google" / "colab" / "__init__.py").write_text(
        '"""A stand-in for Colab\'s own package: its presence is how the set-up cell knows."""\n')
    (site / "dl_bare_runtime_colab.pth").write_text("import google.colab\n")
    subprocess.run([str(python_of(env)), "-m", "ipykernel", "install", "--prefix", str(env),
                    "--name", KERNEL_NAME, "--display-name", "bare runtime"], check=True,
                   capture_output=True)
    return python_of(env)


def torch_fingerprint(env: Path) -> dict[str, str]:
    """Where torch lives, its version and a hash of its RECORD: any reinstall changes it."""
    code = ("import importlib.metadata as m, torch, hashlib, json; d = m.distribution('torch');"
            "print(json.dumps({'version': torch.__version__, 'file': torch.__file__,"
            "'record': hashlib.sha256((d.read_text('RECORD') or '').encode()).hexdigest()}))")
    out = subprocess.run([str(python_of(env)), "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def run_setup_cell(env: Path, root: Path = REPO_ROOT, source: str | None = None) -> subprocess.CompletedProcess:
    """Run the chapters' set-up cell in the bare runtime, as a chapter's second cell runs it."""
    return subprocess.run([str(python_of(env)), "-c", SETUP_CELL], env=environment(env, root, source),
                          capture_output=True, text=True, cwd=str(Path(root) / "chapters"))


def chapter_imports(chapters: list[Path]) -> dict[str, list[str]]:
    """Every module the chapters' code cells import (dotted names), with the chapters importing it."""
    found: dict[str, list[str]] = {}
    for chapter in chapters:
        notebook = nbformat.read(chapter, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            source = "\n".join(line for line in cell.source.splitlines()
                               if not line.lstrip().startswith(("%", "!")))
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:  # the full dotted name: a submodule may need more
                    found.setdefault(name, [])
                    if chapter.stem not in found[name]:
                        found[name].append(chapter.stem)
    return found


def unimportable(env: Path, modules: list[str]) -> dict[str, str]:
    """The modules the bare runtime cannot import, with the error each raised."""
    code = ("import importlib, json, sys\nfailed = {}\nfor name in sys.argv[1:]:\n"
            "    try:\n        importlib.import_module(name)\n"
            "    except Exception as error:\n        failed[name] = f'{type(error).__name__}: {error}'\n"
            "print(json.dumps(failed))")
    out = subprocess.run([str(python_of(env)), "-c", code, *modules], capture_output=True, text=True,
                         env={**environment(env), "MPLBACKEND": "Agg"}, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def execute_chapter(env: Path, chapter: Path, timeout: int = 600, source: str | None = None) -> float:
    """Execute ``chapter`` on the bare runtime's kernel; returns the seconds it took."""
    from nbclient import NotebookClient

    notebook = nbformat.read(chapter, as_version=4)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(environment(env, source=source))
    try:
        start = time.perf_counter()
        NotebookClient(notebook, timeout=timeout, kernel_name=KERNEL_NAME,
                       resources={"metadata": {"path": str(chapter.parent)}}).execute()
        return time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Execute every chapter on a bare runtime.")
    parser.add_argument("--env", type=Path, default=REPO_ROOT / "_build" / "bare-runtime",
                        help="where to create the runtime (removed first if it exists)")
    parser.add_argument("chapters", nargs="*", type=Path,
                        default=sorted((REPO_ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")))
    args = parser.parse_args(argv)
    import shutil

    shutil.rmtree(args.env, ignore_errors=True)
    create(args.env)
    before = torch_fingerprint(args.env)
    # Every chapter's set-up cell installs again, as on Colab; from a wheel built once, pip
    # does not rebuild the checkout 23 times.
    wheels = args.env / "wheel"
    subprocess.run([str(python_of(args.env)), "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels),
                    str(REPO_ROOT)], check=True)
    source = next(wheels.glob("dl_lib-*.whl")).resolve().as_uri()
    done = run_setup_cell(args.env, source=source)
    if done.returncode != 0:
        print(done.stdout + done.stderr, file=sys.stderr)
        return 1
    failed = []
    for chapter in args.chapters:
        try:
            seconds = execute_chapter(args.env, chapter.resolve(), source=source)
            print(f"{chapter.name}: executed in {seconds:.0f} s", flush=True)
        except Exception as error:  # noqa: BLE001 (report every chapter, then fail)
            failed.append(chapter.name)
            print(f"{chapter.name}: FAILED: {type(error).__name__}: {str(error)[-2000:]}", flush=True)
    after = torch_fingerprint(args.env)
    if after != before:
        print(f"the set-up cell or a chapter replaced torch: {before} -> {after}", file=sys.stderr)
        return 1
    if failed:
        print(f"{len(failed)} chapters failed on the bare runtime: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"every chapter executed on the bare runtime; torch {after['version']} untouched")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Build the book strictly, executing every notebook afresh (what the tests and the benchmark run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

__all__ = ["REPO_ROOT", "strict_build"]

REPO_ROOT = Path(__file__).resolve().parents[1]


def strict_build(output_dir: Path, root: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    """Run ``jupyter-book build`` with ``-W -n --keep-going`` and ``execute_notebooks: force``.

    The configuration is ``_config.yml`` with only the execution mode changed, written
    next to the output, so the authors' cache is never used and never touched.
    Returns the finished process; the HTML lands in ``output_dir/_build/html``.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((root / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "force"
    config_file = output_dir / "_config.yml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    return subprocess.run(
        [str(jupyter_book), "build", str(root), "--config", str(config_file),
         "--path-output", str(output_dir), "-W", "-n", "--keep-going"],
        capture_output=True, text=True,
    )

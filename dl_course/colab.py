"""The set-up cell every chapter starts with, and the links to Colab.

On Colab the cell installs ``dl_lib`` with its ``chapters`` extra (what the chapters import
beside it: statsmodels, transformers, captum, ...) from this book's repository, keeping the
``torch`` that Colab already has; everywhere else ``dl_lib`` is already installed
(``make book``, ``make lab``) and the cell only picks the device and the seed.
"""

from __future__ import annotations

__all__ = ["BRANCH", "REPOSITORY", "SETUP_CELL", "badge", "colab_url", "install_command"]

REPOSITORY = "dl-by-doing/deep-learning-by-doing"
BRANCH = "main"

SETUP_CELL = """\
# Set-up: on Colab, install this book's library (Colab's torch is kept); everywhere, pick the device and seed.
import sys
if "google.colab" in sys.modules:
    import subprocess, torch
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"torch=={torch.__version__}",
                    "dl-lib[chapters] @ git+https://github.com/dl-by-doing/deep-learning-by-doing"], check=True)
import dl_lib
DEVICE = dl_lib.setup(seed=0)"""


def install_command(python: str, torch_version: str, repository: str = REPOSITORY) -> list[str]:
    r"""The pip command the set-up cell runs on Colab.

    Pinning ``torch`` to the version already installed means pip never replaces
    Colab's CUDA build of PyTorch while it installs ``dl_lib``'s other needs.
    """
    if not torch_version:
        raise ValueError("install_command needs the installed torch version, got an empty string")
    return [
        python, "-m", "pip", "install", "-q", f"torch=={torch_version}",
        f"dl-lib[chapters] @ git+https://github.com/{repository}",
    ]


def colab_url(path: str, repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    """The address that opens a notebook of this repository (``chapters/03_neurons.ipynb``) in Colab."""
    if not path.endswith(".ipynb"):
        raise ValueError(f"colab_url expects the path of a .ipynb file, got {path!r}")
    return f"https://colab.research.google.com/github/{repository}/blob/{branch}/{path.lstrip('/')}"


def badge(path: str) -> str:
    """The Markdown "Open in Colab" badge for a notebook of this repository."""
    return (
        "[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
        f"({colab_url(path)})"
    )

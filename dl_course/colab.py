"""The set-up cell every chapter starts with, and the links to Colab.

On Colab the cell installs ``dl_lib`` with its ``chapters`` extra (what the chapters import
beside it: statsmodels, transformers, captum, ...) from this book's repository, keeping the
``torch`` that Colab already has; everywhere else ``dl_lib`` is already installed
(``make book``, ``make lab``) and the cell only picks the device and the seed.
"""

from __future__ import annotations

__all__ = ["BRANCH", "READERS_BRANCH", "REPOSITORY", "SETUP_CELL", "SOURCE_VARIABLE", "badge", "colab_url",
           "exercise_links", "github_url", "install_command"]

REPOSITORY = "dl-by-doing/deep-learning-by-doing"
BRANCH = "main"
# The branch that holds the readers' edition (dl_course.readers; README "The readers' edition"):
# the chapters with the build's numbers in their prose, at the same paths. Chapter badges open it.
READERS_BRANCH = "readers"

# The environment variable that points the set-up cell at another install source than this
# repository on GitHub: a local checkout (``file:///path/to/checkout``) or a fork's address.
SOURCE_VARIABLE = "DL_LIB_SOURCE"

SETUP_CELL = f"""\
# Set-up. On Colab: install this book's library, keeping Colab's torch.
# Everywhere: pick the device (a GPU when there is one) and seed the generators.
import os, sys
if "google.colab" in sys.modules:
    import subprocess, torch
    url = "git+https://github.com/{REPOSITORY}"
    src = os.environ.get("{SOURCE_VARIABLE}", url)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    f"torch=={{torch.__version__}}", f"dl-lib[chapters] @ {{src}}"],
                   check=True)
import dl_lib
DEVICE = dl_lib.setup(seed=0)"""


def install_command(python: str, torch_version: str, repository: str = REPOSITORY,
                    source: str | None = None) -> list[str]:
    r"""The pip command the set-up cell runs on Colab.

    Pinning ``torch`` to the version already installed means pip never replaces
    Colab's CUDA build of PyTorch while it installs ``dl_lib``'s other needs. ``source``
    (what ``DL_LIB_SOURCE`` holds) replaces the repository's address.
    """
    if not torch_version:
        raise ValueError("install_command needs the installed torch version, got an empty string")
    source = source or f"git+https://github.com/{repository}"
    return [
        python, "-m", "pip", "install", "-q", f"torch=={torch_version}",
        f"dl-lib[chapters] @ {source}",
    ]


def colab_url(path: str, repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    """The address that opens a notebook of this repository (``chapters/03_neurons.ipynb``) in Colab."""
    if not path.endswith(".ipynb"):
        raise ValueError(f"colab_url expects the path of a .ipynb file, got {path!r}")
    return f"https://colab.research.google.com/github/{repository}/blob/{branch}/{path.lstrip('/')}"


def badge(path: str) -> str:
    """The Markdown "Open in Colab" badge for a notebook of this repository.

    A chapter's badge opens its readers' edition (branch :data:`READERS_BRANCH`), where the
    prose shows the computed numbers instead of the book's MyST roles.
    """
    branch = READERS_BRANCH if path.lstrip("/").startswith("chapters/") else BRANCH
    return (
        "[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
        f"({colab_url(path, branch=branch)})"
    )


def github_url(path: str, repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    """The address of a file of this repository on GitHub (``exercises/release/...``)."""
    return f"https://github.com/{repository}/blob/{branch}/{path.lstrip('/')}"


def exercise_links(assignment: str) -> str:
    """The one block every chapter uses to send students to its exercise and say how to check it.

    A chapter's exercise section is a few sentences of its own on what the exercise asks,
    then this block, verbatim (``tests/test_notebooks.py`` checks it).
    """
    if not assignment or "/" in assignment:
        raise ValueError(f"exercise_links expects an assignment name such as '03_neurons', got {assignment!r}")
    path = f"exercises/release/{assignment}/{assignment}.ipynb"
    return (
        f"**The exercise:** [open it in Colab]({colab_url(path)}) or "
        f"[read it on GitHub]({github_url(path)}); in a course, your instructor hands it out.\n\n"
        "**Checking your work:** each answer cell is followed by a test cell. Run it: silence means\n"
        "the visible checks pass, and an `AssertionError` says what is likely wrong. The grader\n"
        "also runs hidden tests on inputs you have not seen, so passing the visible ones is not yet\n"
        "full marks. Before you hand in, restart the kernel and run all cells."
    )

# The front door. `make book` and `make test` are the two commands a newcomer needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
JOBS   ?= auto
# Extra options for pip, e.g. the PyTorch CPU wheels on a Linux machine without a GPU (see README):
#   make PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu --extra-index-url https://pypi.org/simple" test
PIP_ARGS ?=

.PHONY: help book readers test test-colab test-fast lab bench bench-grading exercises api constraints clean check-python

help:
	@echo "make book        build the executed HTML book into _build/html"
	@echo "make readers     write the readers' edition (the build's numbers in the prose) to _build/readers"
	@echo "make test        run the whole test suite, strict book build included"
	@echo "make test-colab  execute every chapter on a bare runtime after the Colab set-up cell (slow)"
	@echo "make test-fast   the test suite without the slow book build and autograding"
	@echo "make lab         open JupyterLab on the readers' edition of the chapters and the exercises"
	@echo "make bench       time every chapter, the whole build and class-scale grading (benchmarks/)"
	@echo "make exercises   regenerate exercises/release from exercises/source with nbgrader"
	@echo "make api         regenerate the dl_lib subpackages' re-exports from their modules' __all__"

check-python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
	  echo "error: '$(PYTHON)' was not found. Install Python 3.10 or newer, or run 'make PYTHON=/path/to/python3 ...'." >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || { \
	  echo "error: $$($(PYTHON) --version 2>&1) is too old; this book needs Python 3.10 or newer. Run 'make PYTHON=/path/to/python3.11 ...'." >&2; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
	  echo "error: $(PYTHON) cannot create virtual environments (on Debian/Ubuntu: apt install python3-venv)." >&2; exit 1; }

# Installs only when pyproject.toml or constraints.txt changed, so later builds need no network.
$(STAMP): pyproject.toml constraints.txt | check-python
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --quiet --upgrade "pip>=23.1"
	$(PY) -m pip install --quiet --quiet $(PIP_ARGS) -c constraints.txt -e ".[dev]"
	@touch $@

book: $(STAMP)
	$(VENV)/bin/jupyter-book build . --keep-going
	@echo
	@echo "The book is built. Open: file://$(CURDIR)/_build/html/index.html"

# The chapters with the build's numbers and author-year references in place of the MyST roles,
# for Colab and JupyterLab (dl_course/readers.py; README "The readers' edition").
readers: book
	$(PY) -m dl_course.readers _build/jupyter_execute _build/readers

test: $(STAMP)
	$(PY) -m pytest -n $(JOBS) --dist loadgroup --durations=15

# Every chapter on a fresh environment holding only torch and ipykernel, google.colab simulated,
# dl_lib installed by the set-up cell from this checkout (dl_course/bare_runtime.py).
test-colab: $(STAMP)
	$(PY) -m dl_course.bare_runtime

test-fast: $(STAMP)
	$(PY) -m pytest -n $(JOBS) --dist loadgroup -m "not slow"

lab: readers
	$(VENV)/bin/jupyter lab --notebook-dir=$(CURDIR) _build/readers/chapters exercises

bench: $(STAMP)
	$(PY) benchmarks/run.py
	$(PY) benchmarks/grading.py

bench-grading: $(STAMP)
	$(PY) benchmarks/grading.py

exercises: $(STAMP)
	$(PY) -m dl_course release

api: $(STAMP)
	$(PY) -m dl_course.api

constraints: $(STAMP)
	$(PY) -m pip freeze --exclude-editable | sed -E 's/^(torch==[0-9.]+)\+cpu/\1/' \
	  | { echo "# The exact versions the book is built and tested with (pip install -c constraints.txt)."; \
	      echo "# Regenerate after changing pyproject.toml: make constraints"; cat; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean:
	rm -rf _build .pytest_cache

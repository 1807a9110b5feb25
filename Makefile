# The two commands of a fresh clone (Python 3.10 or later; offline, set MNIST_PATH, see README):
#
#   make book   the book in _build/html: creates .venv, installs CPU PyTorch and the
#               requirements, executes the pages that changed, builds with warnings as errors
#   make test   what the tests need (Chromium, MathJax), the book and the PDF where missing or
#               stale, then every test
#
# Smaller steps: `make unit` (the package's unit tests, no build, seconds), `make pdf`,
# `make clean` (the build and its caches). CI (.ci/run and .github/workflows) runs the same.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# CPU PyTorch first: a bare `torch` requirement would pull a CUDA build of several GB
TORCH ?= torch==2.13.0
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
MATHJAX ?= $(or $(NNBOOK_MATHJAX),.cache/mathjax/node_modules/mathjax)
PDF := _build/pdf/neural-networks.pdf
# What the PDF shows: the pages, their outputs (fingerprints change when nnbook does), styles
PDF_SOURCES := $(wildcard intro.md chapters/*.md _config.yml _toc.yml references.bib \
	_static/* _ext/*.py tools/pdf.py tools/browser.py tools/print/*) \
	$(wildcard _build/.jupyter_cache/fingerprints.json)

export NNBOOK_MATHJAX := $(abspath $(MATHJAX))
ifdef MNIST_PATH
export MNIST_PATH := $(abspath $(MNIST_PATH))
endif

.PHONY: book test unit pdf browser clean

book: $(BIN)/.installed
	$(BIN)/python tools/build.py -W -n --keep-going

test: book $(PDF) browser
	$(BIN)/python -m pytest

unit: $(BIN)/.installed
	$(BIN)/python -m pytest -m unit

pdf: $(PDF)

$(PDF): $(PDF_SOURCES) | book browser
	$(BIN)/python tools/pdf.py

$(BIN)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH) --index-url $(TORCH_INDEX)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# Headless Chromium (the browser tests and the PDF) and MathJax (the pages load it from a CDN,
# which the tests replace with this copy): found, installed, or named in one line.
browser: $(BIN)/.installed $(MATHJAX)/es5/tex-mml-chtml.js
	@$(BIN)/python tools/browser.py --install

$(MATHJAX)/es5/tex-mml-chtml.js:
	@command -v npm >/dev/null || { echo "MathJax is missing: install npm (Debian: apt-get install npm) and run make test again, or set NNBOOK_MATHJAX to a MathJax 3 folder."; exit 1; }
	npm install --silent --no-save --no-audit --no-fund --prefix .cache/mathjax mathjax@3

clean:
	rm -rf _build

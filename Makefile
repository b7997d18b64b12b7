# BankFlow: `make run` starts the whole platform, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUNTIME := $(VENV)/.installed-runtime
STAMP_DEV     := $(VENV)/.installed-dev
# checkov gets a virtualenv of its own: its dependencies conflict with the project's pins.
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV    := .venv-tools/checkov
STAMP_CHECKOV   := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)

.PHONY: install install-dev install-tools run test lint typecheck bench down status clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "BankFlow needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(STAMP_DEV): pyproject.toml $(STAMP_RUNTIME)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP_RUNTIME)

install-dev: $(STAMP_DEV)

# The stamp names the version: a new pin rebuilds the virtualenv from scratch.
$(STAMP_CHECKOV):
	rm -rf $(CHECKOV_VENV)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet checkov==$(CHECKOV_VERSION)
	@touch $@

install-tools: $(STAMP_CHECKOV)

run: install
	$(BIN)/bankflow up --foreground --demo

down: install
	$(BIN)/bankflow down

status: install
	$(BIN)/bankflow status

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/bandit -q -c pyproject.toml -r actors deployments models pipelines cluster

typecheck: install-dev
	$(BIN)/mypy actors deployments models pipelines cluster bench

test: lint typecheck install-tools
	BANKFLOW_CHECKOV=$(CHECKOV_VENV)/bin/checkov $(BIN)/python -m pytest

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .venv-tools .bankflow .pytest_cache .mypy_cache .ruff_cache

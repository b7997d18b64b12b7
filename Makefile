# BankFlow: `make run` starts the whole platform, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUNTIME := $(VENV)/.installed-runtime
STAMP_DEV     := $(VENV)/.installed-dev

.PHONY: install install-dev run test lint typecheck bench down status clean

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

test: lint typecheck
	$(BIN)/python -m pytest

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .bankflow .pytest_cache .mypy_cache .ruff_cache

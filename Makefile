# licensing.windows — the two commands a newcomer needs are `make demo` and `make test`.
# Each creates (or reuses) the project's own virtual environment in .venv.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
BUILD := $(CURDIR)/build
# ansible-playbook finds the collection through this symlink tree, so it always runs the
# working tree and never a stale copy in ~/.ansible/collections.
COLLECTIONS := $(BUILD)/collections
# ansible-test needs a real (copied) ansible_collections/licensing/windows tree.
STAGE := $(BUILD)/stage
STAGED := $(STAGE)/ansible_collections/licensing/windows
ANSIBLE_TEST_HOME := $(BUILD)/ansible-test-home
PIP := $(BIN)/python -m pip install --disable-pip-version-check --quiet

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PATH := $(BIN):$(PATH)

.PHONY: help demo test venv tools-venv collections test-unit test-simulator test-integration test-system \
        sanity units lint changelog-lint docs-lint molecule build bench bench-ci system-deps stage clean

help:
	@echo "make demo   run the demo audit against a simulated fleet; reports land in reports/"
	@echo "make test   run the full test suite (unit, simulator, integration, sanity, lint, docs, molecule, build)"
	@echo "make bench  run the benchmark (see docs/performance.md)"

# --- environments -------------------------------------------------------------------

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt tests/simulator/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) -r requirements-dev.txt
	$(PIP) -e tests/simulator
	touch $@

$(VENV)/.tools-installed: $(VENV)/.dev-installed requirements-tools.txt
	$(PIP) -r requirements-tools.txt
	touch $@

venv: $(VENV)/.dev-installed
tools-venv: $(VENV)/.tools-installed

collections:
	mkdir -p $(COLLECTIONS)/ansible_collections/licensing
	ln -sfn $(CURDIR) $(COLLECTIONS)/ansible_collections/licensing/windows

# --- the demo -----------------------------------------------------------------------

demo: venv collections
	tools/demo.sh

# --- tests --------------------------------------------------------------------------

test: tools-venv collections system-deps
	$(MAKE) --no-print-directory test-unit test-simulator test-integration test-system sanity units lint \
	    changelog-lint docs-lint molecule bench-ci
	@echo "make test: all stages passed"

# Debian's chromium renders the HTML report in a test; installed when we are root with apt.
system-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	        echo "installing chromium (Debian package) for the HTML report test"; \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	    else \
	        echo "chromium not found and cannot be installed here: the browser test will fail" >&2; \
	    fi; \
	fi

test-unit: venv collections
	$(BIN)/python -m pytest -q tests/unit

test-simulator: venv collections
	$(BIN)/python -m pytest -q tests/simulator/tests

test-integration: venv collections
	tools/run_integration.sh

test-system: venv collections
	$(BIN)/python -m pytest -q tests/system

stage: venv
	$(BIN)/python tools/stage_collection.py $(STAGE)

# ansible-test downloads get-pip.py from a host this machine cannot reach; give it a stand-in.
$(ANSIBLE_TEST_HOME)/.ansible/test/cache/get_pip_24_2.py: tools/get_pip_standin.py
	mkdir -p $(dir $@)
	cp $< $@

sanity: tools-venv stage $(ANSIBLE_TEST_HOME)/.ansible/test/cache/get_pip_24_2.py
	cd $(STAGED) && HOME=$(ANSIBLE_TEST_HOME) $(BIN)/ansible-test sanity --venv --python 3.11 --color no

units: tools-venv stage $(ANSIBLE_TEST_HOME)/.ansible/test/cache/get_pip_24_2.py
	cd $(STAGED) && HOME=$(ANSIBLE_TEST_HOME) $(BIN)/ansible-test units --venv --python 3.11 --color no

lint: tools-venv collections
	$(BIN)/ansible-lint --offline --profile production

changelog-lint: tools-venv
	$(BIN)/antsibull-changelog lint

docs-lint: tools-venv stage
	cd $(STAGED) && $(BIN)/antsibull-docs lint-collection-docs --plugin-docs .

molecule: tools-venv collections
	cd extensions && $(BIN)/molecule test

build: venv
	mkdir -p $(BUILD)/dist
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD)/dist

bench: venv collections
	$(BIN)/python tools/benchmark.py

bench-ci: venv collections
	$(BIN)/python tools/benchmark.py --sizes 100 --forks 10 --repeat 1 --output $(BUILD)/bench-ci

clean:
	rm -rf $(BUILD) reports results .pytest_cache

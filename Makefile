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
# ansible-test needs a real (copied) ansible_collections/licensing/windows tree. `make stage` makes
# one in build/stage; sanity, units and docs-lint each stage their own copy (build/stage-<target>),
# because staging replaces the whole tree and would pull it from under a run of another target.
STAGE := $(BUILD)/stage
STAGED := $(STAGE)/ansible_collections/licensing/windows
staged_copy = $(BUILD)/stage-$(1)/ansible_collections/licensing/windows
# HOME of ansible-test: its per-test virtual environments and pip cache persist here between runs.
ANSIBLE_TEST_HOME := $(BUILD)/ansible-test-home
PIP := $(BIN)/python -m pip install --disable-pip-version-check --quiet

# --- adapting to the machine --------------------------------------------------------
# The two places where `make test` adapts to the machine it runs on; nothing else does.
#
# SYSTEM_PACKAGES=auto|no: the Debian packages the tests need (Chromium for the HTML report,
# promtool and node_exporter for the metrics, OpenSSH's client and MIT Kerberos for the
# connection tests, shellcheck for sanity) are installed when missing
# if this runs as root with apt-get, as on a fresh CI machine; `no` only lists what is missing.
SYSTEM_PACKAGES ?= auto
export SYSTEM_PACKAGES
# command:Debian package:what needs it
DEBIAN_PACKAGES := chromium:chromium:the-HTML-report-test \
                   shellcheck:shellcheck:the-shellcheck-sanity-test \
                   promtool:prometheus:the-Prometheus-textfile-test \
                   prometheus-node-exporter:prometheus-node-exporter:the-Prometheus-textfile-test \
                   ssh:openssh-client:the-ssh-connection-tests \
                   krb5kdc:krb5-kdc:the-Kerberos-tests \
                   kadmin.local:krb5-admin-server:the-Kerberos-tests \
                   kinit:krb5-user:the-Kerberos-tests \
                   krb5-config:libkrb5-dev:building-the-Kerberos-clients
#
# ANSIBLE_TEST_GET_PIP=standin|download: ansible-test bootstraps pip in its virtual environments
# with get-pip.py from bootstrap.pypa.io (ansible/ansible#77304), which a machine that reaches
# only package registries cannot fetch. `standin` (the default) puts tools/get_pip_standin.py in
# ansible-test's cache under the name it looks for (ansible_test/_internal/python_requirements.py:
# get_pip_<version>.py, pip 24.2 in ansible-core 2.19); it installs pip from the package index
# instead. `download` leaves ansible-test to fetch the real one.
ANSIBLE_TEST_GET_PIP ?= standin
GET_PIP_STANDIN := $(ANSIBLE_TEST_HOME)/.ansible/test/cache/get_pip_24_2.py
get_pip := $(if $(filter standin,$(ANSIBLE_TEST_GET_PIP)),$(GET_PIP_STANDIN))

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PATH := $(BIN):$(PATH)

.PHONY: help demo test venv tools-venv collections test-unit test-simulator test-integration test-system \
        sanity units lint changelog-lint docs-lint molecule build bench bench-ci system-deps shellcheck stage clean

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

# After system-deps: the Kerberos clients in requirements-tools.txt build against libkrb5-dev.
$(VENV)/.tools-installed: $(VENV)/.dev-installed requirements-tools.txt | system-deps
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

# The Debian packages of DEBIAN_PACKAGES (see "adapting to the machine" above).
system-deps:
	@tools/system_packages.sh $(DEBIAN_PACKAGES)

# ansible-test sanity runs its shellcheck test only when the program is installed.
shellcheck:
	@tools/system_packages.sh shellcheck:shellcheck:the-shellcheck-sanity-test

test-unit: venv collections
	$(BIN)/python -m pytest -q tests/unit

test-simulator: tools-venv collections
	$(BIN)/python -m pytest -q tests/simulator/tests

test-integration: venv collections
	tools/run_integration.sh

# tools-venv: tests/system/test_execution_environment.py runs ansible-builder (requirements-tools.txt).
test-system: tools-venv collections
	$(BIN)/python -m pytest -q tests/system

stage: venv
	$(BIN)/python tools/stage_collection.py $(STAGE)

$(GET_PIP_STANDIN): tools/get_pip_standin.py
	mkdir -p $(dir $@)
	cp $< $@

# No tests/sanity/ignore-*.txt: every sanity test that can run here must pass as is.
sanity: tools-venv shellcheck $(get_pip)
	$(BIN)/python tools/stage_collection.py $(BUILD)/stage-sanity
	cd $(call staged_copy,sanity) && HOME=$(ANSIBLE_TEST_HOME) $(BIN)/ansible-test sanity --venv --python 3.11 --color no

units: tools-venv $(get_pip)
	$(BIN)/python tools/stage_collection.py $(BUILD)/stage-units
	cd $(call staged_copy,units) && HOME=$(ANSIBLE_TEST_HOME) $(BIN)/ansible-test units --venv --python 3.11 --color no

lint: tools-venv collections
	$(BIN)/ansible-lint --offline --profile production

changelog-lint: tools-venv
	$(BIN)/antsibull-changelog lint

# The collection's docs as antsibull-docs validates them, then every plugin and role page as
# ansible-doc renders it: any warning ansible-doc prints fails the target.
DOC_PAGES := module:licensing.windows.license_facts module:licensing.windows.license_report \
             filter:licensing.windows.license_verdicts filter:licensing.windows.license_policy \
             role:licensing.windows.license_audit inventory:licensing.windows.audit_report
docs-lint: tools-venv
	$(BIN)/python tools/stage_collection.py $(BUILD)/stage-docs
	cd $(call staged_copy,docs) && $(BIN)/antsibull-docs lint-collection-docs --plugin-docs .
	@for page in $(DOC_PAGES); do \
	    warnings=$$(ANSIBLE_COLLECTIONS_PATH=$(BUILD)/stage-docs $(BIN)/ansible-doc -t $${page%%:*} $${page#*:} 2>&1 >/dev/null); \
	    if [ -n "$$warnings" ]; then echo "ansible-doc -t $${page%%:*} $${page#*:}:"; echo "$$warnings"; exit 1; fi; \
	done; echo "ansible-doc renders $(words $(DOC_PAGES)) pages without warnings"

molecule: tools-venv collections
	cd extensions && $(BIN)/molecule test

build: venv
	mkdir -p $(BUILD)/dist
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD)/dist

bench: venv collections
	$(BIN)/python benchmarks/benchmark.py

bench-ci: venv collections
	$(BIN)/python benchmarks/benchmark.py --sizes 100 --forks 10 --repeat 1 --output $(BUILD)/bench-ci

clean:
	rm -rf $(BUILD) reports results .pytest_cache

# glucolake: a Kubernetes-native lakehouse for CGM data from Nightscout.
# `make help` lists the targets. `make demo` and `make test` are the two commands a newcomer needs.

# Python interpreter used to bootstrap uv and create the venv (the project targets 3.11 only).
PYTHON ?= python3.11
# Where pinned tools are installed (uv, later helm and friends), kubebuilder style.
LOCALBIN ?= $(CURDIR)/bin
# Where the one-machine lake, warehouse and lineage file live for `make demo`.
GLUCOLAKE_HOME ?= $(CURDIR)/.glucolake
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-k ingest -x"`.
PYTEST_ARGS ?=

# Setting SHELL to bash allows bash commands to be executed by recipes.
# Options are set to exit when a recipe line exits non-zero or a piped command fails.
SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

## Tool Versions
UV_VERSION ?= 0.13.9
# Debian's Postgres server, which the tests start themselves (initdb in a temporary folder).
POSTGRES_PACKAGE ?= postgresql-15

## Tool Binaries
UV ?= $(LOCALBIN)/uv-$(UV_VERSION)/bin/uv
VENV := $(CURDIR)/.venv
RUN := $(UV) run --frozen --no-sync

.PHONY: all
all: help

##@ General

# The help target prints out all targets with their descriptions organized
# beneath their categories. The categories are represented by '##@' and the
# target descriptions by '##'. The awk command is responsible for reading the
# entire set of makefiles included in this invocation, looking for lines of the
# file as xyz: ## something, and then pretty-format the target and help. Then,
# if there's a line with ##@ something, that gets pretty-printed as a category.
.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-15s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

.PHONY: demo
demo: venv ## Set everything up and run the pipeline on simulated Nightscout sites (one machine).
	GLUCOLAKE_HOME=$(GLUCOLAKE_HOME) $(RUN) scripts/demo.sh

##@ Development

.PHONY: venv
venv: $(VENV)/.synced ## Create .venv with every pinned dependency from uv.lock.

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

.PHONY: lock
lock: $(UV) ## Re-resolve uv.lock after editing pyproject.toml.
	$(UV) lock --python $(PYTHON)

.PHONY: lint
lint: venv ## Run ruff (lint and format check) and mypy (strict).
	$(RUN) ruff check src tests benchmarks workflows dbt
	$(RUN) ruff format --check src tests benchmarks workflows dbt
	$(RUN) mypy src

.PHONY: fmt
fmt: venv ## Format the code and apply safe ruff fixes.
	$(RUN) ruff format src tests benchmarks workflows dbt
	$(RUN) ruff check --fix src tests benchmarks workflows dbt

.PHONY: test
test: lint postgres chromium ## Run lint and every test, the slow integration tests included.
	$(RUN) pytest $(PYTEST_ARGS)

.PHONY: test-fast
test-fast: venv ## Run the quick tests only (no servers, no pipeline runs).
	$(RUN) pytest -m "not slow" $(PYTEST_ARGS)

.PHONY: workflows
workflows: venv ## Render the Hera workflows to charts/glucolake/files/workflows/ (the tests fail on drift).
	$(RUN) python -m workflows.render

.PHONY: bench
bench: venv ## Measure ingest throughput and raw compression; writes docs/benchmarks.md.
	$(RUN) python -m benchmarks.run --out docs/benchmarks.md

.PHONY: bench-quick
bench-quick: venv ## A small benchmark run (about a minute); prints, writes nothing.
	$(RUN) python -m benchmarks.run --quick

.PHONY: clean
clean: ## Remove the demo home, caches and build output (keeps the venv and tools).
	rm -rf $(GLUCOLAKE_HOME) .pytest_cache .mypy_cache .ruff_cache .hypothesis dist test-artifacts

##@ Dependencies

$(LOCALBIN):
	mkdir -p $(LOCALBIN)

.PHONY: chromium
chromium: ## Install Debian's Chromium if missing (the report test renders in it, headless).
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium from Debian"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

.PHONY: postgres
postgres: ## Install Debian's Postgres server binaries if missing (the tests start their own clusters).
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  echo "installing $(POSTGRES_PACKAGE) from Debian"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(POSTGRES_PACKAGE); }

# uv is installed from PyPI into a versioned folder, so bumping UV_VERSION forces a reinstall.
$(UV): | $(LOCALBIN)
	PIP_ROOT_USER_ACTION=ignore $(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(LOCALBIN)/uv-$(UV_VERSION) uv==$(UV_VERSION)

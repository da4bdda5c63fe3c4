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
# The kind cluster `make kind-up` creates and `make deploy` installs into.
KIND_CLUSTER ?= glucolake
# Namespace and Helm release of the install (one release per namespace: the workflows use fixed names).
NAMESPACE ?= glucolake
HELM_RELEASE ?= glucolake
# The chart, and the values `make deploy` installs with (the chart's own kind scenario, tested in CI).
HELM_CHART_DIR ?= charts/glucolake
HELM_VALUES ?= $(HELM_CHART_DIR)/ci/kind-values.yaml
# Extra arguments for `helm upgrade --install`, e.g. `--set simulator.patients=5`.
HELM_EXTRA_ARGS ?=
# The container tool that builds the images (docker or podman).
CONTAINER_TOOL ?= docker
# The release the images are tagged with: the chart's appVersion (= RELEASE in workflows/_steps.py).
IMG_TAG ?= $(shell sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' $(HELM_CHART_DIR)/Chart.yaml)
PIPELINE_IMG ?= ghcr.io/glucolake/pipeline:$(IMG_TAG)
SUPERSET_IMG ?= ghcr.io/glucolake/superset:$(IMG_TAG)

# Setting SHELL to bash allows bash commands to be executed by recipes.
# Options are set to exit when a recipe line exits non-zero or a piped command fails.
SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

## Tool Versions
UV_VERSION ?= 0.13.9
# Built with `go install` from the Go module proxy (Go >= 1.21 fetches the toolchain they need).
HELM_VERSION ?= v3.21.4
# The Kubernetes minor Helm assumes when no cluster is asked (Helm's Makefile derives it from client-go).
HELM_KUBE_MINOR ?= 36
KIND_VERSION ?= v0.33.0
# The last Argo CLI `go install` can build (v3.7+ and v4 embed a UI build that is not committed).
ARGO_VERSION ?= v3.6.19
# Debian's Postgres server, which the tests start themselves (initdb in a temporary folder).
POSTGRES_PACKAGE ?= postgresql-15

## Tool Binaries
UV ?= $(LOCALBIN)/uv-$(UV_VERSION)/bin/uv
VENV := $(CURDIR)/.venv
RUN := $(UV) run --frozen --no-sync
HELM ?= $(LOCALBIN)/helm-$(HELM_VERSION)
KIND ?= $(LOCALBIN)/kind-$(KIND_VERSION)
ARGO ?= $(LOCALBIN)/argo-$(ARGO_VERSION)

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
	$(RUN) mypy src benchmarks

.PHONY: fmt
fmt: venv ## Format the code and apply safe ruff fixes.
	$(RUN) ruff format src tests benchmarks workflows dbt
	$(RUN) ruff check --fix src tests benchmarks workflows dbt

.PHONY: test
test: lint postgres chromium helm superset-venv ## Run lint and every test, the slow integration tests included.
	HELM=$(HELM) $(RUN) pytest $(PYTEST_ARGS)

.PHONY: test-fast
test-fast: venv helm ## Run the quick tests only (no servers, no pipeline runs).
	HELM=$(HELM) $(RUN) pytest -m "not slow" $(PYTEST_ARGS)

.PHONY: workflows
workflows: venv ## Render the Hera workflows to charts/glucolake/files/workflows/ (the tests fail on drift).
	$(RUN) python -m workflows.render

.PHONY: bench
bench: venv postgres ## Measure every stage at scale (100 sources × 1 year); writes docs/benchmarks.md.
	$(RUN) python -m benchmarks.run --out docs/benchmarks.md

.PHONY: bench-ingest
bench-ingest: venv ## Measure the ingest section alone (a few minutes) and update it in docs/benchmarks.md.
	$(RUN) python -m benchmarks.run --only ingest --out docs/benchmarks.md

.PHONY: bench-run
bench-run: venv ## Measure the `glucolake run` section alone (a few minutes) and update it in docs/benchmarks.md.
	$(RUN) python -m benchmarks.run --only run --out docs/benchmarks.md

.PHONY: bench-quick
bench-quick: venv postgres ## A small benchmark run (a few minutes); prints, writes nothing.
	$(RUN) python -m benchmarks.run --quick

.PHONY: clean
clean: ## Remove the demo home, caches and build output (keeps the venv and tools).
	rm -rf $(GLUCOLAKE_HOME) .pytest_cache .mypy_cache .ruff_cache .hypothesis dist test-artifacts

##@ Deployment

.PHONY: kind-up
kind-up: kind ## Create the kind cluster from kind-config.yaml (idempotent).
	@if $(KIND) get clusters | grep -qx '$(KIND_CLUSTER)'; then \
	  echo "kind cluster $(KIND_CLUSTER) already exists"; \
	else \
	  $(KIND) create cluster --name $(KIND_CLUSTER) --config kind-config.yaml --wait 120s; \
	fi

.PHONY: kind-down
kind-down: kind ## Delete the kind cluster and everything in it (idempotent).
	$(KIND) delete cluster --name $(KIND_CLUSTER)

.PHONY: images
images: kind ## Build the pipeline and Superset images and load them into the kind cluster.
	$(CONTAINER_TOOL) build --file images/pipeline/Dockerfile --tag $(PIPELINE_IMG) .
	$(CONTAINER_TOOL) build --file images/superset/Dockerfile --tag $(SUPERSET_IMG) .
	$(KIND) load docker-image --name $(KIND_CLUSTER) $(PIPELINE_IMG) $(SUPERSET_IMG)

.PHONY: deploy
deploy: kind-up images helm ## Install or upgrade everything on kind; the CronWorkflow then runs the pipeline.
	$(HELM) dependency build $(HELM_CHART_DIR)
	$(HELM) upgrade --install $(HELM_RELEASE) $(HELM_CHART_DIR) --kube-context kind-$(KIND_CLUSTER) \
	  --namespace $(NAMESPACE) --create-namespace --values $(HELM_VALUES) \
	  --wait --wait-for-jobs --timeout 15m $(HELM_EXTRA_ARGS)

.PHONY: undeploy
undeploy: helm ## Uninstall the release (volumes and the generated credentials go with it).
	$(HELM) uninstall $(HELM_RELEASE) --kube-context kind-$(KIND_CLUSTER) --namespace $(NAMESPACE) \
	  --ignore-not-found --wait --timeout 5m

.PHONY: argo-submit
argo-submit: argo ## Run the pipeline now (WorkflowTemplate glucolake-pipeline) and follow it.
	$(ARGO) submit --context kind-$(KIND_CLUSTER) --namespace $(NAMESPACE) \
	  --from workflowtemplate/glucolake-pipeline --watch

.PHONY: promote
promote: ## Promote ENV (dev, prod) to release TAG (a Git tag such as v0.2.0): edit and commit its release.yaml.
	@[[ "$(ENV)" =~ ^[a-z][a-z0-9-]*$$ && -f deploy/envs/$(ENV)/release.yaml ]] || \
	  { echo "ENV=$(ENV): no deploy/envs/$(ENV)/release.yaml" >&2; exit 2; }
	@[[ "$(TAG)" =~ ^(v[0-9]+\.[0-9]+\.[0-9]+|main)$$ ]] || { echo "TAG=$(TAG): expected vX.Y.Z" >&2; exit 2; }
	sed -i -E 's/^release: .*/release: $(TAG)/' deploy/envs/$(ENV)/release.yaml
	git commit --message "Promote $(ENV) to $(TAG)" -- deploy/envs/$(ENV)/release.yaml

##@ Dependencies

$(LOCALBIN):
	mkdir -p $(LOCALBIN)

.PHONY: chromium
chromium: ## Install Debian's Chromium if missing (the report test renders in it, headless).
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium from Debian"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# Superset pins what the pipeline cannot share (pandas < 2.2, SQLAlchemy < 2): its own venv and lock.
SUPERSET_VENV := $(CURDIR)/.venv-superset

.PHONY: superset-venv
superset-venv: $(SUPERSET_VENV)/.synced ## Create .venv-superset (Superset 6.1) from superset/runtime/uv.lock.

$(SUPERSET_VENV)/.synced: superset/runtime/uv.lock superset/runtime/pyproject.toml | $(UV)
	UV_PROJECT_ENVIRONMENT=$(SUPERSET_VENV) $(UV) sync --frozen --project superset/runtime --python $(PYTHON)
	@touch $@

.PHONY: postgres
postgres: ## Install Debian's Postgres server binaries if missing (the tests start their own clusters).
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  echo "installing $(POSTGRES_PACKAGE) from Debian"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(POSTGRES_PACKAGE); }

# go-install-tool installs a pinned Go tool as $(LOCALBIN)/<name>-<version> and links <name> to it,
# so bumping a version forces a reinstall (kubebuilder's pattern).
# $1 - the versioned binary; $2 - the main package; $3 - its version; $4 - extra -ldflags
define go-install-tool
@[ -f "$(1)" ] || { \
  set -e; \
  echo "go install $(2)@$(3)"; \
  rm -rf $(LOCALBIN)/.go-install; \
  GOBIN=$(LOCALBIN)/.go-install go install -ldflags "$(4)" $(2)@$(3); \
  mv $(LOCALBIN)/.go-install/$$(basename $(2)) $(1); \
  rm -rf $(LOCALBIN)/.go-install; \
}; \
ln -sf $$(basename $(1)) $(LOCALBIN)/$$(basename $(2))
endef

.PHONY: tools
tools: helm kind argo ## Install the pinned helm, kind and argo CLIs into ./bin.

.PHONY: helm
helm: $(HELM) ## Install the pinned helm into ./bin (go install; about 4 minutes the first time).
$(HELM): | $(LOCALBIN)
	$(call go-install-tool,$(HELM),helm.sh/helm/v3/cmd/helm,$(HELM_VERSION),-s -w -X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION) -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$(HELM_KUBE_MINOR) -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$(HELM_KUBE_MINOR))

.PHONY: kind
kind: $(KIND) ## Install the pinned kind into ./bin (go install).
$(KIND): | $(LOCALBIN)
	$(call go-install-tool,$(KIND),sigs.k8s.io/kind,$(KIND_VERSION))

.PHONY: argo
argo: $(ARGO) ## Install the pinned Argo CLI into ./bin (go install).
$(ARGO): | $(LOCALBIN)
	$(call go-install-tool,$(ARGO),github.com/argoproj/argo-workflows/v3/cmd/argo,$(ARGO_VERSION))

# uv is installed from PyPI into a versioned folder, so bumping UV_VERSION forces a reinstall.
$(UV): | $(LOCALBIN)
	PIP_ROOT_USER_ACTION=ignore $(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(LOCALBIN)/uv-$(UV_VERSION) uv==$(UV_VERSION)

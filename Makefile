# vertex-tfx: every command a developer, CI or Cloud Build runs is a target here.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
UV_VERSION := 0.13.9
# Set PYTHON=/path/to/python3.10 to choose the interpreter yourself.
PYTHON ?= $(shell for c in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	if "$$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; then echo "$$c"; break; fi; done)
export UV_PYTHON_DOWNLOADS := never
export TF_USE_LEGACY_KERAS := 1

# The report's browser test drives Debian's Chromium. `make setup` installs it when missing and apt-get
# can (as root); otherwise that one test skips and says why. BROWSER=no leaves it out of the test targets
# too (Cloud Build's test step, a fresh container each build); compile and submit never need it.
HAVE_BROWSER = command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1
BROWSER ?= yes
TEST_DEPS := setup-core $(if $(filter yes,$(BROWSER)),browser)

.PHONY: help setup setup-core browser run report test test-unit test-dag test-e2e lint format compile submit clean bench bench-quick serve monitor

help: ## Show this help.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# --compile-bytecode: with PYTHONDONTWRITEBYTECODE set (as in many containers and CI images), or a
# read-only venv, Python would compile TensorFlow's and TFX's ~7,000 modules from source in every
# process, about two thirds of `vtx run`'s import time. The Makefile is a prerequisite: a changed
# recipe re-syncs.
$(VENV)/.synced: pyproject.toml uv.lock Makefile
	@if [ -z "$(PYTHON)" ]; then \
		echo "Error: Python 3.10 not found. Install it (e.g. 'pyenv install 3.10') or run 'make PYTHON=/path/to/python3.10 setup'." >&2; \
		exit 1; \
	fi
	@echo "Setting up $(VENV) with $(PYTHON)"
	@if [ ! -x $(VENV)/bin/python ] || ! $(VENV)/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then \
		rm -rf $(VENV) && "$(PYTHON)" -m venv $(VENV); \
	fi
	@$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	@$(VENV)/bin/uv sync --frozen --compile-bytecode --python $(VENV)/bin/python --quiet
	@touch $@

setup: setup-core browser ## Create .venv from uv.lock (Python 3.10, TFX 1.16), and Chromium for the browser test.

setup-core: $(VENV)/.synced ## Create .venv from uv.lock only, without the browser (what compile and submit need).

browser: ## Install Debian's chromium and chromium-driver if missing (needs root and apt-get).
	@if $(HAVE_BROWSER); then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's chromium and chromium-driver for the report's browser test"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } \
			|| echo "WARNING: apt-get could not install chromium and chromium-driver; the report's browser test will skip." >&2; \
	else \
		echo "WARNING: chromium and chromium-driver are missing and apt-get needs root; the report's browser test will skip." >&2; \
	fi

run: setup ## Run the whole pipeline locally on data/ and print the summary.
	$(VENV)/bin/vtx run

report: setup ## Write the HTML report of the latest local run: make report ARGS='--run RUN_ID --out report.html'.
	$(VENV)/bin/vtx report $(ARGS)

serve: setup ## Serve the production model on 127.0.0.1:8080, logging requests: make serve ARGS='--port 9000'.
	$(VENV)/bin/vtx serve $(ARGS)

monitor: setup ## Check logged requests for skew and drift (exit 1 on an alert): make monitor ARGS='--window-hours 6'.
	$(VENV)/bin/vtx monitor $(ARGS)

test: $(TEST_DEPS) ## Run the whole test suite (unit, dag, e2e).
	$(VENV)/bin/pytest

test-unit: $(TEST_DEPS) ## Run the unit tests only.
	$(VENV)/bin/pytest -m unit

test-dag: setup-core ## Run the DAG tests only.
	$(VENV)/bin/pytest -m dag

test-e2e: $(TEST_DEPS) ## Run the end-to-end pipeline tests only.
	$(VENV)/bin/pytest -m e2e

# actionlint runs shellcheck on every `run:` script; both are wheels in the dev group (pyflakes is left
# out: the workflows run no inline Python).
lint: setup-core ## ruff, mypy, and the deploy files: hadolint, Cloud Build schema, actionlint with shellcheck.
	$(VENV)/bin/ruff check pipeline components modules tests benchmarks .ci
	$(VENV)/bin/ruff format --check pipeline components modules tests benchmarks .ci
	$(VENV)/bin/mypy pipeline components modules
	$(VENV)/bin/hadolint Dockerfile
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.cloudbuild cloudbuild.yaml
	$(VENV)/bin/actionlint -shellcheck $(VENV)/bin/shellcheck -pyflakes= .github/workflows/*.yml
	$(VENV)/bin/shellcheck .ci/run pipeline/entrypoint.sh

format: setup ## Apply ruff's fixes and formatting.
	$(VENV)/bin/ruff check --fix pipeline components modules tests benchmarks .ci
	$(VENV)/bin/ruff format pipeline components modules tests benchmarks .ci

compile: setup-core ## Compile the Vertex AI pipeline spec, offline: make compile ARGS='--config vertex.yaml'.
	$(VENV)/bin/vtx compile --profile vertex $(ARGS)

submit: setup-core ## Submit the pipeline to Vertex AI: make submit ARGS='--config vertex.yaml --wait'.
	$(VENV)/bin/vtx submit --profile vertex $(ARGS)

bench: setup ## Run every benchmarks/bench_*.py, then write BENCHMARKS.md and BENCHMARKS.json: make bench ARGS='--only scale'.
	$(VENV)/bin/python benchmarks/run.py $(ARGS)

bench-quick: setup ## Smoke-run every benchmark with --quick into benchmarks/results-quick/ (never the recorded result).
	$(VENV)/bin/python benchmarks/run.py --quick $(ARGS)

clean: ## Remove the venv and local run outputs.
	rm -rf $(VENV) outputs

# One definition of each check: CI (.ci/run) and people run these same targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed

.PHONY: help setup tools run test unit lint format typecheck kafka broker-stop schemas docs bench bench-setup bench-secured bench-timers faults lock clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

# Bytecode is compiled at install, as pip and the image (deploy/Dockerfile) do: uv does not
# by default, and where PYTHONDONTWRITEBYTECODE is set Python never writes it, so every
# command would compile every module it imports again on each run.
$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found: install Python 3.11 (Debian: apt-get install python3.11 python3.11-venv)" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync -q --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q services
	touch $(STAMP)

setup: $(STAMP) ## Create .venv/ from the lock file and install the `corpactions` command
	@true

# Debian packages the tests use (kcat as a real external client; from prometheus, promtool
# for the alert rules and the server the alerting end-to-end test runs; openssl for the
# secured cluster's certificates, with the JDK's keytool), installed when missing.
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# kustomize renders deploy/k8s as `kubectl apply -k` would (tests/unit/test_deploy.py).
KUSTOMIZE_VERSION := v5.6.0
KUSTOMIZE := .cache/bin/kustomize
tools: ## Install the tools the tests use when missing (Debian: kcat, prometheus, openssl; kustomize built with Go)
	@missing=""; command -v kcat >/dev/null || missing="$$missing kcat"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	{ command -v promtool && command -v prometheus; } >/dev/null || missing="$$missing prometheus"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) $(APT_INSTALL) $$missing >/dev/null; \
	fi
	@test -x $(KUSTOMIZE) || { \
	  command -v go >/dev/null || { echo "error: Go is needed to build kustomize (the deploy/k8s test): install Go 1.22+" >&2; exit 1; }; \
	  echo "building kustomize $(KUSTOMIZE_VERSION) (Go module proxy) into .cache/bin/"; \
	  GOBIN=$(CURDIR)/.cache/bin go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION); \
	}

kafka: setup ## Fetch the Apache Kafka jars from Maven Central into .cache/kafka/
	$(BIN)/corpactions broker fetch

run: setup ## Start the local Kafka, the service, and feed it the example resolution (Ctrl-C stops)
	$(BIN)/corpactions demo

broker-stop: setup ## Stop the local Kafka that `make run` / `corpactions broker start` left running
	$(BIN)/corpactions broker stop

test: setup tools kafka ## Run the tests (unit + integration on a real Kafka the tests start)
	$(BIN)/python -m corpactions.contracts.generate --check
	$(BIN)/python -m corpactions.settings --check README.md
	$(BIN)/pytest -q

# The Kafka versions the project supports (CORPACTIONS_KAFKA_VERSION; `make test` runs the
# default, 4.1.1): the end-to-end suite and the short fault suite against each in turn.
.PHONY: test-matrix
MATRIX_KAFKA_VERSIONS ?= 3.9.1 4.1.1 4.4.0
test-matrix: setup tools ## The end-to-end suite and the short fault suite against each supported Kafka (MATRIX_KAFKA_VERSIONS)
	@failed=""; for v in $(MATRIX_KAFKA_VERSIONS); do \
	  echo "== Kafka $$v: tests/e2e tests/faults/test_faults.py"; \
	  CORPACTIONS_KAFKA_VERSION=$$v $(BIN)/corpactions broker fetch && \
	  CORPACTIONS_KAFKA_VERSION=$$v $(BIN)/pytest -q -p no:cacheprovider tests/e2e tests/faults/test_faults.py \
	    || failed="$$failed $$v"; \
	done; \
	if [ -n "$$failed" ]; then echo "test-matrix: failed on Kafka$$failed"; exit 1; fi; \
	echo "test-matrix: passed on Kafka $(MATRIX_KAFKA_VERSIONS)"

unit: setup ## Run only the unit tests (no broker)
	$(BIN)/pytest -q tests/unit

lint: setup ## ruff check + format check
	$(BIN)/ruff check services tests
	$(BIN)/ruff format --check services tests

format: setup ## Rewrite files with ruff
	$(BIN)/ruff check --fix services tests
	$(BIN)/ruff format services tests

typecheck: setup ## mypy --strict with the pydantic plugin
	$(BIN)/mypy

schemas: setup ## Regenerate schemas/ (JSON Schema 2020-12 + AsyncAPI 3) from the models
	$(BIN)/python -m corpactions.contracts.generate

docs: setup ## Regenerate README's configuration table from the settings object (settings.py)
	$(BIN)/python -m corpactions.settings --write README.md

# The bench's peer (Quix Streams) and py-spy, in a venv of their own: Quix Streams pins a
# pydantic older than the service's (requirements-bench.lock, the `bench` extra).
BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed
$(BENCH_STAMP): $(STAMP) pyproject.toml requirements-bench.lock
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BIN)/uv pip sync -q --python $(BENCH_VENV)/bin/python requirements-bench.lock
	$(BIN)/uv pip install -q --python $(BENCH_VENV)/bin/python --no-deps -e .
	touch $(BENCH_STAMP)

bench-setup: $(BENCH_STAMP) ## Create .venv-bench/ (Quix Streams peer, py-spy) from requirements-bench.lock
	@true

bench: setup kafka bench-setup ## Benchmarks: the core vs pydantic parsing; `corpactions schedule`'s wall time; the service vs raw aiokafka, Quix Streams, latency
	$(BIN)/python tests/bench/bench_core.py
	$(BIN)/python tests/bench/bench_cli.py
	$(BIN)/python tests/bench/bench_jsonl.py
	$(BIN)/python tests/bench/bench_stream.py --scale 2

bench-secured: setup tools kafka ## Worker throughput over SASL_SSL against PLAINTEXT on one secured broker
	$(BIN)/python tests/bench/bench_secured.py

bench-timers: setup kafka ## A million pending timers: worker memory, restart-to-ready, tick cost
	$(BIN)/python tests/bench/bench_timers.py

faults: setup kafka ## Fault suite at full size (kill -9, broker loss, rebalances, hostile input), then the mutations it must catch
	$(BIN)/python tests/faults/run.py
	$(BIN)/python tests/faults/mutations.py

# The soak: two workers, a real broker, steady load with dates firing, for SOAK_MINUTES;
# its plot needs matplotlib, in a venv of its own (requirements-soak.lock, the `soak` extra).
.PHONY: soak
SOAK_MINUTES ?= 120
SOAK_VENV := .venv-soak
SOAK_STAMP := $(SOAK_VENV)/.installed
$(SOAK_STAMP): $(STAMP) pyproject.toml requirements-soak.lock
	test -x $(SOAK_VENV)/bin/python || $(PYTHON) -m venv $(SOAK_VENV)
	$(BIN)/uv pip sync -q --python $(SOAK_VENV)/bin/python requirements-soak.lock
	$(BIN)/uv pip install -q --python $(SOAK_VENV)/bin/python --no-deps -e .
	touch $(SOAK_STAMP)

soak: setup kafka $(SOAK_STAMP) ## Two workers for SOAK_MINUTES (120) at 200 resolutions/s, a day a minute, one restarted; a PNG of RSS, lag, overdue timers
	$(SOAK_VENV)/bin/python tests/soak/soak.py --minutes $(SOAK_MINUTES)

lock: ## Re-resolve requirements.lock (dev), requirements-runtime.lock (the image's) and requirements-bench.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements-runtime.lock
	$(BIN)/uv pip compile pyproject.toml --extra bench --python-version 3.11 --generate-hashes -o requirements-bench.lock
	$(BIN)/uv pip compile pyproject.toml --extra soak --python-version 3.11 --generate-hashes -c requirements-runtime.lock -o requirements-soak.lock

clean: ## Remove the venv and caches (keeps nothing running)
	rm -rf $(VENV) $(BENCH_VENV) $(SOAK_VENV) .cache .pytest_cache .mypy_cache .ruff_cache

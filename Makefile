# One definition of each check: CI (.ci/run) and people run these same targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.11, 3.12 and 3.13 are supported. PYTHONS: one interpreter of each found, in that
# order: `python3.X` on PATH when it runs (a pyenv shim of a version not selected does not),
# else pyenv's own build of it; then `python3` when its version fits and none was found.
# PYTHON (the .venv's, and the broker suites') is the first; `make PYTHON=...` picks another.
SUPPORTED_PYTHONS := 3.11 3.12 3.13
find_python = $(shell for c in python$(1) $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$(1).*/bin/python$(1); do \
  $$c -c 'import sys' >/dev/null 2>&1 && { command -v $$c; break; }; done)
PYTHONS := $(strip $(foreach v,$(SUPPORTED_PYTHONS),$(call find_python,$(v))))
PYTHONS := $(or $(PYTHONS),$(shell python3 -c 'import sys; sys.exit(not (3, 11) <= sys.version_info < (3, 14))' 2>/dev/null && command -v python3))
PYTHON ?= $(or $(firstword $(PYTHONS)),python3.11)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed

.PHONY: help setup tools run test test-broker unit unit-pythons lint format typecheck kafka broker-stop schemas manifests docs bench bench-setup bench-secured bench-timers faults lock clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

# Bytecode is compiled at install, as pip and the image (deploy/Dockerfile) do: uv does not
# by default, and where PYTHONDONTWRITEBYTECODE is set Python never writes it, so every
# command would compile every module it imports again on each run.
$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "error: no Python 3.11, 3.12 or 3.13 found: install one (Debian: apt-get install python3 python3-venv), or give PYTHON=/path/to/python" >&2; exit 1; }
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
# secured cluster's certificates, with the JDK's keytool; chromium, headless, for the
# calendar page's browser test), installed when missing.
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# kustomize renders deploy/k8s as `kubectl apply -k` would (tests/unit/test_deploy.py).
KUSTOMIZE_VERSION := v5.6.0
KUSTOMIZE := .cache/bin/kustomize
tools: ## Install the tools the tests use when missing (Debian: kcat, prometheus, openssl, chromium; kustomize built with Go)
	@missing=""; command -v kcat >/dev/null || missing="$$missing kcat"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	{ command -v promtool && command -v prometheus; } >/dev/null || missing="$$missing prometheus"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
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

# `make run` installs only what running needs (requirements-runtime.lock) into .venv/;
# `make setup` adds the development tools to the same venv later (uv pip sync of the dev
# lock, which pins the same versions). `install`, not `sync`: a .venv made by `make setup`
# keeps its tools.
RUN_STAMP := $(VENV)/.installed-runtime
$(RUN_STAMP): pyproject.toml requirements-runtime.lock
	@command -v $(PYTHON) >/dev/null || { echo "error: no Python 3.11, 3.12 or 3.13 found: install one (Debian: apt-get install python3 python3-venv), or give PYTHON=/path/to/python" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	@echo "installing the service's runtime packages into $(VENV)/ (requirements-runtime.lock)"
	@$(BIN)/uv pip install -q --compile-bytecode --require-hashes --python $(BIN)/python -r requirements-runtime.lock
	@$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@touch $(RUN_STAMP)

run: $(RUN_STAMP) ## Start the local Kafka, the service, and feed it the example resolution (Ctrl-C stops)
	@$(BIN)/corpactions demo

broker-stop: $(RUN_STAMP) ## Stop the local Kafka that `make run` / `corpactions broker start` left running
	$(BIN)/corpactions broker stop

# make test runs its three independent parts at once (make -j), each in its own processes:
# the unit tests on PYTHON (unit), on each other supported Python found (unit-pythons),
# and the broker suites (test-broker) in BROKER_WORKERS pytest-xdist processes, each with
# a broker of its own (tests/conftest.py starts one per process; --dist loadfile keeps a
# module's tests, and its module-scoped brokers, in one process). --output-sync keeps
# each part's output together.
BROKER_WORKERS ?= 2
test: setup tools kafka bench-setup ## Run the tests: unit on every supported Python found, integration/e2e/faults on real Kafka and every bench at a tiny size, in parallel
	$(BIN)/python -m corpactions.contracts.generate --check
	$(BIN)/python -m corpactions.settings --check docs/configuration.md
	$(BIN)/python deploy/prometheus/to_operator.py --check
	@$(MAKE) --no-print-directory -j3 --output-sync=target unit unit-pythons test-broker

test-broker: setup tools kafka bench-setup ## Run the integration, end-to-end and short fault suites and the bench smoke runs (real Kafka; BROKER_WORKERS processes)
	$(BIN)/pytest -q -p no:cacheprovider -n $(BROKER_WORKERS) --dist loadfile tests/integration tests/e2e tests/faults tests/bench

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

unit: setup tools ## Run only the unit tests (no broker; the deploy tests use kustomize and promtool)
	$(BIN)/pytest -q tests/unit

# The unit tests on every other supported Python found (PYTHONS, above): a venv each,
# .venv-3.X, from the same requirements.lock; `make test` runs them.
OTHER_PYTHONS := $(filter-out $(PYTHON),$(PYTHONS))
unit-pythons: setup tools ## Run the unit tests on each other supported Python found (.venv-3.X from requirements.lock)
	@for py in $(OTHER_PYTHONS); do \
	  v=$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])'); venv=.venv-$$v; \
	  echo "unit tests on Python $$v ($$py), in $$venv"; \
	  test -x $$venv/bin/python || $$py -m venv $$venv || exit 1; \
	  if [ ! -e $$venv/.installed ] || [ requirements.lock -nt $$venv/.installed ] || [ pyproject.toml -nt $$venv/.installed ]; then \
	    $(BIN)/uv pip sync -q --compile-bytecode --python $$venv/bin/python requirements.lock \
	    && $(BIN)/uv pip install -q --python $$venv/bin/python --no-deps -e . \
	    && touch $$venv/.installed || exit 1; \
	  fi; \
	  $$venv/bin/pytest -q -p no:cacheprovider tests/unit || exit 1; \
	done

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

manifests: setup ## Regenerate the Prometheus Operator's PodMonitor and PrometheusRule (deploy/components/prometheus-operator) from deploy/prometheus/
	$(BIN)/python deploy/prometheus/to_operator.py --write

docs: setup ## Regenerate docs/configuration.md's settings table from the settings object (settings.py)
	$(BIN)/python -m corpactions.settings --write docs/configuration.md

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
	$(BIN)/python tests/bench/bench_lifecycle.py
	$(BIN)/python tests/bench/bench_cli.py
	$(BIN)/python tests/bench/bench_jsonl.py
	$(BIN)/python tests/bench/bench_stream.py --scale 2

bench-secured: setup tools kafka ## Worker throughput over SASL_SSL against PLAINTEXT on one secured broker
	$(BIN)/python tests/bench/bench_secured.py

bench-timers: setup kafka ## A million pending timers: worker memory, restart-to-ready, tick cost
	$(BIN)/python tests/bench/bench_timers.py
	$(BIN)/python tests/bench/bench_calendar.py

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
	rm -rf $(VENV) $(VENV)-3.* $(BENCH_VENV) $(SOAK_VENV) .cache .pytest_cache .mypy_cache .ruff_cache

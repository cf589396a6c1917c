# logfort — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
VENV := .venv
PY := $(VENV)/bin/python
export CARGO_TERM_COLOR := never

.PHONY: help demo test bench lint fmt header test-rust test-header test-c test-profiles test-schema test-sinks test-mask deps venv test-python lint-python test-node test-cli test-demo

help: ## list the targets
	@awk -F':.*## ' '/^[a-z-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

demo: deps venv ## the main job: one request through Python, Node and C services, then logfort trace/verify/stats
	bash examples/demo/run.sh

test: test-rust test-header test-c test-profiles test-schema test-sinks test-mask test-python test-node test-demo ## every test: Rust, header drift, C under valgrind, profiles, schema, sinks, masking, Python, Node, demo
	@echo "make test: all suites passed"

test-rust: ## cargo tests of the workspace
	$(CARGO) test --release

test-schema: ## context (W3C traceparent, correlation ids), schema validation, typed records
	$(CARGO) test -q --release -p logfort-core --lib -- context:: schema:: audit::
	$(CARGO) test -q --release -p logfort-core --test context_schema

test-mask: ## masking engine: unit tests, shared vectors, properties
	$(CARGO) test --release -p logfort-core --lib mask::
	$(CARGO) test --release -p logfort-core --test mask_vectors --test mask_props

test-header: ## include/logfort.h matches what cbindgen generates
	bash ci/check-header.sh

test-c: deps ## C programs against the header and the library, under valgrind
	bash ci/test-c.sh

test-profiles: venv ## golden vectors' ecs/gcp/otel lines against the official definitions
	$(PY) -m pytest -q tests/profiles

test-sinks: deps venv ## syslog sink against a real rsyslogd, OTLP sink against a protobuf-decoding receiver
	LOGFORT_REQUIRE_RSYSLOG=1 LOGFORT_REQUIRE_OTLP_PROTO=1 LOGFORT_PYTHON=$(CURDIR)/$(PY) \
	  $(CARGO) test --release -p logfort-core --test syslog_rsyslog --test otlp_receiver

test-python: venv ## Python package: pip install ./bindings-python into .venv, then pytest
	$(PY) -m pip install -q ./bindings-python
	$(PY) -m pytest -q bindings-python/tests

test-node: ## Node package: npm install builds the addon, then node --test
	cd bindings-node && npm install --no-audit --no-fund
	node --test bindings-node/tests/

test-cli: ## the logfort command and the audit chain (also part of test-rust)
	$(CARGO) test --release -p logfort-cli
	$(CARGO) test --release -p logfort-core --test audit_chain
	$(CARGO) test --release -p logfort-core --lib -- chain:: monitor::

test-demo: deps venv ## the cross-language demo in short mode, asserting its trace
	DEMO_SHORT=1 bash examples/demo/run.sh

bench: ## benchmarks against the peers (not part of make test)
	bash bench/run.sh

lint: ## rustfmt check and clippy with warnings denied
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(MAKE) lint-python

lint-python: venv ## ruff over the Python package, its tests and bench
	$(PY) -m ruff check bindings-python bench/python
	$(PY) -m ruff format --check bindings-python bench/python

fmt: ## format the Rust code
	$(CARGO) fmt --all

header: ## regenerate include/logfort.h from core/ffi
	LOGFORT_BLESS=1 $(CARGO) test -q --release -p logfort-ffi --test header

deps: ## Debian packages the tests need (installed when missing)
	bash ci/deps.sh

venv: $(VENV)/.stamp ## Python virtualenv with the test requirements
$(VENV)/.stamp: ci/requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r ci/requirements.txt
	touch $@

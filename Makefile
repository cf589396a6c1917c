# logfort — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
VENV := .venv
PY := $(VENV)/bin/python
export CARGO_TERM_COLOR := never

.PHONY: help demo test bench lint fmt header test-rust test-header test-c deps venv test-mask

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | column -t -s $$'\t'

demo: ## the main job: build and run the demo
	$(CARGO) run -q --release -p logfort-core --example demo

test: test-rust test-header test-c test-mask ## every test: Rust, header drift, C under valgrind
	@echo "make test: all suites passed"

test-rust: ## cargo tests of the workspace
	$(CARGO) test --workspace --release 2>&1 | tee target/test-rust.log; test $${PIPESTATUS[0]} -eq 0

test-mask: ## masking engine: unit tests, shared vectors, properties
	$(CARGO) test --release -p logfort-core --lib mask::
	$(CARGO) test --release -p logfort-core --test mask_vectors --test mask_props

test-header: ## include/logfort.h matches what cbindgen generates
	bash ci/check-header.sh

test-c: deps ## C programs against the header and the library, under valgrind
	bash ci/test-c.sh

bench: ## benchmarks against the peers (not part of make test)
	bash bench/run.sh

lint: ## rustfmt check and clippy with warnings denied
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt: ## format the Rust code
	$(CARGO) fmt --all

header: ## regenerate include/logfort.h
	$(CARGO) build -q -p logfort-ffi
	cp target/logfort.h include/logfort.h

deps: ## Debian packages the tests need (installed when missing)
	bash ci/deps.sh

venv: $(VENV)/.stamp ## Python virtualenv with the test requirements
$(VENV)/.stamp: ci/requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r ci/requirements.txt
	touch $@

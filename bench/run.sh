#!/usr/bin/env bash
# Benchmarks (make bench; not part of make test). Each prints ratios
# against its peers measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
section() { printf '\n==== %s ====\n' "$1"; }

section "Schema validation overhead: annotate vs off (bench/rust, schema)"
cargo build -q --release -p logfort-bench --bin schema
target/release/schema

section "File sink: rotation + gzip vs plain file (bench/rust, rotate)"
cargo build -q --release -p logfort-bench --bin rotate
target/release/rotate

section "Masking: scanner vs naive Regex::replace_all passes; DESIGN workload on vs off (bench/rust, mask)"
cargo build -q --release -p logfort-bench --bin mask
target/release/mask

section "Python: logfort vs the usual stacks, DESIGN.md workload (bench/python)"
make -s venv
.venv/bin/python -m pip install -q -r bench/python/requirements.txt
.venv/bin/python -m pip install -q ./bindings-python
.venv/bin/python bench/python/bench.py

section "Node: DESIGN.md workload, Logger and Winston + LogfortTransport vs pino and Winston (bench/node)"
(cd bindings-node && npm install --no-audit --no-fund --loglevel=error)
(cd bench/node && npm install --no-audit --no-fund --loglevel=error)
node bench/node/bench.js

section "logfort stats / trace vs jq pipelines (bench/cli; BENCH_QUICK=1: 100 MB instead of 1 GB)"
bash bench/cli/run.sh

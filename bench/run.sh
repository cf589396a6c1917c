#!/usr/bin/env bash
# Benchmarks (not part of `make test`). Each prints ratios against its
# peers measured in the same run: absolute numbers drift on shared machines.
set -euo pipefail
cd "$(dirname "$0")/.."
# Schema validation overhead: policy annotate vs off on the DESIGN.md workload.
cargo run -q --release -p logfort-bench --bin schema

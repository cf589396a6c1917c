#!/usr/bin/env bash
# Runs every benchmark in turn (`make bench`); each one runs logfort and
# its peers in the same process and prints the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -q -p logfort-bench --bin mask

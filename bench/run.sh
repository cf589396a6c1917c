#!/usr/bin/env bash
# Benchmarks (make bench; not part of make test). Each prints ratios
# against its peers measured in the same run. BENCH_N (records per
# measurement) and BENCH_ROUNDS (repetitions) set the size of pipeline and
# of the C benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
section() { printf '\n==== %s ====\n' "$1"; }

section "Rust API: logfort vs tracing (bench/rust, pipeline)"
cargo build -q --release -p logfort-bench --bin pipeline
target/release/pipeline

section "C ABI: lf_log_kv (bench/c/bench_ffi.c)"
cargo build -q --release -p logfort-ffi
mkdir -p target/bench
gcc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -pthread -Iinclude \
  -o target/bench/bench_ffi bench/c/bench_ffi.c \
  -Ltarget/release -llogfort -Wl,-rpath,"$PWD/target/release"
target/bench/bench_ffi "$scratch"

section "C ABI vs spdlog async (bench/c/bench_spdlog.cpp)"
if ! pkg-config --exists spdlog 2>/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libspdlog-dev pkg-config >/dev/null
fi
# shellcheck disable=SC2046 # pkg-config prints several flags
g++ -O2 -std=c++17 -Wall -Wextra -Werror -pthread -Iinclude $(pkg-config --cflags spdlog) \
  -o target/bench/bench_spdlog bench/c/bench_spdlog.cpp \
  -Ltarget/release -llogfort -Wl,-rpath,"$PWD/target/release" $(pkg-config --libs spdlog)
target/bench/bench_spdlog "$scratch"

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

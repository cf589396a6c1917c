#!/usr/bin/env bash
# include/logfort.h must be exactly what cbindgen generates (make header).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test -q --release -p logfort-ffi --test header

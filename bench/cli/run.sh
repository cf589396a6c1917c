#!/usr/bin/env bash
# `logfort stats` and `logfort trace` against the jq pipelines an operator
# would write for the same answers, on one generated log file (~1 GB;
# BENCH_QUICK=1: ~100 MB). Both sides run in this one run, one after the
# other, and the ratios are printed: absolute times drift on shared hosts.
# The answers are compared too (record counts by level, records traced).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v jq >/dev/null || {
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq jq >/dev/null
}
size_mb=1000
[ "${BENCH_QUICK:-}" = 1 ] && size_mb=100
out=bench/out/cli
mkdir -p "$out"
log="$out/app-${size_mb}mb.log"
if [ ! -s "$log" ] || [ ! -s "$log.id" ]; then
  echo "generating $log (${size_mb} MB)..."
  python3 bench/cli/gen.py "$size_mb" "$log" > "$log.id"
fi
id=$(cat "$log.id")
cargo build -q --release -p logfort-cli
logfort=target/release/logfort

now() { date +%s.%N; }
# seconds NAME CMD...: runs CMD once, output to $out/NAME.out, prints seconds.
seconds() {
  local name=$1; shift
  local t0 t1
  t0=$(now)
  "$@" > "$out/$name.out"
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

jq_stats() {
  # One jq pass to TSV, then the usual sort | uniq -c and percentiles.
  jq -r '[.level // "-", ((.timestamp // "")[0:13]),
          (if .level == "ERROR" or .level == "CRITICAL" then .message else "" end),
          (.operation // .logger // "-"), (.duration_ms // "" | tostring)] | @tsv' "$log" > "$out/jq.tsv"
  echo "by level"; cut -f1 "$out/jq.tsv" | sort | uniq -c | sort -rn
  echo "by hour"; cut -f2 "$out/jq.tsv" | sort | uniq -c
  echo "top error messages"; cut -f3 "$out/jq.tsv" | grep -v '^$' | sort | uniq -c | sort -rn | head -n 10
  echo "slowest operations"
  awk -F'\t' '$5 != "" { print $4 "\t" $5 }' "$out/jq.tsv" | sort -t "$(printf '\t')" -k1,1 -k2,2g |
    awk -F'\t' '
      function flush() { if (n) printf "%s %d %s %s %s %s\n", op, n, v[r(0.50)], v[r(0.95)], v[r(0.99)], v[n] }
      function r(p,  k) { k = p * n; return (k == int(k)) ? k : int(k) + 1 }
      $1 != op { flush(); op = $1; n = 0 }
      { v[++n] = $2 }
      END { flush() }'
}

jq_trace() {
  jq -c --arg id "$id" 'select(.correlation_id == $id)' "$log" | jq -s -c 'sort_by(.timestamp)[]'
}

echo "file: $log ($(du -m "$log" | cut -f1) MB, $(wc -l < "$log") lines); trace id $id"
# Warm the page cache so both sides read from memory.
cat "$log" > /dev/null
lf_stats=$(seconds lf-stats "$logfort" stats "$log")
jq_stats_s=$(seconds jq-stats jq_stats)
lf_trace=$(seconds lf-trace "$logfort" trace "$id" "$log")
jq_trace_s=$(seconds jq-trace jq_trace)

# Same answers: level counts and the traced records.
lf_levels=$(awk '/^by level/{f=1; next} /^$/{f=0} f {print $1, $2}' "$out/lf-stats.out" | sort)
jq_levels=$(awk '/^by level/{f=1; next} /^by hour/{f=0} f {print $2, $1}' "$out/jq-stats.out" | sort)
[ "$lf_levels" = "$jq_levels" ] || { echo "level counts differ:"; echo "$lf_levels"; echo "--"; echo "$jq_levels"; exit 1; }
[ "$(wc -l < "$out/lf-trace.out")" = "$(wc -l < "$out/jq-trace.out")" ] || { echo "trace results differ"; exit 1; }
lf_ops=$(awk '/^slowest/{f=1; next} f && $1 != "operation" {print $1, $2, $3, $4, $5, $6}' "$out/lf-stats.out" | sort)
jq_ops=$(awk '/^slowest/{f=1; next} f {print}' "$out/jq-stats.out" | sort)
[ "$lf_ops" = "$jq_ops" ] || { echo "percentiles differ:"; echo "$lf_ops"; echo "--"; echo "$jq_ops"; exit 1; }

printf '\n%-8s %12s %12s %8s\n' command "logfort s" "jq s" "ratio"
printf '%-8s %12.2f %12.2f %7.1fx\n' stats "$lf_stats" "$jq_stats_s" "$(awk -v a="$jq_stats_s" -v b="$lf_stats" 'BEGIN { print a / b }')"
printf '%-8s %12.2f %12.2f %7.1fx\n' trace "$lf_trace" "$jq_trace_s" "$(awk -v a="$jq_trace_s" -v b="$lf_trace" 'BEGIN { print a / b }')"
echo "(same level counts, percentiles and traced records on both sides)"

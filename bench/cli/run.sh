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

# measure NAME CMD...: runs CMD once, output to $out/NAME.out; prints
# "wall cpu" seconds (cpu: user + system of CMD and its children, which a
# busy shared host disturbs far less than wall-clock time).
measure() {
  local name=$1; shift
  local TIMEFORMAT='%R %U %S'
  { time "$@" > "$out/$name.out" 2> "$out/$name.err"; } 2> "$out/$name.time"
  awk '{ printf "%.3f %.3f", $1, $2 + $3 }' "$out/$name.time"
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
read -r lf_stats lf_stats_cpu <<<"$(measure lf-stats "$logfort" stats "$log")"
read -r jq_stats_s jq_stats_cpu <<<"$(measure jq-stats jq_stats)"
read -r lf_trace lf_trace_cpu <<<"$(measure lf-trace "$logfort" trace "$id" "$log")"
read -r jq_trace_s jq_trace_cpu <<<"$(measure jq-trace jq_trace)"

# Same answers: level counts and the traced records.
lf_levels=$(awk '/^by level/{f=1; next} /^$/{f=0} f {print $1, $2}' "$out/lf-stats.out" | sort)
jq_levels=$(awk '/^by level/{f=1; next} /^by hour/{f=0} f {print $2, $1}' "$out/jq-stats.out" | sort)
[ "$lf_levels" = "$jq_levels" ] || { echo "level counts differ:"; echo "$lf_levels"; echo "--"; echo "$jq_levels"; exit 1; }
[ "$(wc -l < "$out/lf-trace.out")" = "$(wc -l < "$out/jq-trace.out")" ] || { echo "trace results differ"; exit 1; }
lf_ops=$(awk '/^slowest/{f=1; next} f && $1 != "operation" {print $1, $2, $3, $4, $5, $6}' "$out/lf-stats.out" | sort)
jq_ops=$(awk '/^slowest/{f=1; next} f {print}' "$out/jq-stats.out" | sort)
[ "$lf_ops" = "$jq_ops" ] || { echo "percentiles differ:"; echo "$lf_ops"; echo "--"; echo "$jq_ops"; exit 1; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / (b > 0 ? b : 0.001) }'; }
printf '\n%-8s %11s %11s %8s   %11s %11s %8s\n' command "logfort s" "jq s" "wall" "logfort cpu" "jq cpu" "cpu"
printf '%-8s %11.2f %11.2f %8s   %11.2f %11.2f %8s\n' stats "$lf_stats" "$jq_stats_s" "$(ratio "$jq_stats_s" "$lf_stats")" \
  "$lf_stats_cpu" "$jq_stats_cpu" "$(ratio "$jq_stats_cpu" "$lf_stats_cpu")"
printf '%-8s %11.2f %11.2f %8s   %11.2f %11.2f %8s\n' trace "$lf_trace" "$jq_trace_s" "$(ratio "$jq_trace_s" "$lf_trace")" \
  "$lf_trace_cpu" "$jq_trace_cpu" "$(ratio "$jq_trace_cpu" "$lf_trace_cpu")"
echo "(same level counts, percentiles and traced records on both sides; ratio = jq / logfort)"

#!/usr/bin/env bash
# The logfort demo: one request through three services in three languages.
#
#   client --X-Correlation-ID--> FastAPI (Python) --> Express (Node) --> C worker
#
# Each service logs records holding secrets (a password field, a card
# number in a message, a bearer token, an API key) and an audit event
# through the logfort core; then `logfort trace` shows the request across
# the three services' files (secrets masked, correlation intact),
# `logfort verify` checks each audit chain and `logfort stats` sums up.
#
# Builds what it needs (Rust release builds, the Python package into
# .venv, the Node package and Express, the C worker). Services listen on
# 127.0.0.1 on free ports and are stopped on exit.
#
# DEMO_SHORT=1 (make test-demo): the same run, quiet, with assertions: the
# trace holds all three services under the one id, no secret is in clear
# text in any file, every chain verifies, the brute-force alert fired.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
short=${DEMO_SHORT:-}
say() { [ -n "$short" ] || printf '\n\033[1m== %s\033[0m\n' "$*"; }
quiet() { if [ -n "$short" ]; then "$@" >/dev/null; else "$@"; fi; }

say "building: liblogfort, the logfort command, the C worker, the Python and Node packages"
cargo build -q --release -p logfort-ffi -p logfort-cli
logfort=$root/target/release/logfort
mkdir -p target/demo
gcc -std=c11 -Wall -Wextra -Werror -Iinclude -o target/demo/worker examples/demo/c/worker.c \
  -Ltarget/release -llogfort -Wl,-rpath,"$root/target/release"
make -s venv
py=$root/.venv/bin/python
"$py" -m pip install -q ./bindings-python
(cd bindings-node && npm install --no-audit --no-fund --loglevel=error >/dev/null)
(cd examples/demo/node && npm install --no-audit --no-fund --loglevel=error >/dev/null)

logs=$root/logs/demo
rm -rf "$logs"
mkdir -p "$logs"
run=$(mktemp -d)
pids=()
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    for f in "$run"/*.out; do
      [ -s "$f" ] && { echo "---- $(basename "$f" .out) service output:" >&2; cat "$f" >&2; }
    done
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$run"
}
trap cleanup EXIT

# wait_port FILE: the port a service wrote once it listens.
wait_port() {
  for _ in $(seq 1 300); do
    [ -s "$1" ] && { cat "$1"; return; }
    sleep 0.1
  done
  echo "demo: a service did not start; its output:" >&2
  cat "$run"/*.out >&2
  exit 1
}

say "starting the services on 127.0.0.1"
DEMO_LOG_DIR=$logs DEMO_PORT_FILE=$run/node.port DEMO_C_WORKER=$root/target/demo/worker \
  node examples/demo/node/app.js > "$run/node.out" 2>&1 &
pids+=($!)
node_port=$(wait_port "$run/node.port")
DEMO_LOG_DIR=$logs DEMO_PORT_FILE=$run/py.port NODE_URL=http://127.0.0.1:$node_port \
  "$py" examples/demo/python/app.py > "$run/py.out" 2>&1 &
pids+=($!)
py_port=$(wait_port "$run/py.port")
[ -n "$short" ] || echo "python-api on :$py_port, node-api on :$node_port"

# A letter between the two numbers: "demo-<15 digits>" would be masked as a
# card number whenever the digits happen to pass Luhn (one run in ten).
cid="demo-$(date +%s)-r$RANDOM"
say "POST /checkout with X-Correlation-ID: $cid (and three failed logins)"
"$py" - "$py_port" "$cid" "$short" <<'PY'
import json, sys, urllib.request
port, cid, short = sys.argv[1], sys.argv[2], sys.argv[3]
def post(path, body, headers={}):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", **headers})
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.headers.get("X-Correlation-ID"), json.load(r)
echoed, answer = post("/checkout", {"email": "alice@example.com", "card": "4111 1111 1111 1111",
                                    "password": "hunter2", "token": "sk-live-abcdef123456"},
                      {"X-Correlation-ID": cid})
assert echoed == cid and answer == {"ok": True, "correlation_id": cid}, (echoed, answer)
for _ in range(3):
    post("/login", {"user": "alice", "password": "wrong-password-1"})
if not short:
    print(f"answer: {answer}")
PY

# Stop the services: everything they logged is written at exit.
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
pids=()
files=("$logs/python.log" "$logs/node.log" "$logs/c.log")

say "logfort trace $cid  (three services, one request, secrets masked)"
if [ -z "$short" ]; then
  "$logfort" trace "$cid" --pretty "${files[@]}"
fi
"$logfort" trace "$cid" "${files[@]}" > "$run/trace.jsonl"

say "logfort verify  (the audit hash chains)"
status=0
for f in "$logs"/python.audit.log "$logs"/node.audit.log "$logs"/c.audit.log; do
  [ -n "$short" ] || printf '%s: ' "${f#"$root"/}"
  quiet "$logfort" verify "$f" || status=1
done

say "logfort stats"
quiet "$logfort" stats "${files[@]}"

if [ -n "$short" ]; then
  "$py" - "$run/trace.jsonl" "$cid" "$logs" "$status" <<'PY'
import json, pathlib, sys
trace, cid, logs, status = pathlib.Path(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3]), sys.argv[4]
recs = [json.loads(line) for line in trace.read_text().splitlines()]
services = [r.get("service") for r in recs]
assert {"python-api", "node-api", "c-worker"} <= set(services), services
assert all(r["correlation_id"] == cid for r in recs), recs
# In time order, the request enters in Python and ends there.
assert services[0] == "python-api" and services[-1] == "python-api", services
assert services.index("node-api") < services.index("c-worker"), services
times = [r["timestamp"] for r in recs]
assert times == sorted(times), times
secrets = ["hunter2", "4111 1111 1111 1111", "4111111111111111", "sk-live-abcdef123456",
           "wrong-password-1", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTEyMyJ9.c2lnbmF0dXJlLWRlbW8",
           "alice@example.com"]
for f in sorted(logs.iterdir()):
    text = f.read_text()
    for s in secrets:
        assert s not in text, f"{s!r} in clear text in {f}"
assert status == "0", "an audit chain does not verify"
alerts = [json.loads(l) for l in (logs / "python.log").read_text().splitlines()
          if '"security_alert"' in l]
assert len(alerts) == 1 and alerts[0]["level"] == "ERROR" and alerts[0]["count"] == 3, alerts
audited = [json.loads(l) for f in ("python", "node", "c") for l in (logs / f"{f}.audit.log").read_text().splitlines()]
assert any(a.get("action") == "charge" for a in audited) and all("hash" in a for a in audited)
print(f"demo: OK ({len(recs)} records of {cid} across {len(set(services))} services, "
      f"no secret in clear text, {len(audited)} chained audit records verify, 1 security alert)")
PY
fi
exit $status

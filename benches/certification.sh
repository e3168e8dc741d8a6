#!/usr/bin/env bash
# The certification profile against the mock: its wall time on this machine, webhooks and the
# rate limit included (the target is under 60 s on 2 cores).
#
#   benches/certification.sh          # MAX_EXAMPLES (default 100, the run's default) changes it
#
# Starts a release vici-mock at v1's own 300 requests a minute (the runner paces by its virtual
# clock, so the limit costs no wall time) on a free loopback port, runs the release runner with
# --profile certification, both keys and the control URL, and reports the seconds, the cases, the
# certification and the requirements by status from the JSON report. A bare fuzzing run of the
# same size, in the same invocation, is the baseline that tells the machine's speed apart from
# the profile's cost.
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_EXAMPLES=${MAX_EXAMPLES:-100}
out=target/bench
mkdir -p "$out"
cargo build --release -q -p mock-server -p conformance
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
VICI_MOCK_LOG=warn ./target/release/vici-mock --listen "127.0.0.1:$port" >"$out/cert-mock.log" 2>&1 &
mock=$!
trap 'kill $mock 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/_mock/health" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port/api/v1"
run() {
  local name=$1; shift
  local start; start=$(date +%s.%N)
  ./target/release/vici-conformance run --base-url "$base" --api-key va_cert_0123456789abcdef \
      --api-key-b va_cert_b_0123456789abcdef --control-url "http://127.0.0.1:$port/_mock" \
      --max-examples "$MAX_EXAMPLES" --no-progress --report "json=$out/cert-$name.json" \
      --failures "$out/cert-$name-failures.json" "$@" >/dev/null || true
  local end; end=$(date +%s.%N)
  python3 - "$out/cert-$name.json" "$name" "$start" "$end" <<'PY'
import json, sys, collections
r = json.load(open(sys.argv[1]))["summary"]
wall = float(sys.argv[4]) - float(sys.argv[3])
by = collections.Counter(q["status"] for q in r["requirements"])
cert = (r.get("certification") or {}).get("verdict", "-")
print(f"| {sys.argv[2]} | {wall:.1f} | {r['cases']} | {cert} | "
      f"{by.get('pass', 0)} | {by.get('fail', 0)} | {by.get('skip', 0) + by.get('error', 0)} |")
PY
}
{
  echo "## vici-conformance certification"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, --max-examples $MAX_EXAMPLES; runner and mock on the same cores."
  echo
  echo "| run | wall seconds | cases | certification | requirements passed | failed | untested |"
  echo "|---|---:|---:|---|---:|---:|---:|"
  run fuzzing-baseline --phase fuzzing
  run certification --profile certification
  echo
  echo "Load average: $(cut -d' ' -f1-3 /proc/loadavg)."
} | tee "$out/certification.md"

#!/usr/bin/env bash
# Runner throughput: generated cases per second against the local mock, with every check on.
#
#   benches/runner.sh            # defaults below; override with the environment
#   MAX_EXAMPLES=2000 WORKERS=8 benches/runner.sh
#
# Starts a release vici-mock on a free loopback port (high rate limit, logs off, frozen clock),
# runs vici-conformance twice (the fuzzing phase alone, then the full run), and reports cases,
# seconds and cases/s from the JSON reports. The runner and the mock share the machine's cores,
# as they would in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_EXAMPLES=${MAX_EXAMPLES:-1000}
WORKERS=${WORKERS:-8}
out=target/bench
mkdir -p "$out"
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }
cargo build --release -q -p mock-server -p conformance
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
VICI_MOCK_LOG=warn ./target/release/vici-mock --listen "127.0.0.1:$port" --rate-limit 1000000000 \
    --freeze-clock --start-time 2026-05-13T16:00:00Z >"$out/runner-mock.log" 2>&1 &
mock=$!
trap 'kill $mock 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/_mock/health" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port/api/v1"
mock_cpu() { awk '{print $14+$15}' "/proc/$mock/stat"; }
run() {
  local name=$1; shift
  local before; before=$(mock_cpu)
  /usr/bin/time -f "%U %S" -o "$out/runner-$name.time" ./target/release/vici-conformance run --base-url "$base" --api-key va_bench_0123456789abcdef \
      --api-key-b va_bench_b_0123456789abcdef --workers "$WORKERS" --no-progress \
      --report "json=$out/runner-$name.json" --failures "$out/runner-$name-failures.json" "$@" >/dev/null || true
  local after; after=$(mock_cpu)
  python3 - "$out/runner-$name.json" "$name" "$out/runner-$name.time" "$before" "$after" "$(getconf CLK_TCK)" "$(nproc)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["summary"]
u, s = map(float, open(sys.argv[3]).read().split()[-2:])
mock = (int(sys.argv[5]) - int(sys.argv[4])) / int(sys.argv[6])
n = r["cases"]
runner_us, mock_us = (u + s) / n * 1e6, mock / n * 1e6
idle = int(sys.argv[7]) / ((runner_us + mock_us) / 1e6)
print(f"| {sys.argv[2]} | {n} | {r['durationSec']:.2f} | {n / r['durationSec']:.0f} | {runner_us:.0f} | {mock_us:.0f} | {idle:.0f} | {r['verdict']} | {len(r['findings'])} |")
PY
}
{
  echo "## vici-conformance throughput"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores; --max-examples $MAX_EXAMPLES, --workers $WORKERS; runner and mock on the same cores."
  echo
  echo "| run | cases | seconds | cases/s | runner CPU µs/case | mock CPU µs/case | cases/s if the cores were idle | verdict | findings |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|---:|"
  run fuzzing --max-examples "$MAX_EXAMPLES" --phase fuzzing
  run full --max-examples "$MAX_EXAMPLES"
  echo
  echo "Other load on the machine lowers cases/s; the CPU columns do not depend on it. The last"
  echo "figure is cores / (runner + mock CPU per case). Load average: $(cut -d' ' -f1-3 /proc/loadavg)."
} | tee "$out/runner.md"

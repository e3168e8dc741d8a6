#!/usr/bin/env bash
# Throughput benchmark of vici-mock against a bare axum server, in one run.
#
#   benches/mock.sh
#
# Builds the release binaries, starts a bare axum server returning fixed bytes
# (mock-server/examples/bare.rs) and two mocks (10 000 and 1 000 000 calls per workspace), and
# measures each endpoint with wrk: requests/s and p99 latency. Also reports how long seeding a
# million calls takes and the million-call mock's RSS before and after. Writes the markdown table
# to target/bench/mock.md (raw wrk outputs beside it) and prints it.
#
# The mocks run as users run them, minus the things a load test must switch off: the rate limit
# is 1e9 a minute (the limiter still runs on every request, it just never refuses), response
# validation is off (its default), per-request logs are off (VICI_MOCK_LOG=warn), and the clock
# is frozen. The journal keeps its default capacity.
#
# wrk and the servers share the machine's cores, as in the peer measurements (2 cores, wrk with
# 32 connections). Everything binds 127.0.0.1 on ports the servers pick themselves.
#
# Settings (environment):
#   BENCH_DURATION=10s     measurement per endpoint      BENCH_WARMUP=3s   warm-up per endpoint
#   BENCH_THREADS=2        wrk threads                   BENCH_CONNECTIONS=32
#   BENCH_SMALL_CALLS=10000, BENCH_LARGE_CALLS=1000000   calls seeded per workspace
#   BENCH_PAIRS=3          extra back-to-back bare/mock pairs on call detail (the verdict is the
#                          median ratio of all pairs: this VM's speed drifts within minutes)
#   BENCH_OUT=target/bench                               where results go
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-3s}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
SMALL_CALLS=${BENCH_SMALL_CALLS:-10000}
LARGE_CALLS=${BENCH_LARGE_CALLS:-1000000}
PAIRS=${BENCH_PAIRS:-3}
OUT=${BENCH_OUT:-$ROOT/target/bench}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
KEY=va_bench_0123456789abcdef
START_TIME=2026-05-13T16:00:00Z
# A week in the middle of the seeded 30 days.
DATE_FROM=2026-04-27T00:00:00Z
DATE_TO=2026-05-04T00:00:00Z

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'mock.sh: %s\n' "$*" >&2; exit 1; }

# Seconds in a wrk duration ("10s", "1m", "500ms" is not supported by wrk either).
secs() {
    case $1 in
        *m) echo $((${1%m} * 60)) ;;
        *h) echo $((${1%h} * 3600)) ;;
        *s) echo "${1%s}" ;;
        *) echo "$1" ;;
    esac
}

# ----- tools -----------------------------------------------------------------------------------

command -v curl >/dev/null || die "curl is required"
if ! command -v wrk >/dev/null; then
    log "installing wrk (Debian package)"
    SUDO=
    [[ $(id -u) -eq 0 ]] || SUDO=sudo
    $SUDO apt-get install -y wrk >/dev/null 2>&1 || {
        $SUDO apt-get update >/dev/null && $SUDO apt-get install -y wrk >/dev/null
    } || die "could not install wrk (apt-get install -y wrk)"
fi

mkdir -p "$OUT"
TMP=$(mktemp -d)
PIDS=()

cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "building release binaries"
(cd "$ROOT" && cargo build --release -p mock-server --bin vici-mock --example bare) >"$TMP/build.log" 2>&1 ||
    { cat "$TMP/build.log" >&2; die "build failed"; }
MOCK_BIN=$TARGET_DIR/release/vici-mock
BARE_BIN=$TARGET_DIR/release/examples/bare
[[ -x $MOCK_BIN && -x $BARE_BIN ]] || die "binaries not found under $TARGET_DIR/release"

# No inherited VICI_MOCK_* setting (say, VICI_MOCK_VALIDATE_RESPONSES) may change what runs.
while read -r v; do unset "$v"; done < <(compgen -e | grep '^VICI_MOCK_' || true)
export VICI_MOCK_LOG=warn
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# ----- servers ---------------------------------------------------------------------------------

# start NAME PATTERN CMD...: runs CMD in the background, waits until its stdout has a line
# matching PATTERN (its listen address), sets STARTED_PID and STARTED_LINE.
start() {
    local name=$1 pattern=$2
    shift 2
    "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    STARTED_PID=$!
    PIDS+=("$STARTED_PID")
    local i
    for ((i = 0; i < 300; i++)); do
        STARTED_LINE=$(grep -m1 -E "$pattern" "$TMP/$name.out" || true)
        [[ -n $STARTED_LINE ]] && return 0
        kill -0 "$STARTED_PID" 2>/dev/null || { cat "$TMP/$name.err" >&2; die "$name exited at start"; }
        sleep 0.1
    done
    die "$name did not start within 30 s"
}

stop() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

start_mock() { # NAME CALLS -> sets MOCK_PID, MOCK_URL (origin)
    start "$1" 'base URL' "$MOCK_BIN" --listen 127.0.0.1:0 --seed 42 --calls "$2" \
        --rate-limit 1000000000 --freeze-clock --start-time "$START_TIME"
    MOCK_PID=$STARTED_PID
    MOCK_URL=$(sed -E 's#.*(http://[^ ]+)/api/v1.*#\1#' <<<"$STARTED_LINE")
}

rss_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f MiB", k / 1024 }'; }

api() { # URL PATH -> body; fails on a non-200
    curl -sS --fail-with-body --max-time 900 -H "Authorization: Bearer $KEY" "$1$2"
}

# The id of a typical call detail: the median-sized detail of the newest completed calls with
# a recording (those have transcripts and line items; failed calls are a few hundred bytes).
# With SIZE, the one closest to SIZE bytes instead (to compare two mocks on equal bodies).
pick_call() { # URL [SIZE] -> "SIZE ID"
    local url=$1 near=${2:-} id ids
    ids=$(api "$url" "/api/v1/calls?status=completed&hasRecording=true&limit=21" |
        grep -oE '"id":"call_[A-Za-z0-9_]+"' | cut -d'"' -f4)
    [[ -n $ids ]] || die "no completed call with a recording at $url"
    for id in $ids; do
        printf '%s %s\n' "$(curl -sS -o /dev/null -w '%{size_download}' \
            -H "Authorization: Bearer $KEY" "$url/api/v1/calls/$id")" "$id"
    done | sort -n | awk -v near="$near" '
        { a[NR] = $0; d = $1 - near; d = d < 0 ? -d : d; if (NR == 1 || d < best) { best = d; pick = $0 } }
        END { print (near == "" ? a[int((NR + 1) / 2)] : pick) }'
}

first_agent() { # URL -> agent id
    api "$1" "/api/v1/agents?limit=1" | grep -oE '"id":"agt_[A-Za-z0-9_]+"' | head -n1 | cut -d'"' -f4
}

total_of() { # URL PATH -> the list's "total"
    api "$1" "$2" | grep -oE '"total":[0-9]+' | head -n1 | cut -d: -f2
}

# ----- wrk -------------------------------------------------------------------------------------

cat >"$TMP/auth.lua" <<EOF
wrk.headers["Authorization"] = "Bearer $KEY"
EOF

HZ=$(getconf CLK_TCK)
NCPU=$(nproc)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }           # utime + stime of a process
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; } # all CPUs

ROWS=()
declare -A RPS SRV_US WRK_US
# measure ID PID LABEL URL [MATCHES]: warm-up, then a measured run of the server PID; appends a
# table row. Besides wrk's figures it records the CPU time the server and wrk spent per request
# (insensitive to other load on the machine) and the share of the machine that other processes
# used during the run (the noise indicator: wrk and the server compete with them for the cores).
measure() {
    local id=$1 pid=$2 label=$3 url=$4 matches=${5:-}
    local limit=$(($(secs "$DURATION") + $(secs "$WARMUP") + 60))
    # Every endpoint must answer 200 before it is timed.
    curl -sS -o /dev/null --fail -H "Authorization: Bearer $KEY" "$url" || die "$label: $url is not 200"
    log "$id $label: warm-up $WARMUP, then $DURATION"
    timeout "$limit" wrk -t "$THREADS" -c "$CONNECTIONS" -d "$WARMUP" -s "$TMP/auth.lua" "$url" >/dev/null
    local srv0 busy0 srv1 busy1 wall0 wall1
    srv0=$(cpu_ticks "$pid") busy0=$(busy_ticks) wall0=$(date +%s%N)
    local TIMEFORMAT='%3U %3S'
    { time timeout "$limit" wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency \
        -s "$TMP/auth.lua" "$url" >"$OUT/wrk-$id.txt"; } 2>"$TMP/time-$id"
    srv1=$(cpu_ticks "$pid") busy1=$(busy_ticks) wall1=$(date +%s%N)
    local rps p99 n bad errors other
    rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$OUT/wrk-$id.txt")
    p99=$(awk '$1 == "99%" { print $2 }' "$OUT/wrk-$id.txt")
    n=$(awk '/ requests in / { print $1 }' "$OUT/wrk-$id.txt")
    bad=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$OUT/wrk-$id.txt")
    errors=$(sed -n 's/^ *Socket errors: //p' "$OUT/wrk-$id.txt")
    [[ -n $rps && ${n:-0} -gt 0 ]] || { cat "$OUT/wrk-$id.txt" >&2; die "$label: no wrk result"; }
    read -r wrk_user wrk_sys <"$TMP/time-$id"
    SRV_US[$id]=$(awk -v d=$((srv1 - srv0)) -v hz="$HZ" -v n="$n" 'BEGIN { printf "%.0f", d / hz * 1e6 / n }')
    WRK_US[$id]=$(awk -v u="$wrk_user" -v s="$wrk_sys" -v n="$n" 'BEGIN { printf "%.0f", (u + s) * 1e6 / n }')
    # Busy ticks on all CPUs minus the server's and wrk's, over the run's capacity.
    other=$(awk -v b=$((busy1 - busy0)) -v s=$((srv1 - srv0)) -v u="$wrk_user" -v y="$wrk_sys" \
        -v hz="$HZ" -v c="$NCPU" -v w=$((wall1 - wall0)) \
        'BEGIN { o = b - s - (u + y) * hz; if (o < 0) o = 0; printf "%.0f%%", 100 * o / (c * hz * w / 1e9) }')
    RPS[$id]=$rps
    ROWS+=("| $id | $label | $matches | $rps | $p99 | ${SRV_US[$id]} | $other | ${bad:-0}${errors:+ ($errors)} |")
    log "$id: $rps requests/s, p99 $p99; CPU per request: server ${SRV_US[$id]} us, wrk ${WRK_US[$id]} us; other processes: $other of the machine"
}

LIST_PATH="/api/v1/calls?status=completed&hasRecording=true&limit=20"

# ----- small mock and bare ---------------------------------------------------------------------

log "starting the mock with $SMALL_CALLS calls"
start_mock small "$SMALL_CALLS"
SMALL_PID=$MOCK_PID SMALL_URL=$MOCK_URL
api "$SMALL_URL" "/api/v1/agents" >/dev/null # seeds the workspace
read -r DETAIL_BYTES CALL_ID < <(pick_call "$SMALL_URL")
[[ -n ${CALL_ID:-} ]] || die "could not pick a call at $SMALL_URL"
SMALL_AGENT=$(first_agent "$SMALL_URL")
SMALL_AGENT_PATH="/api/v1/calls?agentId=$SMALL_AGENT&dateFrom=$DATE_FROM&dateTo=$DATE_TO&limit=20"

log "starting the bare server ($DETAIL_BYTES-byte body, the size of call $CALL_ID's detail)"
start bare '^bare listening on ' "$BARE_BIN" --listen 127.0.0.1:0 --bytes "$DETAIL_BYTES"
BARE_PID=$STARTED_PID
BARE_URL=${STARTED_LINE#bare listening on }

measure a "$BARE_PID" "bare axum, fixed $DETAIL_BYTES bytes" "$BARE_URL/api/v1/calls/$CALL_ID"
measure b "$SMALL_PID" "mock, GET /calls/{id} ($SMALL_CALLS calls)" "$SMALL_URL/api/v1/calls/$CALL_ID"
measure c "$SMALL_PID" "mock, list status+hasRecording ($SMALL_CALLS calls)" "$SMALL_URL$LIST_PATH" \
    "$(total_of "$SMALL_URL" "$LIST_PATH")"
measure e1 "$SMALL_PID" "mock, list agentId+dateFrom/dateTo ($SMALL_CALLS calls)" "$SMALL_URL$SMALL_AGENT_PATH" \
    "$(total_of "$SMALL_URL" "$SMALL_AGENT_PATH")"
measure f "$SMALL_PID" "mock, GET /agents ($SMALL_CALLS calls)" "$SMALL_URL/api/v1/agents" \
    "$(total_of "$SMALL_URL" /api/v1/agents)"
# More bare/mock pairs on call detail, back to back, alternating which goes first: the machine's
# speed drifts by tens of percent within minutes, so one pair can land on either side of it.
for ((r = 1; r <= PAIRS; r++)); do
    if ((r % 2)); then
        measure "p${r}m" "$SMALL_PID" "pair $r: mock, GET /calls/{id}" "$SMALL_URL/api/v1/calls/$CALL_ID"
        measure "p${r}b" "$BARE_PID" "pair $r: bare axum" "$BARE_URL/api/v1/calls/$CALL_ID"
    else
        measure "p${r}b" "$BARE_PID" "pair $r: bare axum" "$BARE_URL/api/v1/calls/$CALL_ID"
        measure "p${r}m" "$SMALL_PID" "pair $r: mock, GET /calls/{id}" "$SMALL_URL/api/v1/calls/$CALL_ID"
    fi
done
stop "$BARE_PID"
stop "$SMALL_PID"

# ----- large mock ------------------------------------------------------------------------------

log "starting the mock with $LARGE_CALLS calls"
start_mock large "$LARGE_CALLS"
LARGE_PID=$MOCK_PID LARGE_URL=$MOCK_URL
RSS_BEFORE=$(rss_kib "$LARGE_PID" VmRSS)
log "seeding $LARGE_CALLS calls (the key's first request)"
SEED_SECS=$(curl -sS --fail --max-time 900 -o /dev/null -w '%{time_total}' \
    -H "Authorization: Bearer $KEY" "$LARGE_URL$LIST_PATH") || die "seeding failed"
RSS_SEEDED=$(rss_kib "$LARGE_PID" VmRSS)
HWM_SEEDED=$(rss_kib "$LARGE_PID" VmHWM)
log "seeded in ${SEED_SECS}s; RSS $(mib "$RSS_BEFORE") -> $(mib "$RSS_SEEDED")"
LARGE_AGENT=$(first_agent "$LARGE_URL")
LARGE_AGENT_PATH="/api/v1/calls?agentId=$LARGE_AGENT&dateFrom=$DATE_FROM&dateTo=$DATE_TO&limit=20"
read -r LARGE_DETAIL_BYTES LARGE_CALL_ID < <(pick_call "$LARGE_URL" "$DETAIL_BYTES")
[[ -n ${LARGE_CALL_ID:-} ]] || die "could not pick a call at $LARGE_URL"

measure d "$LARGE_PID" "mock, list status+hasRecording ($LARGE_CALLS calls)" "$LARGE_URL$LIST_PATH" \
    "$(total_of "$LARGE_URL" "$LIST_PATH")"
measure e2 "$LARGE_PID" "mock, list agentId+dateFrom/dateTo ($LARGE_CALLS calls)" "$LARGE_URL$LARGE_AGENT_PATH" \
    "$(total_of "$LARGE_URL" "$LARGE_AGENT_PATH")"
measure g "$LARGE_PID" "mock, GET /calls/{id} ($LARGE_CALLS calls, $LARGE_DETAIL_BYTES bytes)" \
    "$LARGE_URL/api/v1/calls/$LARGE_CALL_ID"
RSS_AFTER=$(rss_kib "$LARGE_PID" VmRSS)
stop "$LARGE_PID"

# ----- report ----------------------------------------------------------------------------------

RATIO=$(awk -v m="${RPS[b]}" -v b="${RPS[a]}" 'BEGIN { printf "%.0f", 100 * m / b }')
CPU_RATIO=$(awk -v m="${SRV_US[b]}" -v b="${SRV_US[a]}" 'BEGIN { printf "%.0f", 100 * b / m }')
idle_rps() { awk -v s="${SRV_US[$1]}" -v w="${WRK_US[$1]}" -v c="$NCPU" 'BEGIN { printf "%.0f", c * 1e6 / (s + w) }'; }
IDLE_RATIO=$(awk -v m="$(idle_rps b)" -v b="$(idle_rps a)" 'BEGIN { printf "%.0f", 100 * m / b }')
# Every pair's ratio (rows a/b, then the extra pairs) and their median, which is the verdict.
PAIR_RATIOS=("$RATIO")
for ((r = 1; r <= PAIRS; r++)); do
    PAIR_RATIOS+=("$(awk -v m="${RPS[p${r}m]}" -v b="${RPS[p${r}b]}" 'BEGIN { printf "%.0f", 100 * m / b }')")
done
MEDIAN=$(printf '%s\n' "${PAIR_RATIOS[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2 + 0.5) }')
VERDICT=$([[ $MEDIAN -ge 60 ]] && echo "meets" || echo "below")
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
PER_CALL=$(awk -v a="$RSS_BEFORE" -v b="$RSS_SEEDED" -v n="$LARGE_CALLS" \
    'BEGIN { printf "%.0f", (b - a) * 1024 / n }')

{
    echo "## vici-mock benchmark"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $NCPU cores ($CPU), $(uname -sr);" \
        "$(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2), $THREADS threads, $CONNECTIONS connections," \
        "$DURATION per row after a $WARMUP warm-up. Load average before the run: $LOAD_BEFORE."
    echo "wrk and the servers share the same $NCPU cores (as in the peer figures), so neither gets the machine to itself."
    echo
    echo "| | endpoint | matches | requests/s | p99 | server CPU µs/request | other processes' CPU | non-2xx |"
    echo "|---|---|---:|---:|---:|---:|---:|---|"
    printf '%s\n' "${ROWS[@]}" | grep -v '^| p[0-9]'
    echo
    echo "- call detail, mock/bare: **median $MEDIAN%** over $((PAIRS + 1)) back-to-back pairs" \
        "(${PAIR_RATIOS[*]/%/%}; target at least 60%: $VERDICT). Rows a and b: $RATIO% (${RPS[b]} / ${RPS[a]} requests/s)."
    if ((PAIRS > 0)); then
        echo
        echo "  | pair | bare requests/s | mock requests/s | mock/bare | server CPU µs/request (bare, mock) |"
        echo "  |---|---:|---:|---:|---|"
        echo "  | a, b | ${RPS[a]} | ${RPS[b]} | $RATIO% | ${SRV_US[a]}, ${SRV_US[b]} |"
        for ((r = 1; r <= PAIRS; r++)); do
            echo "  | $r | ${RPS[p${r}b]} | ${RPS[p${r}m]} | ${PAIR_RATIOS[r]}% | ${SRV_US[p${r}b]}, ${SRV_US[p${r}m]} |"
        done
        echo
    fi
    echo "  By CPU time per request, which other load on the machine does not skew: $CPU_RATIO%" \
        "(${SRV_US[a]} / ${SRV_US[b]} µs; wrk itself spent ${WRK_US[a]} and ${WRK_US[b]} µs a request)."
    echo "  On an otherwise idle machine, with these CPU costs, $NCPU cores would give about" \
        "$(idle_rps a) and $(idle_rps b) requests/s (cores / (server + wrk CPU per request)): $IDLE_RATIO%."
    echo "  Same body size: the bare server sends $DETAIL_BYTES bytes, the median call detail of the newest completed calls with a recording."
    echo "- matches: the list's \`total\`; rows d, e2 and g run on a separate mock seeded with $LARGE_CALLS calls."
    echo "- seeding $LARGE_CALLS calls (first request of the key): ${SEED_SECS} s."
    echo "- RSS of the $LARGE_CALLS-call mock: $(mib "$RSS_BEFORE") before seeding, $(mib "$RSS_SEEDED") after" \
        "(about $PER_CALL bytes a call; peak $(mib "$HWM_SEEDED")), $(mib "$RSS_AFTER") after its load runs" \
        "(the frozen clock keeps every admission in the rate-limit window, 8 bytes each, plus the journal)."
    echo "- mock flags: --rate-limit 1000000000 (limiter runs, never refuses), --freeze-clock," \
        "no --validate-responses, VICI_MOCK_LOG=warn, journal at its default capacity."
    echo "- \"other processes' CPU\": share of all cores used by anything but wrk and the server during the run;" \
        "when it is not near 0%, requests/s are low by about that much and the CPU-per-request figures are the ones to compare."
} >"$OUT/mock.md"

echo
cat "$OUT/mock.md"

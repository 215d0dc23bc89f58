#!/usr/bin/env bash
# The cost of the append-only file: redis-benchmark SET against Debian's redis-server and
# tessera-server, each with appendonly yes, under appendfsync always and everysec.
#
#   tools/bench/aof_bench.sh [-n REQUESTS] [--rounds R] [--threads T] [--no-fsync-count]
#                            [--tessera PATH] [--redis PATH]
#
#   -n REQUESTS       requests per -P 1 case (default 50000); -P 16 cases send 5x as many
#   --rounds R        rounds per case; the table shows the median (default 3)
#   --threads T       tessera-server --threads (default: its own default, the number of cores)
#   --no-fsync-count  skip the extra pass that counts fsyncs under strace
#   --tessera         server binary to compare against Redis (default build/tessera-server)
#
# Every run gets a fresh server on a fresh --dir, so each starts from an empty AOF. The servers
# take turns per case, alternating which goes first each round, so background noise hits both.
# Cases: SET -d 16 -r 100000, 50 clients, -P 1 and -P 16. Prints a markdown table of throughput
# (median requests/s), p50/p99 latency and Tessera/Redis ratios.
#
# With strace installed, a separate pass (one round) runs every case again with the server
# started under `strace -f --seccomp-bpf -c -e trace=fsync,fdatasync` and reports the fsync and
# fdatasync calls per 1000 requests: how well each server groups commits. That pass is not timed
# (tracing makes each fsync a little slower, which changes the grouping only slightly).
# Timings are only reported here, never asserted in tests.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tools/bench/bench_lib.sh
source "$here/bench_lib.sh"

n=50000
rounds=3
threads=""
count_fsyncs=1
tessera="$root/build/tessera-server"
redis=/usr/bin/redis-server
while (($# > 0)); do
  case $1 in
    -n) n=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --no-fsync-count) count_fsyncs=0; shift ;;
    --tessera) tessera=$2; shift 2 ;;
    --redis) redis=$2; shift 2 ;;
    -h|--help) sed -n '2,23p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
for bin in "$tessera" "$redis"; do
  if [[ ! -x "$bin" ]]; then
    echo "no server binary at $bin (build tessera-server with ./tools/run.sh or cmake first)" >&2
    exit 1
  fi
done
command -v redis-benchmark >/dev/null || { echo "redis-benchmark missing: tools/deps.sh" >&2; exit 1; }
if ((count_fsyncs)) && ! command -v strace >/dev/null; then
  echo "strace not installed: fsyncs not counted" >&2
  count_fsyncs=0
fi

work=$(mktemp -d /tmp/tessera-aofbench.XXXXXX)
cleanup() {
  rm -rf "$work"
}
trap cleanup EXIT

machine_info
echo "- redis: $("$redis" --version | head -1)"
echo "- tessera: $tessera${threads:+ --threads $threads} (conf/tessera.conf)"
echo "- median of $rounds round(s); every run on a fresh server and an empty --dir on $(df -T "$work" | awk 'NR == 2 { print $2 }')"
echo

policies=(always everysec)
cases=(
  "SET -P 1 -c 50|-t set -d 16 -P 1 -c 50 -n $n"
  "SET -P 16 -c 50|-t set -d 16 -P 16 -c 50 -n $((n * 5))"
)

# aof_cmd NAME POLICY PORT DIR: sets the array cmd to server NAME's command line.
aof_cmd() {
  local name=$1 policy=$2 p=$3 dir=$4
  if [[ $name == redis ]]; then
    cmd=("$redis" --save "")
  else
    cmd=("$tessera" "$root/conf/tessera.conf")
    [[ -n "$threads" ]] && cmd+=(--threads "$threads")
  fi
  cmd+=(--port "$p" --bind 127.0.0.1 --appendonly yes --appendfsync "$policy" --dir "$dir")
}

# run_case NAME POLICY ARGS [STRACE_OUT] -> "rps p50_ms p99_ms" on stdout. With STRACE_OUT the
# server runs under strace counting fsync/fdatasync, and the summary lands in that file.
run_case() {
  local name=$1 policy=$2 p dir out line server_pid
  local -a args cmd
  read -ra args <<<"$3"
  p=$(free_port)
  dir=$(mktemp -d "$work/$name-$policy.XXXXXX")
  aof_cmd "$name" "$policy" "$p" "$dir"
  if [[ -n "${4:-}" ]]; then
    cmd=(strace -f --seccomp-bpf -c -e "trace=fsync,fdatasync" -o "$4" "${cmd[@]}")
  fi
  # Runs in a command substitution: on failure it kills its own server before exiting.
  start_server "$dir.log" "${cmd[@]}"
  if ! wait_ready "$started_pid" "$p"; then
    echo "$name did not start:" >&2
    cat "$dir.log" >&2
    kill -9 "$started_pid" 2>/dev/null || true
    exit 1
  fi
  # The server itself (strace's child when traced), so the kill below ends it.
  server_pid=$(redis-cli -p "$p" INFO server | tr -d '\r' | awk -F: '$1 == "process_id" { print $2 }')
  if ! out=$(timeout 600 redis-benchmark -h 127.0.0.1 -p "$p" -r 100000 --csv "${args[@]}" 2>&1); then
    echo "redis-benchmark failed against $name ($policy): $out" >&2
    kill -9 "$server_pid" "$started_pid" 2>/dev/null || true
    exit 1
  fi
  # SIGKILL: nothing here depends on a clean shutdown, and the AOF is already on disk.
  kill -9 "$server_pid" 2>/dev/null || true
  wait "$started_pid" 2>/dev/null || true
  rm -rf "$dir" "$dir.log"
  # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",
  # "p99_latency_ms","max_latency_ms"
  line=$(grep '^"' <<<"$out" | grep -v '^"test"' | tail -1 | tr -d '"')
  awk -F, '{ print $2, $5, $7 }' <<<"$line"
}

declare -A results fsyncs
for ((r = 0; r < rounds; r++)); do
  for policy in "${policies[@]}"; do
    for c in "${cases[@]}"; do
      order=(redis tessera)
      ((r % 2 == 1)) && order=(tessera redis)
      for name in "${order[@]}"; do
        results["$policy|${c%%|*}|$name"]+="$(run_case "$name" "$policy" "${c#*|}");"
      done
    done
  done
  echo "round $((r + 1))/$rounds done, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done

if ((count_fsyncs)); then
  for policy in "${policies[@]}"; do
    for c in "${cases[@]}"; do
      for name in redis tessera; do
        trace="$work/strace-$name-$policy.txt"
        run_case "$name" "$policy" "${c#*|}" "$trace" >/dev/null
        requests=$(sed -E 's/.*-n ([0-9]+).*/\1/' <<<"${c#*|}")
        fsyncs["$policy|${c%%|*}|$name"]=$(awk -v r="$requests" '
          $NF == "fsync" || $NF == "fdatasync" { calls += $4 }
          END { printf "%d (%.1f)", calls, calls * 1000 / r }' "$trace")
      done
    done
  done
  echo "fsync count pass done, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
fi

# pick KEY FIELD -> the median over rounds of field FIELD of run_case's output.
pick() {
  local vals=() v rows
  IFS=';' read -ra rows <<<"${results["$1"]}"
  for v in "${rows[@]}"; do
    [[ -n "$v" ]] && vals+=("$(awk -v f="$2" '{ print $f }' <<<"$v")")
  done
  ((${#vals[@]} > 0)) && median "${vals[@]}"
}

echo "| appendfsync | case | Redis rps | Tessera rps | rps T/R | p50 ms R / T | p99 ms R / T |" \
  "fsyncs R (per 1k req) | fsyncs T (per 1k req) |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for policy in "${policies[@]}"; do
  for c in "${cases[@]}"; do
    key="$policy|${c%%|*}"
    rr=$(pick "$key|redis" 1)
    tr=$(pick "$key|tessera" 1)
    printf '| %s | %s | %.0f | %.0f | %s | %s / %s | %s / %s | %s | %s |\n' "$policy" "${c%%|*}" \
      "$rr" "$tr" "$(ratio "$tr" "$rr")" "$(pick "$key|redis" 2)" "$(pick "$key|tessera" 2)" \
      "$(pick "$key|redis" 3)" "$(pick "$key|tessera" 3)" "${fsyncs["$key|redis"]:--}" \
      "${fsyncs["$key|tessera"]:--}"
  done
done
echo
echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

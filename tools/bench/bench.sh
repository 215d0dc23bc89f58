#!/usr/bin/env bash
# Side-by-side benchmark: Debian's redis-server and tessera-server on the same machine, on
# loopback, driven by the same clients with the same arguments, interleaved (the servers take
# turns per case, alternating which goes first each round) so that background noise hits both.
#
#   tools/bench/bench.sh [--quick] [-n REQUESTS] [--rounds R] [--keys K] [--threads T]
#                        [--seconds S] [--tessera PATH] [--redis PATH] [--txbench PATH]
#
#   -n REQUESTS   requests per -P 1 case (default 200000); -P 16 cases send 5x as many
#   --rounds R    rounds per case; the table shows the median (default 3)
#   --keys K      keys preloaded, and the key range of every case (default 1000000)
#   --seconds S   duration of each txbench case (default 5)
#   --threads T   tessera-server --threads (default: its own, one loop per usable CPU)
#   --quick       -n 20000 --rounds 1 --keys 100000 --seconds 1: a smoke run of the script
#   --tessera     server binary to compare against Redis (default build/tessera-server)
#   --txbench     txbench binary (default: next to the server, tools/bench/txbench)
#
# Both servers are first loaded with K keys "key:%012d" (redis-benchmark's -r key names) with
# 16-byte values through redis-cli --pipe; RSS and INFO used_memory growth per key are read
# after MEMORY PURGE. Every case then runs against that data set with -r K, so GETs hit.
# Prints markdown tables: throughput (requests/s, median of the rounds), p50/p99 latency, server
# CPU time per request (utime+stime of the server process from /proc/PID/stat around each run,
# split into user and kernel) and Tessera/Redis ratios; each round's p99 of the redis-benchmark
# cases; then bytes per key.
# Timings are only reported here, never asserted in tests.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tools/bench/bench_lib.sh
source "$here/bench_lib.sh"

n=200000
rounds=3
keys=1000000
seconds=5
threads=""
tessera="$root/build/tessera-server"
redis=/usr/bin/redis-server
txbench=""
while (($# > 0)); do
  case $1 in
    -n) n=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --keys) keys=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --tessera) tessera=$2; shift 2 ;;
    --redis) redis=$2; shift 2 ;;
    --txbench) txbench=$2; shift 2 ;;
    --quick) n=20000; rounds=1; keys=100000; seconds=1; shift ;;
    -h|--help) sed -n '2,24p' "${BASH_SOURCE[0]}"; exit 0 ;;
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
# txbench (tools/bench/txbench.cc) sits next to the server in its build directory.
[[ -n "$txbench" ]] || txbench="$(dirname "$tessera")/tools/bench/txbench"

# 500 client connections plus the servers' own descriptors.
ulimit -n 4096 2>/dev/null || true
clk_tck=$(getconf CLK_TCK)
work=$(mktemp -d /tmp/tessera-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do stop_server "$p"; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "- redis: $("$redis" --version | head -1)"
echo "- tessera: $tessera${threads:+ --threads $threads} (conf/tessera.conf)"
echo "- median of $rounds round(s); $keys keys preloaded"
echo

# ---- preload, and bytes per key ----
awk -v n="$keys" 'BEGIN {
  for (i = 0; i < n; i++) {
    k = sprintf("key:%012d", i)
    printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\n%016d\r\n", length(k), k, i
  }
}' >"$work/load.resp"
declare -A port pid mem
for name in redis tessera; do
  start_named "$name"
  mem[$name]=$(load_measure "$name" "$work/load.resp" "$keys")
done

# ---- throughput, latency, CPU per request ----
# NAME|tool and arguments. "rb" is redis-benchmark (with -r K), "tx" is txbench MODE CLIENTS
# PIPELINE. redis-benchmark's MSET draws each of its 10 keys at random, so they spread over the
# shards; txbench's mset-tagged puts them under one hash tag (one shard).
cases=(
  "SET -P 16 -c 50|rb -t set -d 16 -P 16 -c 50 -n $((n * 5))"
  "GET -P 16 -c 50|rb -t get -P 16 -c 50 -n $((n * 5))"
  "SET -P 1 -c 50|rb -t set -d 16 -P 1 -c 50 -n $n"
  "GET -P 1 -c 50|rb -t get -P 1 -c 50 -n $n"
  "GET -P 1 -c 500|rb -t get -P 1 -c 500 -n $n"
  "MSET 10 keys spread, -P 1 -c 50 (redis-benchmark)|rb -t mset -P 1 -c 50 -n $((n / 2))"
  "MSET 10 keys spread, -P 16 -c 50 (txbench)|tx mset-spread 50 16"
  "MSET 10 keys one tag, -P 16 -c 50 (txbench)|tx mset-tagged 50 16"
)

# run_case NAME ARGS -> "rps p50_ms p99_ms user_ticks sys_ticks requests"
run_case() {
  local name=$1 p=${port[$1]} out line u0 s0 u1 s1
  local -a args
  read -ra args <<<"$2"
  read -r u0 s0 < <(cpu_ticks_split "${pid[$name]}")
  if [[ ${args[0]} == rb ]]; then
    if ! out=$(timeout 600 redis-benchmark -h 127.0.0.1 -p "$p" -r "$keys" --csv \
        "${args[@]:1}" 2>&1); then
      echo "redis-benchmark failed against $name: $out" >&2
      exit 1
    fi
  elif ! out=$("$txbench" "$p" "${args[1]}" "${args[2]}" "$seconds" "${args[3]}" 2>&1); then
    echo "txbench failed against $name: $out" >&2
    exit 1
  fi
  read -r u1 s1 < <(cpu_ticks_split "${pid[$name]}")
  if [[ ${args[0]} == rb ]]; then
    # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",
    # "p99_latency_ms","max_latency_ms"
    line=$(grep '^"' <<<"$out" | grep -v '^"test"' | tail -1 | tr -d '"')
    local requests
    requests=$(sed -E 's/.*-n ([0-9]+).*/\1/' <<<"$2")
    awk -F, -v u="$((u1 - u0))" -v s="$((s1 - s0))" -v r="$requests" \
      '{ print $2, $5, $7, u, s, r }' <<<"$line"
  else
    # "<mode> <ops/s>"; requests: ops/s over the measured window.
    awk -v u="$((u1 - u0))" -v s="$((s1 - s0))" -v t="$seconds" \
      '{ print $2, "-", "-", u, s, int($2 * t) }' <<<"$out"
  fi
}

[[ -x "$txbench" ]] || echo "no txbench at $txbench: txbench cases skipped" >&2
declare -A results
for ((r = 0; r < rounds; r++)); do
  for c in "${cases[@]}"; do
    [[ ${c#*|} == tx* && ! -x "$txbench" ]] && continue
    order=(redis tessera)
    ((r % 2 == 1)) && order=(tessera redis)
    for name in "${order[@]}"; do
      results["${c%%|*}|$name"]+="$(run_case "$name" "${c#*|}");"
    done
  done
  echo "round $((r + 1))/$rounds done, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done
for name in redis tessera; do stop_server "${pid[$name]}"; done
pids=()

# pick LABEL NAME FIELD -> the median over rounds of field FIELD of run_case's output, where
# FIELD 7 is CPU us per request and 8 its kernel part.
pick() {
  local vals=() v rows
  IFS=';' read -ra rows <<<"${results["$1|$2"]}"
  for v in "${rows[@]}"; do
    [[ -n "$v" ]] && vals+=("$(awk -v f="$3" -v hz="$clk_tck" '{
      if (f == 7) printf "%.2f", ($4 + $5) / hz / $6 * 1e6
      else if (f == 8) printf "%.2f", $5 / hz / $6 * 1e6
      else print $f }' <<<"$v")")
  done
  ((${#vals[@]} > 0)) && median "${vals[@]}"
}

# per_round LABEL NAME -> field 3 of run_case's output (p99 ms) in every round, comma-separated.
per_round() {
  tr ';' '\n' <<<"${results["$1|$2"]}" | awk 'NF { printf "%s%s", sep, $3; sep = ", " }'
}

echo "| case | Redis rps | Tessera rps | rps T/R | p50 ms R / T | p99 ms R / T |" \
  "CPU us/req R (kernel) | CPU us/req T (kernel) | CPU T/R |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for c in "${cases[@]}"; do
  label=${c%%|*}
  [[ -n "${results["$label|redis"]:-}" ]] || continue
  rr=$(pick "$label" redis 1)
  tr=$(pick "$label" tessera 1)
  rc=$(pick "$label" redis 7)
  tc=$(pick "$label" tessera 7)
  printf '| %s | %.0f | %.0f | %s | %s / %s | %s / %s | %s (%s) | %s (%s) | %s |\n' "$label" \
    "$rr" "$tr" "$(ratio "$tr" "$rr")" "$(pick "$label" redis 2)" "$(pick "$label" tessera 2)" \
    "$(pick "$label" redis 3)" "$(pick "$label" tessera 3)" "$rc" "$(pick "$label" redis 8)" \
    "$tc" "$(pick "$label" tessera 8)" "$(ratio "$tc" "$rc")"
done
# Every round's p99 as well: a median of three hides a tail that is bad in some rounds only
# (docs/performance.md, "-P 1").
if ((rounds > 1)); then
  echo
  echo "p99 ms in each round, Redis / Tessera:"
  for c in "${cases[@]}"; do
    label=${c%%|*}
    [[ ${c#*|} == rb* && -n "${results["$label|redis"]:-}" ]] || continue
    echo "- $label: $(per_round "$label" redis) / $(per_round "$label" tessera)"
  done
fi
echo
read -r rss_r used_r <<<"${mem[redis]}"
read -r rss_t used_t <<<"${mem[tessera]}"
echo "| memory, bytes per key | Redis RSS | Tessera RSS | RSS T/R | Redis used_memory |" \
  "Tessera used_memory | used T/R |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
echo "| $keys strings (16-byte keys, 16-byte values) | $rss_r | $rss_t |" \
  "$(ratio "$rss_t" "$rss_r") | $used_r | $used_t | $(ratio "$used_t" "$used_r") |"

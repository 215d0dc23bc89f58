#!/usr/bin/env bash
# Side-by-side benchmark: Debian's redis-server and tessera-server on the same machine, on
# loopback, driven by redis-benchmark with the same arguments, interleaved (the servers take
# turns per case, alternating which goes first each round) so that background noise hits both.
#
#   tools/bench/bench.sh [--quick] [-n REQUESTS] [--rounds R] [--keys K] [--threads T]
#                        [--tessera PATH] [--redis PATH]
#
#   -n REQUESTS   requests per -P 1 case (default 200000); -P 16 cases send 5x as many
#   --rounds R    rounds per case; the table shows the median (default 3)
#   --keys K      keys loaded for the memory figure (default 1000000)
#   --threads T   tessera-server --threads (default: its own default, the number of cores)
#   --quick       -n 20000 --rounds 1 --keys 100000: a smoke run of the script itself
#   --tessera     server binary to compare against Redis (default build/tessera-server)
#
# Prints throughput (requests/s), p99 latency, server CPU time per request (utime+stime of the
# server process from /proc/PID/stat, before and after each run) and, after loading K keys with
# 16-byte values into fresh servers, bytes per key from RSS growth and from INFO used_memory.
# Timings are only reported here, never asserted in tests.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tools/bench/bench_lib.sh
source "$here/bench_lib.sh"

n=200000
rounds=3
keys=1000000
threads=""
tessera="$root/build/tessera-server"
redis=/usr/bin/redis-server
while (($# > 0)); do
  case $1 in
    -n) n=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --keys) keys=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --tessera) tessera=$2; shift 2 ;;
    --redis) redis=$2; shift 2 ;;
    --quick) n=20000; rounds=1; keys=100000; shift ;;
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}"; exit 0 ;;
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

# Both servers get the same settings that matter here: loopback, no persistence.
server_cmd() {  # NAME PORT -> sets the array cmd
  local name=$1 port=$2
  if [[ $name == redis ]]; then
    cmd=("$redis" --port "$port" --bind 127.0.0.1 --save "" --appendonly no)
  elif [[ "$(basename "$tessera")" == redis-server* ]]; then
    cmd=("$tessera" --port "$port" --bind 127.0.0.1 --save "" --appendonly no)
  else
    cmd=("$tessera" "$root/conf/tessera.conf" --port "$port" --bind 127.0.0.1)
    [[ -n "$threads" ]] && cmd+=(--threads "$threads")
  fi
  return 0
}

declare -A port pid
start_both() {
  local name cmd
  for name in redis tessera; do
    port[$name]=$(free_port)
    server_cmd "$name" "${port[$name]}"
    start_server "$work/$name.log" "${cmd[@]}"
    pid[$name]=$started_pid
    pids+=("$started_pid")
    if ! wait_ready "${pid[$name]}" "${port[$name]}"; then
      echo "$name did not start:" >&2
      cat "$work/$name.log" >&2
      exit 1
    fi
  done
}
stop_both() {
  stop_server "${pid[redis]}"
  stop_server "${pid[tessera]}"
  pids=()
}

echo "Tessera vs Redis: redis-benchmark on 127.0.0.1, $(nproc) cores, median of $rounds round(s)"
echo "  redis:   $("$redis" --version | head -1)"
echo "  tessera: $tessera${threads:+ --threads $threads}"
echo

# ---- memory: bytes per key, on fresh servers ----
# Keys "key:0000000".."key:(K-1)" with 16-byte values, as one RESP stream for redis-cli --pipe.
awk -v n="$keys" 'BEGIN {
  for (i = 0; i < n; i++) {
    k = sprintf("key:%07d", i)
    printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\n%016d\r\n", length(k), k, i
  }
}' >"$work/load.resp"

start_both
declare -A rss_per_key used_per_key
for name in redis tessera; do
  p=${port[$name]}
  rss0=$(rss_bytes "${pid[$name]}")
  used0=$(used_memory "$p")
  redis-cli -p "$p" --pipe <"$work/load.resp" >"$work/$name.pipe.log" 2>&1
  count=$(redis-cli -p "$p" DBSIZE)
  if [[ "$count" != "$keys" ]]; then
    echo "$name holds $count keys after loading $keys:" >&2
    cat "$work/$name.pipe.log" >&2
    exit 1
  fi
  rss1=$(rss_bytes "${pid[$name]}")
  used1=$(used_memory "$p")
  rss_per_key[$name]=$(awk -v a="$rss0" -v b="$rss1" -v n="$keys" 'BEGIN { printf "%.1f", (b - a) / n }')
  used_per_key[$name]=$(awk -v a="${used0:-0}" -v b="${used1:-0}" -v n="$keys" \
    'BEGIN { if (b == 0) print "n/a"; else printf "%.1f", (b - a) / n }')
done
stop_both

# ---- throughput, latency, CPU per request ----
# NAME|redis-benchmark arguments. -r spreads keys over 100k names, and so over all shards.
cases=(
  "SET  -P 1  -c 50|-t set -P 1 -c 50 -n $n"
  "GET  -P 1  -c 50|-t get -P 1 -c 50 -n $n"
  "SET  -P 16 -c 50|-t set -P 16 -c 50 -n $((n * 5))"
  "GET  -P 16 -c 50|-t get -P 16 -c 50 -n $((n * 5))"
  "GET  -P 1  -c 500|-t get -P 1 -c 500 -n $n"
  "MSET(10) -P 1 -c 50|-t mset -P 1 -c 50 -n $n"
)

# run_case NAME ARGS -> "rps p99_ms cpu_us_per_request"
run_case() {
  local name=$1 args=$2 p=${port[$1]} t0 t1 out line requests
  requests=$(sed -E 's/.*-n ([0-9]+).*/\1/' <<<"$args")
  t0=$(cpu_ticks "${pid[$name]}")
  # shellcheck disable=SC2086  # args is a word list on purpose
  if ! out=$(timeout 600 redis-benchmark -h 127.0.0.1 -p "$p" -r 100000 --csv $args 2>&1); then
    echo "redis-benchmark failed against $name: $out" >&2
    exit 1
  fi
  t1=$(cpu_ticks "${pid[$name]}")
  line=$(grep -v '^"test"' <<<"$out" | grep '^"' | tail -1)
  # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",
  # "p99_latency_ms","max_latency_ms"
  awk -F'","' -v t0="$t0" -v t1="$t1" -v hz="$clk_tck" -v req="$requests" '{
    gsub(/"/, "", $0); split($0, f, ",")
    printf "%s %s %.2f\n", f[2], f[7], (t1 - t0) / hz / req * 1e6
  }' <<<"$line"
}

start_both
# Warm-up so both servers have their keys and the first measured case is not a cold start.
for name in redis tessera; do
  redis-benchmark -h 127.0.0.1 -p "${port[$name]}" -r 100000 -t set -n 100000 -P 16 -q >/dev/null
done

declare -A results
for ((r = 0; r < rounds; r++)); do
  for c in "${cases[@]}"; do
    label=${c%%|*}
    args=${c#*|}
    order=(redis tessera)
    ((r % 2 == 1)) && order=(tessera redis)
    for name in "${order[@]}"; do
      results["$label|$name"]+="$(run_case "$name" "$args");"
    done
  done
  echo "round $((r + 1))/$rounds done" >&2
done
stop_both

pick() {  # LABEL NAME FIELD(1 rps, 2 p99, 3 cpu) -> median over rounds
  local vals=() v
  IFS=';' read -ra rows <<<"${results["$1|$2"]}"
  for v in "${rows[@]}"; do
    [[ -n "$v" ]] && vals+=("$(awk -v f="$3" '{ print $f }' <<<"$v")")
  done
  median "${vals[@]}"
}

printf '%-20s %12s %12s %7s %10s %10s %10s %10s\n' "case" "redis rps" "tessera rps" "ratio" \
  "redis p99" "tess. p99" "redis cpu" "tess. cpu"
printf '%-20s %12s %12s %7s %10s %10s %10s %10s\n' "" "" "" "T/R" "ms" "ms" "us/req" "us/req"
for c in "${cases[@]}"; do
  label=${c%%|*}
  rr=$(pick "$label" redis 1)
  tr=$(pick "$label" tessera 1)
  printf '%-20s %12.0f %12.0f %7.2f %10s %10s %10s %10s\n' "$label" "$rr" "$tr" \
    "$(awk -v a="$tr" -v b="$rr" 'BEGIN { print (b > 0 ? a / b : 0) }')" \
    "$(pick "$label" redis 2)" "$(pick "$label" tessera 2)" \
    "$(pick "$label" redis 3)" "$(pick "$label" tessera 3)"
done
echo
printf 'memory, %d keys of 11 bytes with 16-byte values (bytes per key)\n' "$keys"
printf '%-20s %12s %12s\n' "" "redis" "tessera"
printf '%-20s %12s %12s\n' "RSS growth" "${rss_per_key[redis]}" "${rss_per_key[tessera]}"
printf '%-20s %12s %12s\n' "used_memory growth" "${used_per_key[redis]}" "${used_per_key[tessera]}"

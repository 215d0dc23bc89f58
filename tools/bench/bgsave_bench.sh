#!/usr/bin/env bash
# What a background save costs while clients write: memory and tail latency, redis-server (fork)
# against tessera-server (fork-less, copy-before-write per shard) on loopback.
#
#   tools/bench/bgsave_bench.sh [--keys K] [-n REQUESTS] [--clients C] [--threads T]
#                               [--tessera PATH] [--redis PATH] [--quick]
#
#   --keys K      keys preloaded, 100-byte values, and the key range of the load (default 1000000)
#   -n REQUESTS   requests per phase (default 2000000)
#   --clients C   redis-benchmark connections (default 50)
#   --threads T   tessera-server --threads (default: its own default, the number of cores)
#   --quick       --keys 100000 -n 200000: a smoke run of the script itself
#
# Per server, one after the other: load K keys "key:%012d" (redis-benchmark's -r names) with
# redis-cli --pipe, then two phases of the same write-heavy load, redis-benchmark -t set -d 100
# -r K -c C -n REQUESTS:
#   idle    no save running
#   bgsave  BGSAVE issued again as soon as the previous one finishes, for the whole phase
# The server's resident memory is sampled every 50 ms: VmRSS of the server process, and PSS
# summed over the server and its children (Redis's fork child shares pages with the parent,
# so RSS would count them twice and the parent's RSS alone would miss the child's copies).
# Prints a markdown table: steady RSS (median of the idle phase), peak during the bgsave phase,
# their ratio, the same for PSS, p50/p99 latency per phase and the p99 ratio; and issue 6's
# targets for Tessera: peak RSS <= 1.1x steady, p99 during BGSAVE <= 2x idle.
# Timings are only reported here, never asserted in tests.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tools/bench/bench_lib.sh
source "$here/bench_lib.sh"

keys=1000000
n=2000000
clients=50
threads=""
tessera="$root/build/tessera-server"
redis=/usr/bin/redis-server
while (($# > 0)); do
  case $1 in
    --keys) keys=$2; shift 2 ;;
    -n) n=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --tessera) tessera=$2; shift 2 ;;
    --redis) redis=$2; shift 2 ;;
    --quick) keys=100000; n=200000; shift ;;
    -h|--help) sed -n '2,25p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
for bin in "$tessera" "$redis"; do
  if [[ ! -x "$bin" ]]; then
    echo "no server binary at $bin" >&2
    exit 1
  fi
done
for num in "$keys" "$n" "$clients"; do
  if ! [[ "$num" =~ ^[1-9][0-9]*$ ]]; then
    echo "--keys, -n and --clients take positive integers" >&2
    exit 2
  fi
done
command -v redis-benchmark >/dev/null || { echo "redis-benchmark missing: tools/deps.sh" >&2; exit 1; }

work=$(mktemp -d /tmp/tessera-bgsave-bench.XXXXXX)
pids=()
bg_jobs=()
cleanup() {
  for p in "${bg_jobs[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do stop_server "$p"; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "## BGSAVE under a write load"
echo
machine_info
echo "- redis: $("$redis" --version | head -1)"
echo "- tessera: $tessera${threads:+ --threads $threads} (conf/tessera.conf)"
echo "- $keys keys of 100 bytes; load: redis-benchmark -t set -d 100 -r $keys -c $clients -n $n"
echo

# PSS in bytes of the process and all its descendants (0 for a process that is gone).
pss_tree() {
  local total=0 p kids
  local -a todo=("$1")
  while ((${#todo[@]} > 0)); do
    p=${todo[0]}
    todo=("${todo[@]:1}")
    total=$((total + $(awk '/^Pss:/ { print $2 * 1024; exit }' /proc/"$p"/smaps_rollup 2>/dev/null || echo 0)))
    kids=$(cat /proc/"$p"/task/*/children 2>/dev/null || true)
    for k in $kids; do todo+=("$k"); done
  done
  echo "$total"
}

# sample_memory PID OUT STOPFILE: every 50 ms appends "RSS PSS" (bytes) to OUT until STOPFILE
# exists.
sample_memory() {
  local p=$1 out=$2 stop=$3 rss
  while [[ ! -e "$stop" ]]; do
    rss=$(rss_bytes "$p" 2>/dev/null || echo 0)
    echo "${rss:-0} $(pss_tree "$p")" >>"$out"
    sleep 0.05  # the sampling period
  done
}

# bgsave_loop PORT OUT STOPFILE: BGSAVE again whenever none is running, until STOPFILE exists;
# writes "STARTED FAILED" (saves started, saves that ended with rdb_last_bgsave_status:err) to OUT.
bgsave_loop() {
  local p=$1 out=$2 stop=$3 started=0 failed=0
  while [[ ! -e "$stop" ]]; do
    if redis-cli -p "$p" BGSAVE 2>&1 | grep -q 'Background saving started'; then
      started=$((started + 1))
    fi
    while redis-cli -p "$p" INFO persistence | grep -q '^rdb_bgsave_in_progress:1'; do
      sleep 0.02  # polling interval while the save runs
    done
    if redis-cli -p "$p" INFO persistence | grep -q '^rdb_last_bgsave_status:err'; then
      failed=$((failed + 1))
    fi
  done
  echo "$started $failed" >"$out"
}

# run_load PORT -> "rps p50_ms p99_ms avg_ms max_ms" of one redis-benchmark SET run.
run_load() {
  local p=$1 out line
  if ! out=$(timeout 1200 redis-benchmark -h 127.0.0.1 -p "$p" -t set -d 100 -r "$keys" \
      -c "$clients" -n "$n" --csv 2>&1); then
    echo "redis-benchmark failed: $out" >&2
    exit 1
  fi
  # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",
  # "p99_latency_ms","max_latency_ms"
  line=$(grep '^"SET"' <<<"$out" | tail -1 | tr -d '"')
  awk -F, '{ print $2, $5, $7, $3, $8 }' <<<"$line"
}

# column_median COLUMN FILE: the median of a numeric column (upper middle for an even count).
column_median() {
  awk -v c="$1" '{ print $c }' "$2" | sort -g | awk '{ v[NR] = $1 } END { print v[int(NR / 2) + 1] }'
}

# phase NAME PHASE -> "rps p50 p99 steady_or_peak_rss ... " recorded in results[NAME|PHASE].
declare -A results saves port pid
phase() {
  local name=$1 what=$2 p=${port[$1]} stop="$work/$1.$2.stop" mem="$work/$1.$2.mem"
  local sampler looper="" load
  rm -f "$stop" "$mem"
  sample_memory "${pid[$name]}" "$mem" "$stop" &
  sampler=$!
  bg_jobs+=("$sampler")
  if [[ $what == bgsave ]]; then
    bgsave_loop "$p" "$work/$name.saves" "$stop" &
    looper=$!
    bg_jobs+=("$looper")
  fi
  load=$(run_load "$p")
  touch "$stop"
  wait "$sampler"
  [[ -n "$looper" ]] && wait "$looper"
  bg_jobs=()
  # Memory of the phase: median and maximum of each column.
  local rss_med rss_max pss_med pss_max
  rss_med=$(column_median 1 "$mem")
  rss_max=$(awk 'BEGIN { m = 0 } $1 > m { m = $1 } END { print m }' "$mem")
  pss_med=$(column_median 2 "$mem")
  pss_max=$(awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }' "$mem")
  results["$name|$what"]="$load $rss_med $rss_max $pss_med $pss_max $(wc -l <"$mem")"
}

for name in redis tessera; do
  mkdir -p "$work/$name-dir"
  port[$name]=$(free_port)
  server_cmd "$name" "${port[$name]}"
  cmd+=(--dir "$work/$name-dir")
  start_server "$work/$name.log" "${cmd[@]}"
  pid[$name]=$started_pid
  pids+=("$started_pid")
  if ! wait_ready "${pid[$name]}" "${port[$name]}"; then
    echo "$name did not start:" >&2
    cat "$work/$name.log" >&2
    exit 1
  fi
  awk -v n="$keys" 'BEGIN {
    v = sprintf("%0100d", 0)
    for (i = 0; i < n; i++) {
      k = sprintf("key:%012d", i)
      printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$100\r\n%s\r\n", length(k), k, v
    }
  }' | redis-cli -p "${port[$name]}" --pipe >"$work/$name.pipe.log" 2>&1
  count=$(redis-cli -p "${port[$name]}" DBSIZE)
  if [[ "$count" != "$keys" ]]; then
    echo "$name holds $count keys after loading $keys:" >&2
    cat "$work/$name.pipe.log" >&2
    exit 1
  fi
  echo "$name: loaded, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  phase "$name" idle
  echo "$name: idle phase done, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  phase "$name" bgsave
  saves[$name]=$(cat "$work/$name.saves")
  if ! grep -q '^rdb_last_bgsave_status:ok' <(redis-cli -p "${port[$name]}" INFO persistence | tr -d '\r'); then
    echo "$name: the last BGSAVE failed; log:" >&2
    tail -20 "$work/$name.log" >&2
  fi
  echo "$name: bgsave phase done, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  stop_server "${pid[$name]}"
  pids=()
done

mb() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }

echo "| server | steady RSS MB | peak RSS MB in BGSAVE | peak/steady RSS | steady PSS MB (with children) | peak PSS MB | peak/steady PSS | p50 ms idle | p50 ms BGSAVE | p99 ms idle | p99 ms BGSAVE | p99 BGSAVE/idle | avg ms idle | avg ms BGSAVE | max ms idle | max ms BGSAVE | rps idle | rps BGSAVE | BGSAVEs (failed) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
declare -A rss_ratio p99_ratio
for name in redis tessera; do
  read -r i_rps i_p50 i_p99 i_avg i_max i_rss_med _ i_pss_med _ _ <<<"${results[$name|idle]}"
  read -r b_rps b_p50 b_p99 b_avg b_max _ b_rss_max _ b_pss_max _ <<<"${results[$name|bgsave]}"
  read -r started failed <<<"${saves[$name]}"
  rss_ratio[$name]=$(ratio "$b_rss_max" "$i_rss_med")
  p99_ratio[$name]=$(ratio "$b_p99" "$i_p99")
  echo "| $name | $(mb "$i_rss_med") | $(mb "$b_rss_max") | ${rss_ratio[$name]} | $(mb "$i_pss_med") | $(mb "$b_pss_max") | $(ratio "$b_pss_max" "$i_pss_med") | $i_p50 | $b_p50 | $i_p99 | $b_p99 | ${p99_ratio[$name]} | $i_avg | $b_avg | $i_max | $b_max | $i_rps | $b_rps | $started ($failed) |"
done
echo
echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v != "-" && v + 0 <= t + 0) ? "met" : "NOT met" }'; }
echo "- issue 6, tessera peak RSS <= 1.1x steady: ${rss_ratio[tessera]}x, $(verdict "${rss_ratio[tessera]}" 1.1)"
echo "- issue 6, tessera p99 during BGSAVE <= 2x idle: ${p99_ratio[tessera]}x, $(verdict "${p99_ratio[tessera]}" 2)"

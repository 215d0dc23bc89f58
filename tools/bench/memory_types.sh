#!/usr/bin/env bash
# Memory per key for small collections, redis-server against tessera-server on loopback.
#
#   tools/bench/memory_types.sh [--keys K] [--threads T] [--tessera PATH] [--redis PATH]
#
#   --keys K     keys per data set (default 1000000)
#   --threads T  tessera-server --threads (default: its own default)
#   --quick      --keys 100000: a smoke run of the script itself
#
# Two data sets, each loaded into a fresh pair of servers with redis-cli --pipe:
#   hashes  K keys "hash:<i>", each HSET with 5 fields field1..field5 of 7-8 byte values
#   sets    K keys "set:<i>", each SADD with 5 integer members below 10^6 (an intset in both)
# and reports, per server, bytes per key from RSS growth after MEMORY PURGE (what the machine
# pays) and from INFO used_memory (what the allocator hands out), plus tessera/redis ratios.
# Both servers run without persistence. The issue's target is an RSS ratio of at most 0.8.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tools/bench/bench_lib.sh
source "$here/bench_lib.sh"

keys=1000000
threads=""
tessera="$root/build/tessera-server"
redis=/usr/bin/redis-server
while (($# > 0)); do
  case $1 in
    --keys) keys=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --tessera) tessera=$2; shift 2 ;;
    --redis) redis=$2; shift 2 ;;
    --quick) keys=100000; shift ;;
    -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
for bin in "$tessera" "$redis"; do
  if [[ ! -x "$bin" ]]; then
    echo "no server binary at $bin" >&2
    exit 1
  fi
done
if ! [[ "$keys" =~ ^[0-9]+$ ]] || ((keys < 1 || keys > 10000000)); then
  echo "--keys must be between 1 and 10000000" >&2
  exit 2
fi

work=$(mktemp -d /tmp/tessera-memtypes.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do stop_server "$p"; done
  rm -rf "$work"
}
trap cleanup EXIT

# The load files, generated once: plain RESP, so both servers parse the same bytes.
awk -v n="$keys" 'BEGIN {
  for (i = 0; i < n; i++) {
    k = "hash:" i
    printf "*12\r\n$4\r\nHSET\r\n$%d\r\n%s\r\n", length(k), k
    for (f = 1; f <= 5; f++) {
      v = "v" ((i * 7 + f) % 100000000)
      printf "$6\r\nfield%d\r\n$%d\r\n%s\r\n", f, length(v), v
    }
  }
}' >"$work/hashes.resp"
awk -v n="$keys" 'BEGIN {
  for (i = 0; i < n; i++) {
    k = "set:" i
    printf "*7\r\n$4\r\nSADD\r\n$%d\r\n%s\r\n", length(k), k
    for (f = 1; f <= 5; f++) {
      m = (i * 13 + f * 1000) % 1000000
      printf "$%d\r\n%s\r\n", length(m), m
    }
  }
}' >"$work/sets.resp"

server_cmd() {  # NAME PORT -> sets the array cmd
  local name=$1 port=$2
  if [[ $name == redis ]]; then
    cmd=("$redis" --port "$port" --bind 127.0.0.1 --save "" --appendonly no)
  else
    cmd=("$tessera" "$root/conf/tessera.conf" --port "$port" --bind 127.0.0.1)
    [[ -n "$threads" ]] && cmd+=(--threads "$threads")
  fi
  return 0
}

# measure NAME DATASET: a fresh server, the load, and "rss_per_key used_per_key" on stdout.
measure() {
  local name=$1 dataset=$2 p cmd server rss0 rss1 used0 used1 count
  p=$(free_port)
  server_cmd "$name" "$p"
  start_server "$work/$name.$dataset.log" "${cmd[@]}"
  server=$started_pid
  pids+=("$server")
  if ! wait_ready "$server" "$p"; then
    echo "$name did not start:" >&2
    cat "$work/$name.$dataset.log" >&2
    exit 1
  fi
  rss0=$(rss_bytes "$server")
  used0=$(used_memory "$p")
  redis-cli -p "$p" --pipe <"$work/$dataset.resp" >"$work/$name.$dataset.pipe.log" 2>&1
  # Freed transient memory (input buffers, replies) would otherwise still count in RSS until
  # jemalloc's decay returns it; both servers purge the same way.
  redis-cli -p "$p" MEMORY PURGE >/dev/null
  count=$(redis-cli -p "$p" DBSIZE)
  if [[ "$count" != "$keys" ]]; then
    echo "$name holds $count keys after loading $keys $dataset:" >&2
    cat "$work/$name.$dataset.pipe.log" >&2
    exit 1
  fi
  rss1=$(rss_bytes "$server")
  used1=$(used_memory "$p")
  awk -v a="$rss0" -v b="$rss1" -v c="${used0:-0}" -v d="${used1:-0}" -v n="$keys" \
    'BEGIN { printf "%.1f %.1f\n", (b - a) / n, (d - c) / n }'
  stop_server "$server"
}

printf '%-8s %-9s %14s %14s\n' "dataset" "server" "RSS bytes/key" "used bytes/key"
for dataset in hashes sets; do
  declare -A rss used
  for name in redis tessera; do
    read -r rss[$name] used[$name] < <(measure "$name" "$dataset")
    printf '%-8s %-9s %14s %14s\n' "$dataset" "$name" "${rss[$name]}" "${used[$name]}"
  done
  awk -v r="${rss[redis]}" -v t="${rss[tessera]}" -v ur="${used[redis]}" -v ut="${used[tessera]}" \
    -v d="$dataset" 'BEGIN {
      printf "%-8s %-9s %14.2f %14.2f   (target: RSS ratio <= 0.80)\n", d, "ratio", t / r,
             (ur > 0 ? ut / ur : 0)
    }'
done

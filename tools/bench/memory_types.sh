#!/usr/bin/env bash
# Memory per key for small collections, redis-server against tessera-server on loopback.
#
#   tools/bench/memory_types.sh [--keys K] [--threads T] [--tessera PATH] [--redis PATH]
#
#   --keys K     keys per data set (default 1000000)
#   --threads T  tessera-server --threads (default: its own default)
#   --quick      --keys 100000: a smoke run of the script itself
#   --no-header  only the table's rows (tools/bench/matrix.sh appends them to its memory table)
#
# Two data sets, each loaded into a fresh pair of servers with redis-cli --pipe:
#   hashes  K keys "hash:<i>", each HSET with 5 fields field1..field5 of 7-8 byte values
#   sets    K keys "set:<i>", each SADD with 5 integer members below 10^6 (an intset in both)
# and prints a markdown table: per server, bytes per key from RSS growth after MEMORY PURGE (what
# the machine pays) and from INFO used_memory (what the allocator hands out), plus tessera/redis
# ratios. Both servers run without persistence. The target (issue 7) is an RSS ratio <= 0.8.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tools/bench/bench_lib.sh
source "$here/bench_lib.sh"

keys=1000000
threads=""
no_header=0
tessera="$root/build/tessera-server"
redis=/usr/bin/redis-server
while (($# > 0)); do
  case $1 in
    --keys) keys=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --tessera) tessera=$2; shift 2 ;;
    --redis) redis=$2; shift 2 ;;
    --quick) keys=100000; shift ;;
    --no-header) no_header=1; shift ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}"; exit 0 ;;
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

declare -A port pid rss used
# measure NAME DATASET: a fresh server and the load; sets rss[NAME] and used[NAME] (per key).
measure() {
  local name=$1 dataset=$2 line
  start_named "$name"
  line=$(load_measure "$name" "$work/$dataset.resp" "$keys")
  read -r "rss[$name]" "used[$name]" <<<"$line"
  stop_server "${pid[$name]}"
  pids=()
}

if ((!no_header)); then
  echo "| memory, bytes per key | Redis RSS | Tessera RSS | RSS T/R | Redis used_memory |" \
    "Tessera used_memory | used T/R |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
fi
for dataset in hashes sets; do
  for name in redis tessera; do
    measure "$name" "$dataset"
  done
  label="$keys small $dataset"
  [[ $dataset == hashes ]] && label+=" (5 fields)" || label+=" (5 integers)"
  echo "| $label | ${rss[redis]} | ${rss[tessera]} | $(ratio "${rss[tessera]}" "${rss[redis]}") |" \
    "${used[redis]} | ${used[tessera]} | $(ratio "${used[tessera]}" "${used[redis]}") |"
done

#!/usr/bin/env bash
# Expiry lag, side by side: how late "expired" keyspace events arrive after each key's deadline
# on tessera-server and Debian's redis-server at default hz (10), with 1M keys of which 100k are
# volatile, their deadlines spread over 3 s, and nothing touching them (active expiry only).
#
#   tools/bench/expiry_lag.sh [--keys N] [--volatile N] [--spread-ms MS] [--threads T]
#                             [--tessera PATH] [--redis PATH]
#
# Prints received events and p50 / p99 / max lag in ms per server. Fresh servers on free
# loopback ports; bounded (the helper gives up 30 s after the last deadline). Timings are only
# reported here, never asserted in tests.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tools/bench/bench_lib.sh
source "$here/bench_lib.sh"

tessera="$root/build/tessera-server"
redis=/usr/bin/redis-server
threads=""
helper_args=()
while (($# > 0)); do
  case $1 in
    --keys | --volatile | --spread-ms) helper_args+=("$1" "$2"); shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --tessera) tessera=$2; shift 2 ;;
    --redis) redis=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

logs=$(mktemp -d /tmp/tessera-expiry-lag-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do stop_server "$pid"; done
}
trap cleanup EXIT

measure() {  # measure NAME BINARY ARGS...
  local name=$1 port
  shift
  port=$(free_port)
  start_server "$logs/$name.log" "$@" --port "$port" --bind 127.0.0.1 --save "" --hz 10
  pids+=("$started_pid")
  if ! wait_ready "$started_pid" "$port"; then
    echo "$name did not start; see $logs/$name.log" >&2
    exit 1
  fi
  local result
  result=$(/usr/bin/python3 "$here/expiry_lag.py" "$port" "${helper_args[@]}")
  stop_server "$started_pid"
  read -r got p50 p99 max <<<"$result"
  printf '%-16s %10s %10s %10s %10s\n' "$name" "$got" "$p50" "$p99" "$max"
}

printf '%-16s %10s %10s %10s %10s\n' server events p50_ms p99_ms max_ms
tessera_args=("$tessera")
[[ -n "$threads" ]] && tessera_args+=(--threads "$threads")
measure tessera-server "${tessera_args[@]}"
measure redis-server "$redis" --appendonly no

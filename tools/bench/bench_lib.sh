# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with the sourcing script
# Helpers for the benchmarks in tools/bench: starting servers on free loopback ports, loading them
# and reading their resource use.
# Sourced, not executed.

# A TCP port on 127.0.0.1 nobody listens on right now.
free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server LOG BINARY ARGS...: starts a server in the background (a child of this shell,
# so it can be reaped) and sets started_pid. The caller waits for it with wait_ready.
start_server() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  started_pid=$!
}

# wait_ready PID PORT: polls PING until the server answers, for at most 30 s.
wait_ready() {
  local pid=$1 port=$2 deadline=$((SECONDS + 30))
  until redis-cli -p "$port" PING 2>/dev/null | grep -q PONG; do
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS > deadline)); then
      return 1
    fi
    sleep 0.05  # polling interval while the server binds
  done
}

# stop_server PID: SIGTERM, SIGKILL after 20 s, then reap.
stop_server() {
  local pid=$1 deadline=$((SECONDS + 20))
  kill "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# CPU time the process has used, as "USER SYS" in clock ticks (/proc/PID/stat fields 14, 15;
# the command name in field 2 may hold spaces, so fields are counted after its closing paren).
cpu_ticks_split() {
  local stat
  stat=$(</proc/"$1"/stat)
  stat=${stat##*) }
  awk '{ print $12, $13 }' <<<"$stat"
}

# Resident set size in bytes.
rss_bytes() {
  awk '/^VmRSS:/ { print $2 * 1024 }' /proc/"$1"/status
}

# INFO memory's used_memory, in bytes.
used_memory() {
  redis-cli -p "$1" INFO memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }'
}

# median NUMBERS...: the middle value (upper middle for an even count).
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int(NR / 2) + 1] }'
}

# The machine a run was measured on, as markdown list items.
machine_info() {
  local model
  model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  echo "- machine: $(nproc) cores, ${model:-unknown CPU}, $(uname -sr)"
  echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# ---- servers under test ----
# The sourcing script sets: root, work (a scratch directory), redis and tessera (binaries),
# threads (tessera --threads, empty for its default), and declares `declare -A port pid` and
# `pids=()`. Both servers get the same settings that matter here: loopback, no persistence;
# tessera runs with its own default configuration.

# server_cmd NAME PORT: sets the array cmd to the command line of server NAME (redis|tessera).
server_cmd() {
  local name=$1 p=$2
  if [[ $name == redis || "$(basename "$tessera")" == redis-server* ]]; then
    local bin=$redis
    [[ $name == tessera ]] && bin=$tessera
    cmd=("$bin" --port "$p" --bind 127.0.0.1 --save "" --appendonly no)
  else
    cmd=("$tessera" "$root/conf/tessera.conf" --port "$p" --bind 127.0.0.1)
    [[ -n "$threads" ]] && cmd+=(--threads "$threads")
  fi
  return 0
}

# start_named NAME: starts server NAME on a free port; sets port[NAME] and pid[NAME].
start_named() {
  local name=$1 cmd
  port["$name"]=$(free_port)
  server_cmd "$name" "${port[$name]}"
  start_server "$work/$name.log" "${cmd[@]}"
  pid["$name"]=$started_pid
  pids+=("$started_pid")
  if ! wait_ready "${pid[$name]}" "${port[$name]}"; then
    echo "$name did not start:" >&2
    cat "$work/$name.log" >&2
    exit 1
  fi
}

# load_measure NAME FILE KEYS: loads the RESP commands in FILE into the running server NAME
# with redis-cli --pipe and prints "RSS_BYTES_PER_KEY USED_MEMORY_BYTES_PER_KEY" for the growth.
# Freed transient memory (input buffers, replies) would otherwise still count in RSS until
# jemalloc's decay returns it, so both servers get MEMORY PURGE before the reading.
load_measure() {
  local name=$1 file=$2 keys=$3 p=${port[$1]} rss0 rss1 used0 used1 count
  rss0=$(rss_bytes "${pid[$name]}")
  used0=$(used_memory "$p")
  redis-cli -p "$p" --pipe <"$file" >"$work/$name.pipe.log" 2>&1
  redis-cli -p "$p" MEMORY PURGE >/dev/null
  count=$(redis-cli -p "$p" DBSIZE)
  if [[ "$count" != "$keys" ]]; then
    echo "$name holds $count keys after loading $keys from $(basename "$file"):" >&2
    cat "$work/$name.pipe.log" >&2
    exit 1
  fi
  rss1=$(rss_bytes "${pid[$name]}")
  used1=$(used_memory "$p")
  awk -v a="$rss0" -v b="$rss1" -v c="${used0:-0}" -v d="${used1:-0}" -v n="$keys" \
    'BEGIN { printf "%.1f %.1f\n", (b - a) / n, (d - c) / n }'
}

# ratio A B: A / B with two decimals ("-" when B is zero or missing).
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "-" }'
}

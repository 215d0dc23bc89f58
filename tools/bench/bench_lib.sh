# shellcheck shell=bash disable=SC2034  # started_pid is read by the caller
# Helpers for bench.sh: starting servers on free loopback ports and reading their resource use.
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

# CPU time the process has used, user + system, in clock ticks (/proc/PID/stat fields 14, 15;
# the command name in field 2 may hold spaces, so fields are counted after its closing paren).
cpu_ticks() {
  local stat
  stat=$(</proc/"$1"/stat)
  stat=${stat##*) }
  awk '{ print $12 + $13 }' <<<"$stat"
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

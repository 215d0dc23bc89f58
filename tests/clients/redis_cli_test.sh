#!/usr/bin/env bash
# redis-cli smoke test, non-interactive: arguments, piped commands, --pipe mass insertion, RESP3
# with -3, and exit codes. Prints one PASS/FAIL line per check; exits non-zero if any failed.
# Usage: redis_cli_test.sh PORT
set -euo pipefail

port=$1
failed=0
# Keys carry this run's pid so reruns against the same server start from missing keys.
p="cli:$$"
cli() { timeout 20 redis-cli -h 127.0.0.1 -p "$port" "$@"; }

# check NAME EXPECTED ACTUAL
check() {
  if [[ "$2" == "$3" ]]; then
    echo "PASS redis-cli $1"
  else
    echo "FAIL redis-cli $1: expected $(printf '%q' "$2"), got $(printf '%q' "$3")"
    failed=1
  fi
}

check "SET" "OK" "$(cli SET $p:k hello)"
check "GET" "hello" "$(cli GET $p:k)"
# Without a tty redis-cli prints raw replies: nil is an empty line, integers bare.
check "GET missing" "" "$(cli GET $p:missing)"
check "INCR" "1" "$(cli INCR $p:n)"
check "--no-raw formatting" '(integer) 2' "$(cli --no-raw INCR $p:n)"
check "-n selects a database" "OK" "$(cli -n 3 SET $p:db3 x)"
check "database isolation" "x|" "$(cli -n 3 GET $p:db3)|$(cli GET $p:db3)"
check "MGET" $'hello\n\nx' "$(cli -n 3 MSET $p:a hello $p:c x >/dev/null; cli -n 3 MGET $p:a $p:b $p:c)"
check "error reply" "ERR wrong number of arguments for 'get' command" "$(cli GET 2>&1)"
check "value with spaces" "a b  c" "$(cli SET $p:sp 'a b  c' >/dev/null; cli GET $p:sp)"

# Commands piped on stdin, one per line, replies in order.
check "piped commands" $'OK\n11\nhello\n1' \
  "$(printf 'SET %s:p 10\nINCR %s:p\nGET %s:k\nDEL %s:p\n' "$p" "$p" "$p" "$p" | cli)"

# -x reads the last argument from stdin, binary-safe.
check "-x from stdin" "line1
line2" "$(printf 'line1\nline2' | cli -x SET $p:x >/dev/null; cli GET $p:x)"

# --pipe: raw RESP mass insertion; redis-cli appends an ECHO and counts replies and errors.
pipe_out=$(for i in $(seq 1 1000); do
  key="$p:pipe:$i"
  # shellcheck disable=SC2016  # the $ signs are RESP, not shell
  printf '*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n' "${#key}" "$key"
done | cli --pipe 2>&1 | tail -1)
check "--pipe" "errors: 0, replies: 1000" "$pipe_out"
check "--pipe wrote the keys" "v" "$(cli GET $p:pipe:1000)"

# -3 opens the connection with HELLO 3.
hello=$(cli -3 HELLO | tr '\n' ' ')
if [[ "$hello" == *"proto 3 "* ]]; then
  echo "PASS redis-cli -3 HELLO"
else
  echo "FAIL redis-cli -3 HELLO: $hello"
  failed=1
fi
check "-3 GET missing" "" "$(cli -3 GET $p:missing)"

# --scan and --bigkeys walk the keyspace with SCAN and TYPE.
check "--scan" "$p:pipe:1000" "$(cli --scan --pattern "$p:pipe:100?" | sort | tail -1)"
if cli --bigkeys >/dev/null 2>&1; then
  echo "PASS redis-cli --bigkeys"
else
  echo "FAIL redis-cli --bigkeys: exit $?"
  failed=1
fi

# --stat needs INFO; it samples until killed, so read its header and first sample only.
stat=$({ cli --stat -i 0.1 2>&1 || true; } | head -3)
if [[ "$stat" == *keys*clients* ]] && [[ "$stat" != *rror* ]]; then
  echo "PASS redis-cli --stat"
else
  echo "FAIL redis-cli --stat: $stat"
  failed=1
fi

exit $failed

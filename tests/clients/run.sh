#!/usr/bin/env bash
# Smoke tests with real clients against a running server: redis-cli (non-interactive and under a
# pty), redis-py (Debian's python3-redis), ioredis and node-redis (installed here with npm), and
# pub/sub subscribers in redis-py (RESP2; Debian's 4.3 has no RESP3) and ioredis (RESP2, RESP3).
# Usage: tests/clients/run.sh PORT
# Prints one PASS/FAIL line per check and a final "N passed, M failed"; exits non-zero on failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
port=${1:?usage: run.sh PORT}
# Debian's interpreter, which has python3-redis; a pyenv python3 earlier on PATH does not.
python=/usr/bin/python3

passed=0
failed=0

# run NAME COMMAND...: runs one client's test, echoing its output and counting its PASS/FAIL
# lines. A test that exits non-zero without printing a FAIL line counts as one failure.
run() {
  local name=$1
  shift
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  [[ -n "$out" ]] && printf '%s\n' "$out"
  local p f
  p=$(grep -c '^PASS ' <<<"$out" || true)
  f=$(grep -c '^FAIL ' <<<"$out" || true)
  if ((rc != 0 && f == 0)); then
    echo "FAIL $name: exited with status $rc"
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
}

if ! timeout 10 redis-cli -p "$port" PING >/dev/null 2>&1; then
  echo "FAIL no server answers PING on port $port"
  echo "0 passed, 1 failed"
  exit 1
fi

run redis-cli "$here/redis_cli_test.sh" "$port"
run "redis-cli interactive" "$python" "$here/redis_cli_interactive.py" "$port"
run redis-py "$python" "$here/redis_py_test.py" "$port"
run "redis-py pubsub" "$python" "$here/redis_py_pubsub_test.py" "$port"

# npm only when package.json changed since the last install; package-lock.json is not kept in
# git, so the pinned versions in package.json are the contract.
npm_ok=1
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "FAIL node.js clients: node or npm is not installed (tools/deps.sh installs them)"
  failed=$((failed + 1))
  npm_ok=0
elif [[ ! -f "$here/node_modules/.package-lock.json" ||
        "$here/package.json" -nt "$here/node_modules/.package-lock.json" ]]; then
  if ! (cd "$here" && npm install --no-audit --no-fund --loglevel=error >/dev/null); then
    echo "FAIL node.js clients: npm install failed"
    failed=$((failed + 1))
    npm_ok=0
  fi
fi
if ((npm_ok)); then
  run ioredis node "$here/ioredis_test.js" "$port"
  run "ioredis pubsub" node "$here/ioredis_pubsub_test.js" "$port"
  run node-redis node "$here/node_redis_test.js" "$port"
fi

echo "$passed passed, $failed failed"
((failed == 0))

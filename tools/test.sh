#!/usr/bin/env bash
# Builds everything and runs every test, as CI does (.ci/run calls this).
#
#   ./tools/test.sh                 all stages
#   ./tools/test.sh release format  only the named stages
#
# Stages: deps, release (Release build with -Werror, unit + integration + differential tests,
# then the integration tests again with one loop),
# perfgate (instructions per GET/SET/DEL under callgrind against
# tools/bench/hotpath_thresholds.txt, on the release build), clients (real client libraries
# against a running tessera-server), asan (ASan+UBSan build, unit + integration, then the
# integration tests again with one loop), tsan (TSan build, unit + integration), fuzz
# (libFuzzer on the RESP parser for 60 s), format (clang-format check), includes (leaf-library
# include rules).
# Each stage is timed; the last line is "N passed, M failed" over all tests and checks, and the
# exit status is non-zero if anything failed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=$(nproc)
fuzz_seconds=${TESSERA_FUZZ_SECONDS:-60}
# Build directories: build/, build-asan/, build-tsan/, build-fuzz/ (another prefix with
# TESSERA_BUILD_DIR=NAME, e.g. to keep them apart from a developer's own build/).
b="$root/${TESSERA_BUILD_DIR:-build}"

all_stages=(deps release perfgate clients asan tsan fuzz format includes)
if (($# > 0)); then
  stages=("$@")
else
  stages=("${all_stages[@]}")
fi
for s in "${stages[@]}"; do
  if [[ " ${all_stages[*]} " != *" $s "* ]]; then
    echo "unknown stage '$s'; stages: ${all_stages[*]}" >&2
    exit 2
  fi
done

passed=0
failed=0
report=()
logs="$b-logs"
mkdir -p "$logs"

# The integration tests take the server under test from the build; an override left in the
# environment would silently test something else.
unset TESSERA_TEST_SERVER

# check NAME OK: counts one pass/fail that is not a ctest test (a build, the format check...).
check() {
  if (($2 == 0)); then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $1"
  fi
}

# run_ctest BUILD_DIR [ctest args...]: runs the tests and adds ctest's own counts.
run_ctest() {
  local dir=$1
  shift
  local log rc=0
  log="$logs/ctest-${ctest_log_name:-$(basename "$dir")}.log"
  # A hung test must not eat the CI budget; tests that need longer set their own TIMEOUT.
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 600 "$@" 2>&1 | tee "$log" ||
    rc=$?
  local line
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)
  if [[ -z "$line" ]]; then
    echo "FAILED: ctest in $dir ran no tests"
    failed=$((failed + 1))
    return 1
  fi
  local nfail total
  nfail=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
  passed=$((passed + total - nfail))
  failed=$((failed + nfail))
  ((rc == 0 && nfail == 0))
}

# run_ctest_one_loop BUILD_DIR: the integration tests again on one loop, the default on a
# one-CPU machine. There every command runs where it was read, synchronously, and the loop is
# never lent: paths the harness's default of 4 loops rarely takes (an AOF replay of more than
# 512 commands once never finished on one loop only).
run_ctest_one_loop() {
  TESSERA_TEST_THREADS=1 ctest_log_name="$(basename "$1")-one-loop" run_ctest "$1" -L integration
}

# configure_and_build BUILD_DIR [cmake args...]: configures with Ninja and builds everything.
configure_and_build() {
  local dir=$1
  shift
  local rc=0
  cmake -S "$root" -B "$dir" -G Ninja "$@" >"$logs/configure-$(basename "$dir").log" 2>&1 || rc=$?
  if ((rc != 0)); then
    cat "$logs/configure-$(basename "$dir").log"
    check "configure $dir" 1
    return 1
  fi
  cmake --build "$dir" -j "$jobs" || rc=$?
  check "build $dir" $rc
  return $rc
}

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- stages; each returns non-zero when anything in it failed ----

stage_deps() {
  local rc=0
  "$root/tools/deps.sh" || rc=$?
  check deps $rc
  return $rc
}

stage_release() {
  configure_and_build "$b" -DCMAKE_BUILD_TYPE=Release -DTESSERA_WERROR=ON || return 1
  local rc=0
  run_ctest "$b" || rc=1
  run_ctest_one_loop "$b" || rc=1
  return $rc
}

stage_perfgate() {
  # Instruction counts of the request hot path, which do not jitter with load (tools/perf_gate.sh).
  local rc=0
  "$root/tools/perf_gate.sh" --build "$b" || rc=$?
  check "perf gate (instructions per GET/SET/DEL)" $rc
  return $rc
}

stage_clients() {
  local server="$b/tessera-server"
  if [[ ! -x "$server" ]]; then
    echo "no $server: the release stage builds it"
    check "clients: server binary" 1
    return 1
  fi
  local port pid rc=0 log="$logs/clients-server.log"
  port=$(free_port)
  "$server" "$root/conf/tessera.conf" --port "$port" --bind 127.0.0.1 >"$log" 2>&1 &
  pid=$!
  # Ready when it answers PING; give up after 30 s or as soon as the process is gone.
  local deadline=$((SECONDS + 30))
  until redis-cli -p "$port" PING 2>/dev/null | grep -q PONG; do
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS > deadline)); then
      echo "tessera-server did not start; log:"
      cat "$log"
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      check "clients: server start" 1
      return 1
    fi
    sleep 0.05  # polling interval while the server starts
  done

  local out
  out=$("$root/tests/clients/run.sh" "$port" 2>&1) || rc=$?
  printf '%s\n' "$out"
  local line p f
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -1 || true)
  if [[ -n "$line" ]]; then
    p=${line%% passed*}
    f=${line#*passed, }
    f=${f%% failed}
    passed=$((passed + p))
    failed=$((failed + f))
  else
    check "clients: run.sh summary" 1
    rc=1
  fi

  kill "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 20))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return $rc
}

stage_asan() {
  # -O1 keeps sanitizer runs fast enough while compiling quickly.
  configure_and_build "$b-asan" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 \
    -DTESSERA_SANITIZE=address || return 1
  local rc=0
  local asan=detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1
  local ubsan=print_stacktrace=1:halt_on_error=1
  ASAN_OPTIONS=$asan UBSAN_OPTIONS=$ubsan run_ctest "$b-asan" || rc=1
  # The one-loop paths checked for memory errors too (about 30 s).
  ASAN_OPTIONS=$asan UBSAN_OPTIONS=$ubsan run_ctest_one_loop "$b-asan" || rc=1
  return $rc
}

stage_tsan() {
  configure_and_build "$b-tsan" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 \
    -DTESSERA_SANITIZE=thread || return 1
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" run_ctest "$b-tsan"
}

stage_fuzz() {
  local dir="$b-fuzz" rc=0
  CC=clang CXX=clang++ cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTESSERA_FUZZ=ON >"$logs/configure-build-fuzz.log" 2>&1 || rc=$?
  if ((rc != 0)); then
    cat "$logs/configure-build-fuzz.log"
    check "configure build-fuzz" 1
    return 1
  fi
  cmake --build "$dir" --target resp_parser_fuzz -j "$jobs" || rc=$?
  check "build resp_parser_fuzz" $rc
  ((rc == 0)) || return 1
  local bin
  bin=$(find "$dir" -type f -name resp_parser_fuzz -perm -u+x | head -1)
  # New inputs go to a scratch corpus; checked-in seeds (if any) are read only.
  local corpus="$dir/corpus" seeds=()
  mkdir -p "$corpus"
  for d in "$root"/tests/fuzz/corpus*; do
    [[ -d "$d" ]] && seeds+=("$d")
  done
  "$bin" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/" "$corpus" "${seeds[@]}" >"$logs/fuzz.log" 2>&1 || rc=$?
  tail -40 "$logs/fuzz.log"
  check "fuzz resp_parser_fuzz ${fuzz_seconds}s" $rc
  return $rc
}

stage_format() {
  local files rc=0
  mapfile -t files < <(find protocol storage src tests -type f \( -name '*.h' -o -name '*.cc' \) \
    -not -path '*/node_modules/*' | sort)
  local unformatted=()
  # shellcheck disable=SC2016  # the inner script expands its own "$f"
  mapfile -t unformatted < <(printf '%s\0' "${files[@]}" | xargs -0 -n 8 -P "$jobs" sh -c \
    'for f; do clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"; done' _ | sort)
  if ((${#unformatted[@]} > 0)); then
    echo "not clang-formatted (fix with: clang-format -i FILE):"
    printf '  %s\n' "${unformatted[@]}"
    rc=1
  fi
  check "clang-format (${#files[@]} files)" $rc
  return $rc
}

stage_includes() {
  # protocol/ and storage/ are leaf libraries: no threads' runtime, no libuv, nothing from src/,
  # and neither may include the other.
  local bad rc=0
  bad=$(grep -rnE '^\s*#\s*include\s*[<"](src/|uv\.h|storage/)' protocol || true)
  bad+=$(grep -rnE '^\s*#\s*include\s*[<"](src/|uv\.h|protocol/)' storage || true)
  if [[ -n "$bad" ]]; then
    echo "forbidden includes in leaf libraries:"
    echo "$bad"
    rc=1
  fi
  check "leaf-library includes" $rc
  return $rc
}

for s in "${all_stages[@]}"; do
  [[ " ${stages[*]} " == *" $s "* ]] || continue
  echo
  echo "======== stage: $s ========"
  start=$SECONDS
  result=ok
  "stage_$s" || result=FAILED
  elapsed=$((SECONDS - start))
  report+=("$(printf '%-10s %4d:%02d  %s' "$s" $((elapsed / 60)) $((elapsed % 60)) "$result")")
  echo "======== stage $s: $result in ${elapsed}s ========"
  # Without dependencies nothing else can work.
  if [[ $s == deps && $result != ok ]]; then
    break
  fi
done

echo
echo "stage         time  result"
printf '%s\n' "${report[@]}"
echo "$passed passed, $failed failed"
((failed == 0))

#!/usr/bin/env bash
# Deterministic performance gate: instructions per request on the hot path, counted by
# callgrind on an in-process microbenchmark (tests/perf/hotpath_bench.cc), compared with the
# limits in tools/bench/hotpath_thresholds.txt. Instruction counts do not jitter with machine
# load, so a change that makes GET or SET slower fails here rather than in a noisy benchmark.
#
#   tools/perf_gate.sh [--build DIR] [--update]
#
#   --build DIR  build directory (default build-perf); configured as Release if it is not yet
#   --update     rewrite the thresholds file from this run (measured + 10%), after a change that
#                makes the hot path legitimately dearer or cheaper
#
# Each mode runs with N and 2N operations; per op = (I(2N) - I(N)) / N, so setup cancels.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build-perf"
update=0
while (($# > 0)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --update) update=1; shift ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ $build == /* ]] || build="$root/$build"
thresholds="$root/tools/bench/hotpath_thresholds.txt"
n=16000       # ops per run (a multiple of the bench's pipeline of 16)
headroom=1.10

command -v valgrind >/dev/null || { echo "perf gate: valgrind missing (tools/deps.sh)" >&2; exit 1; }
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt")
if [[ $type != Release ]]; then
  echo "perf gate: $build is a '$type' build; the thresholds are for Release" >&2
  exit 1
fi
work=$(mktemp -d /tmp/tessera-perfgate.XXXXXX)
trap 'rm -rf "$work"' EXIT
if ! cmake --build "$build" --target hotpath_bench -j "$(nproc)" >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2
  echo "perf gate: building hotpath_bench in $build failed" >&2
  exit 1
fi
bench="$build/tests/perf/hotpath_bench"

# instructions MODE OPS: the instructions counted inside the bench's measured section.
instructions() {
  local out="$work/callgrind.$1.$2"
  if ! valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out" \
      "$bench" "$1" "$2" >"$work/log" 2>&1; then
    echo "perf gate: hotpath_bench $1 $2 failed:" >&2
    cat "$work/log" >&2
    exit 1
  fi
  awk '/^(summary|totals):/ { print $2; exit }' "$out"
}

declare -A limit
while read -r mode value _; do
  [[ -z $mode || $mode == \#* ]] && continue
  limit[$mode]=$value
done <"$thresholds"

modes=(get set get-hop set-hop del)
failed=0
measured=()
printf '%-8s %12s %12s  %s\n' "mode" "instr/op" "threshold" "result"
for mode in "${modes[@]}"; do
  i1=$(instructions "$mode" "$n")
  i2=$(instructions "$mode" $((2 * n)))
  per_op=$(((i2 - i1) / n))
  measured+=("$mode $per_op")
  max=${limit[$mode]:-}
  if [[ -z $max ]]; then
    result="no threshold"
    ((update)) || failed=1
  elif ((per_op > max)); then
    result="FAILED: slower than the threshold by $(((per_op - max) * 100 / max))%"
    failed=1
  else
    result=ok
  fi
  printf '%-8s %12d %12s  %s\n' "$mode" "$per_op" "${max:--}" "$result"
done

if ((update)); then
  {
    sed -n '/^#/p' "$thresholds"
    for m in "${measured[@]}"; do
      read -r mode per_op <<<"$m"
      awk -v m="$mode" -v v="$per_op" -v h="$headroom" \
        'BEGIN { printf "%-8s %d  # measured %d\n", m, int(v * h + 0.5), v }'
    done
  } >"$work/thresholds"
  cp "$work/thresholds" "$thresholds"
  echo "perf gate: thresholds updated in ${thresholds#"$root"/}"
  exit 0
fi
if ((failed)); then
  echo "perf gate: FAILED. The request hot path executes more instructions than recorded in"
  echo "  ${thresholds#"$root"/}. Find the cause with:"
  echo "    valgrind --tool=callgrind --collect-atstart=no $bench MODE $n && callgrind_annotate"
  echo "  If the cost is intended, run tools/perf_gate.sh --update and commit the new thresholds."
  exit 1
fi
echo "perf gate: ok"

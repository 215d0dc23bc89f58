#!/usr/bin/env bash
# The whole performance matrix of issue 7 in one command: Tessera against Debian's redis-server
# on this machine, printed as markdown (paste it into README.md / docs/performance.md).
#
#   tools/bench/matrix.sh [--quick] [--threads N] [--keys K] [--tessera PATH] [--redis PATH]
#                         [--txbench PATH]
#
#   --quick      a smoke run (small counts, one round): checks the script, not the servers
#   --threads N  tessera-server --threads (default: its own, one loop per usable CPU)
#   --keys K     keys preloaded / loaded per memory data set (default 1000000)
#   --tessera    server binary (default build/tessera-server)
#   --txbench    txbench binary (default: next to the server, tools/bench/txbench)
#
# Runs tools/bench/bench.sh (1M keys preloaded; SET/GET at -P 16 and -P 1 with 50 connections,
# GET with 500 connections, MSET of 10 keys spread over shards and under one hash tag; server
# CPU per request; bytes per 16-byte string value) and tools/bench/memory_types.sh (1M small
# hashes and sets), then prints the machine, the load average before and after, and the command.
# Throughput figures on a busy machine are noisy: compare the ratios, measured in the same run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tools/bench/bench_lib.sh
source "$here/bench_lib.sh"

forward=()
bench_only=()
while (($# > 0)); do
  case $1 in
    --quick) forward+=("$1"); shift ;;
    --threads|--keys|--tessera|--redis) forward+=("$1" "$2"); shift 2 ;;
    --txbench) bench_only+=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done

started=$(date -u '+%Y-%m-%d %H:%M UTC')
echo "### Tessera vs Redis, $started"
echo
args=("${forward[@]}" "${bench_only[@]}")
echo "- command: \`tools/bench/matrix.sh${args[*]:+ ${args[*]}}\`"
machine_info
"$here/bench.sh" "${forward[@]}" "${bench_only[@]}"
"$here/memory_types.sh" --no-header "${forward[@]}"
echo
echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg); took $((SECONDS / 60)) min $((SECONDS % 60)) s"

#!/usr/bin/env bash
# Builds tessera-server (Release, in build/) and runs it in the foreground with conf/tessera.conf.
# Extra arguments are passed to the server and override the config file, e.g.
#   ./tools/run.sh --port 7000 --threads 4
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/tools/deps.sh"
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" --target tessera-server -j "$(nproc)"
exec "$root/build/tessera-server" "$root/conf/tessera.conf" "$@"

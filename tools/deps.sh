#!/usr/bin/env bash
# Installs what Tessera needs to build, test and benchmark on Debian 12, then makes sure Debian's
# own redis-server service is not holding port 6379 (Tessera's default port).
# Idempotent: when everything is installed it only queries dpkg and returns in well under a second.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libuv1-dev libhiredis-dev libjemalloc-dev libgtest-dev googletest
  clang libclang-rt-dev clang-format     # the libFuzzer build and the format check
  redis-server redis-tools               # reference server for differential tests, redis-cli,
                                         # redis-benchmark
  python3 python3-redis                  # redis-py client smoke test
  valgrind                               # the perf gate counts instructions with callgrind
)
# Node.js for the ioredis/node-redis smoke tests. A machine that already has node (for example
# from NodeSource, whose nodejs bundles npm and conflicts with Debian's npm) keeps it.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

sudo=()
if ((EUID != 0)); then
  sudo=(sudo)
fi

if ((${#missing[@]} > 0)); then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Debian starts redis-server on 6379 when it is installed; stop it and keep it from coming back.
# Only the packaged service is touched, never redis-server processes the tests start themselves.
if [[ -d /run/systemd/system ]]; then
  if systemctl is-enabled --quiet redis-server 2>/dev/null ||
     systemctl is-active --quiet redis-server 2>/dev/null; then
    "${sudo[@]}" systemctl disable --now redis-server >/dev/null 2>&1 || true
  fi
elif [[ -x /etc/init.d/redis-server ]]; then
  if /etc/init.d/redis-server status >/dev/null 2>&1; then
    "${sudo[@]}" /etc/init.d/redis-server stop >/dev/null 2>&1 || true
  fi
  if compgen -G "/etc/rc[2-5].d/S*redis-server" >/dev/null; then
    "${sudo[@]}" update-rc.d redis-server disable >/dev/null 2>&1 || true
  fi
fi

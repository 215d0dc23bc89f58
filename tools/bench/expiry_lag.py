#!/usr/bin/python3
"""Expiry lag on one running server: how long after its deadline each key's "expired" event
arrives.

Loads KEYS keys, VOLATILE of them with absolute deadlines (PXAT) spread evenly over SPREAD_MS
starting LEAD_MS after loading, subscribes to __keyevent@0__:expired and stamps every event on
arrival. Nobody touches the keys, so each event comes from the server's active expiry cycle.
Prints one line: "<received> <p50_ms> <p99_ms> <max_ms>", lag = arrival - deadline (wall clock;
client and server share the machine's clock).

Usage: expiry_lag.py PORT [--keys N] [--volatile N] [--spread-ms MS] [--lead-ms MS]
Bounded: gives up DEADLINE_S after the last deadline. Loopback only.
"""
import argparse
import socket
import subprocess
import sys
import time

CHANNEL = b"__keyevent@0__:expired"
DEADLINE_S = 30


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def pipe(port, payload):
    """Sends a protocol stream through redis-cli --pipe (fast bulk loading)."""
    r = subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=payload,
                       capture_output=True, timeout=600)
    if r.returncode != 0 or b"errors: 0" not in r.stdout:
        sys.exit(f"loading failed: {r.stdout!r} {r.stderr!r}")


def command(port, *args):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(resp(*args))
        return s.recv(4096)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--volatile", type=int, default=100_000)
    ap.add_argument("--spread-ms", type=int, default=3000)
    ap.add_argument("--lead-ms", type=int, default=3000)
    a = ap.parse_args()

    command(a.port, "FLUSHALL")
    command(a.port, "CONFIG", "SET", "notify-keyspace-events", "Ex")
    pipe(a.port, b"".join(resp("SET", f"key:{i}", "v") for i in range(a.keys - a.volatile)))

    sub = socket.create_connection(("127.0.0.1", a.port), timeout=10)
    sub.sendall(resp("SUBSCRIBE", CHANNEL))
    confirm = b""
    while not confirm.endswith(b":1\r\n"):
        confirm += sub.recv(4096)

    base = int(time.time() * 1000) + a.lead_ms
    deadlines = {}
    cmds = []
    for i in range(a.volatile):
        key = f"vol:{i}"
        at = base + i * a.spread_ms // a.volatile
        deadlines[key.encode()] = at
        cmds.append(resp("SET", key, "v", "PXAT", at))
    pipe(a.port, b"".join(cmds))
    if int(time.time() * 1000) > base:
        sys.exit("loading the volatile keys took longer than --lead-ms; raise it")

    lags = []
    buf = b""
    sub.settimeout(1)
    give_up = base + a.spread_ms + DEADLINE_S * 1000
    frame_head = b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n" % (len(CHANNEL), CHANNEL)
    while len(lags) < a.volatile and time.time() * 1000 < give_up:
        try:
            chunk = sub.recv(1 << 20)
        except socket.timeout:
            continue
        if not chunk:
            break
        now = time.time() * 1000
        buf += chunk
        pos = 0
        while True:
            if not buf.startswith(frame_head, pos):
                break
            p = pos + len(frame_head)
            eol = buf.find(b"\r\n", p)
            if eol < 0:
                break
            n = int(buf[p + 1:eol])
            end = eol + 2 + n + 2
            if end > len(buf):
                break
            key = buf[eol + 2:eol + 2 + n]
            lags.append(now - deadlines[key])
            pos = end
        buf = buf[pos:]
    if not lags:
        sys.exit("no expired events received")
    lags.sort()
    pick = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))]
    print(f"{len(lags)} {pick(0.50):.1f} {pick(0.99):.1f} {lags[-1]:.1f}")


if __name__ == "__main__":
    main()

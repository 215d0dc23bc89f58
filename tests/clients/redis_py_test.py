#!/usr/bin/python3
"""redis-py smoke test (Debian's python3-redis): SET/GET, a 100-command pipeline, clean close.

Usage: /usr/bin/python3 redis_py_test.py PORT  (exit 0 on success; prints one FAIL line otherwise)
"""
import os
import sys
import traceback

import redis


def main(port: int) -> None:
    # Keys carry the pid so reruns against the same server start from missing keys.
    p = f"redis-py:{os.getpid()}"
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10,
                         socket_connect_timeout=10, decode_responses=True)
    assert client.ping() is True
    assert client.set(f"{p}:k", "hello") is True
    assert client.get(f"{p}:k") == "hello"
    assert client.get(f"{p}:missing") is None
    assert client.incr(f"{p}:counter") == 1
    assert client.set(f"{p}:k", "new", get=True) == "hello"
    assert client.mget(f"{p}:k", f"{p}:missing") == ["new", None]

    # transaction=False: a plain pipeline, no MULTI/EXEC around it.
    pipe = client.pipeline(transaction=False)
    for i in range(0, 100, 2):
        pipe.set(f"{p}:p:{i}", f"v{i}")
        pipe.get(f"{p}:p:{i}")
    results = pipe.execute()
    assert len(results) == 100, len(results)
    for i in range(0, 100, 2):
        assert results[i] is True, (i, results[i])
        assert results[i + 1] == f"v{i}", (i, results[i + 1])

    # A wrong-arity error surfaces as the exception type redis-py maps from Redis's text.
    try:
        client.execute_command("GET")
        raise AssertionError("GET without a key did not fail")
    except redis.exceptions.ResponseError as err:
        assert "wrong number of arguments" in str(err), err

    client.close()


if __name__ == "__main__":
    try:
        main(int(sys.argv[1]))
    except Exception:  # any failure is reported the same way to run.sh
        print("FAIL redis-py: " + traceback.format_exc().strip().replace("\n", "\n    "))
        sys.exit(1)
    print("PASS redis-py")

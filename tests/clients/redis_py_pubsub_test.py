#!/usr/bin/python3
"""redis-py pub/sub test (Debian's python3-redis 4.3, which speaks RESP2 only): SUBSCRIBE and
PSUBSCRIBE through PubSub objects, PUBLISH counts, PUBSUB introspection, keyspace notifications.

Usage: /usr/bin/python3 redis_py_pubsub_test.py PORT  (prints PASS, or one FAIL line and exits 1)
"""
import os
import sys
import time
import traceback

import redis

DEADLINE_S = 10


def next_message(ps):
    """The next message (not a subscription confirmation), polling with a deadline."""
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        msg = ps.get_message(ignore_subscribe_messages=True, timeout=0.5)
        if msg is not None:
            return msg
    raise AssertionError("no message within the deadline")


def main(port: int) -> None:
    p = f"redis-py-pubsub:{os.getpid()}"
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10,
                         socket_connect_timeout=10, decode_responses=True)
    # Several subscriber connections, so they land on different server loops.
    subs = [client.pubsub() for _ in range(3)]
    for ps in subs:
        ps.subscribe(f"{p}:news")
    pattern = client.pubsub()
    pattern.psubscribe(f"{p}:n*")
    for ps in subs + [pattern]:
        confirm = ps.get_message(timeout=DEADLINE_S)
        assert confirm["type"] in ("subscribe", "psubscribe"), confirm

    assert client.publish(f"{p}:news", "hello") == 4
    for ps in subs:
        msg = next_message(ps)
        assert msg["type"] == "message" and msg["data"] == "hello", msg
    msg = next_message(pattern)
    assert msg["type"] == "pmessage" and msg["pattern"] == f"{p}:n*", msg
    assert msg["channel"] == f"{p}:news" and msg["data"] == "hello", msg

    assert dict(client.pubsub_numsub(f"{p}:news", f"{p}:none")) == {f"{p}:news": 3, f"{p}:none": 0}
    assert f"{p}:news" in client.pubsub_channels(f"{p}:*")
    assert client.pubsub_numpat() >= 1

    # Messages from one publisher arrive in order.
    for i in range(200):
        client.publish(f"{p}:news", str(i))
    for i in range(200):
        assert next_message(subs[0])["data"] == str(i)

    # Keyspace notifications through a pattern subscription.
    old = client.config_get("notify-keyspace-events")["notify-keyspace-events"]
    client.config_set("notify-keyspace-events", "KEA")
    try:
        events = client.pubsub()
        events.psubscribe(f"__keyspace@0__:{p}:*")
        events.get_message(timeout=DEADLINE_S)
        client.set(f"{p}:k", "v")
        client.expire(f"{p}:k", 100)
        client.delete(f"{p}:k")
        got = [next_message(events)["data"] for _ in range(3)]
        assert got == ["set", "expire", "del"], got
        events.close()
    finally:
        client.config_set("notify-keyspace-events", old)

    # run_in_thread delivers to handlers; unsubscribing stops delivery.
    received = []
    handler_ps = client.pubsub()
    handler_ps.subscribe(**{f"{p}:h": lambda m: received.append(m["data"])})
    worker = handler_ps.run_in_thread(sleep_time=0.05)
    end = time.monotonic() + DEADLINE_S
    while client.publish(f"{p}:h", "x") == 0 and time.monotonic() < end:
        pass
    while not received and time.monotonic() < end:
        time.sleep(0.01)
    # stop() makes the worker close its PubSub itself once its loop ends.
    worker.stop()
    worker.join(DEADLINE_S)
    assert not worker.is_alive(), "pubsub worker thread did not stop"
    assert received and received[0] == "x", received

    for ps in subs + [pattern]:
        ps.close()
    end = time.monotonic() + DEADLINE_S
    while client.publish(f"{p}:news", "late") != 0:
        assert time.monotonic() < end, "subscriptions outlived their connections"
    client.close()


if __name__ == "__main__":
    try:
        main(int(sys.argv[1]))
    except Exception:  # any failure is reported the same way to run.sh
        print("FAIL redis-py pubsub: " + traceback.format_exc().replace("\n", " | "))
        sys.exit(1)
    print("PASS redis-py pubsub")

"""Rate limits: a burst, then one every so often, per key, in bounded memory; and the client behind
a connection, read from X-Forwarded-For only through trusted proxies."""

from __future__ import annotations

from matrixbot.calendar.limits import RateLimit, client_of, networks

LOOPBACK = networks(["127.0.0.0/8", "::1"])


def test_a_burst_then_one_every_period():
    now = [0.0]
    limit = RateLimit(3, 10.0, clock=lambda: now[0])
    assert [limit.wait("a") for _ in range(4)] == [0, 0, 0, 10]
    assert limit.wait("b") == 0, "each key has its own share"
    now[0] = 9.0
    assert limit.wait("a") == 1
    now[0] = 10.5
    assert limit.wait("a") == 0 and limit.wait("a") == 10


def test_memory_is_bounded_by_forgetting_the_least_recently_seen():
    limit = RateLimit(1, 60.0, keys=2, clock=lambda: 0.0)
    assert limit.wait("a") == 0 and limit.wait("b") == 0
    assert limit.wait("a") > 0  # a is now the most recently seen
    limit.wait("c")  # b is forgotten
    assert len(limit._buckets) == 2 and "b" not in limit._buckets


def test_the_client_is_read_through_trusted_proxies_only():
    assert client_of("203.0.113.5", None, LOOPBACK) == "203.0.113.5"
    assert client_of("127.0.0.1", "198.51.100.7", LOOPBACK) == "198.51.100.7"
    assert client_of("127.0.0.1", "6.6.6.6, 198.51.100.7", LOOPBACK) == "198.51.100.7", (
        "the left is the client's own say"
    )
    assert client_of("127.0.0.1", "198.51.100.7, 127.0.0.1", LOOPBACK) == "198.51.100.7"
    assert client_of("203.0.113.5", "198.51.100.7", LOOPBACK) == "203.0.113.5", "not from a trusted proxy"
    assert client_of("127.0.0.1", "not an address", LOOPBACK) == "127.0.0.1"
    assert client_of("::ffff:203.0.113.5", None, LOOPBACK) == "203.0.113.5"
    assert (
        client_of("2001:db8::1", None, LOOPBACK)
        == client_of("2001:db8::2", None, LOOPBACK)
        == "2001:db8::/64"
    )

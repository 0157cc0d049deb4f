"""How often a feed may be fetched: token buckets per address and per client, and who the client is.

Calendar apps fetch a feed every few minutes to every few hours; a person opens the agenda page a
few times. The limits are far above that and far below what would cost the bot: an address gets
`ADDRESS_BURST` fetches at once, then one every `ADDRESS_EVERY` seconds; a client (an IPv4
address, or an IPv6 /64: one machine's usual share) `CLIENT_BURST`, then one every `CLIENT_EVERY`.
Google Calendar fetches every subscriber's feeds from a few shared machines, hence the client's
larger share. Each table remembers at most `MAX_KEYS` keys (the least recently seen go first), so
a flood of addresses costs bounded memory.

Behind a reverse proxy every request comes from the proxy: the client is then read from the
`X-Forwarded-For` the proxy adds, which is believed only from `http.trusted_proxies` (loopback by
default), right to left, up to the first address that is not a trusted proxy.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

ADDRESS_BURST = 20
ADDRESS_EVERY = 30.0
CLIENT_BURST = 120
CLIENT_EVERY = 0.5
MAX_KEYS = 10_000

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimit:
    """`burst` requests at once per key, then one every `every` seconds."""

    def __init__(
        self, burst: int, every: float, *, keys: int = MAX_KEYS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._burst, self._every, self._keys, self._clock = burst, every, keys, clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def wait(self, key: str) -> int:
        """0 when `key` may go ahead now (and it is counted), else the whole seconds until it may."""
        now = self._clock()
        bucket = self._buckets.pop(key, None) or _Bucket(float(self._burst), now)
        bucket.tokens = min(float(self._burst), bucket.tokens + (now - bucket.stamp) / self._every)
        bucket.stamp = now
        self._buckets[key] = bucket
        if len(self._buckets) > self._keys:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0
        return max(1, math.ceil((1 - bucket.tokens) * self._every))


def networks(specs: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(spec, strict=False) for spec in specs)


def client_of(peer: str, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """The rate-limit key of the client behind a connection from `peer`: its IPv4 address or IPv6 /64."""
    address = _address(peer)
    if address is None:
        return peer
    if forwarded_for:
        for hop in reversed(forwarded_for.split(",")):
            if not _trusted(address, trusted):
                break
            found = _address(hop.strip())
            if found is None:
                break
            address = found
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # a dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d
    return address


def _trusted(address: Address, trusted: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in trusted)

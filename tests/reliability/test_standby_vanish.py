"""The leader's machine vanishes: the standby takes over once the database server has found it gone.

The leader runs in a network namespace of its own, joined to this machine by a veth pair: it
reaches PostgreSQL on the pair's address and the homeserver through a relay there. Setting the
link inside the namespace down drops every packet and closes nothing, as a machine that lost its
power or network: no FIN, no RST, only silence. What this measures is the margins the fencing rests
on (storage/leadership.py): the leader stops posting LEASE s after its last answered heartbeat (X),
the server gives its lock up only once its TCP keepalives go unanswered (Y), and the standby leads
soon after. Needs root (network namespaces); skipped otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest

from matrixbot.storage.leadership import KEEPALIVE_SECONDS, LEASE
from matrixbot.testing.postgres import Postgres
from tests.ops.test_processes import free_port
from tests.reliability.bot_process import BotProcess
from tests.reliability.figures import record
from tests.reliability.test_standby import TAKEOVER_LIMIT, until_role
from tests.storage.pgproxy import Gate

pytestmark = pytest.mark.slow


@dataclass
class Network:
    """A namespace (`name`) and the veth pair to it: `host` here, `inside` in there."""

    name: str
    link: str
    host: str
    inside: str

    @property
    def prefix(self) -> tuple[str, ...]:
        return ("ip", "netns", "exec", self.name)

    def vanish(self) -> None:
        """Every packet between here and there dropped from now on; nothing is closed."""
        _ip("netns", "exec", self.name, "ip", "link", "set", f"{self.link}n", "down")


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@contextlib.contextmanager
def other_machine() -> Iterator[Network]:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and `ip` (network namespaces)")
    tag = secrets.token_hex(3)
    octet = 16 + secrets.randbelow(200)
    net = Network(f"mbvanish{tag}", f"mbv{tag}", f"10.213.{octet}.1", f"10.213.{octet}.2")
    try:
        _ip("netns", "add", net.name)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"cannot make a network namespace: {exc.stderr.decode().strip()}")
    try:
        _ip("link", "add", f"{net.link}h", "type", "veth", "peer", "name", f"{net.link}n")
        _ip("link", "set", f"{net.link}n", "netns", net.name)
        _ip("addr", "add", f"{net.host}/30", "dev", f"{net.link}h")
        _ip("link", "set", f"{net.link}h", "up")
        for args in (
            ("addr", "add", f"{net.inside}/30", "dev", f"{net.link}n"),
            ("link", "set", f"{net.link}n", "up"),
        ):
            _ip("netns", "exec", net.name, "ip", *args)
        _ip("netns", "exec", net.name, "ip", "link", "set", "lo", "up")
        yield net
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "del", f"{net.link}h")
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("netns", "del", net.name)


def logged(log: str, needle: str) -> tuple[float, str] | None:
    """When the first line holding `needle` was logged (Unix seconds), and the line."""
    for line in log.splitlines():
        if needle in line:
            found = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})", line)
            if found:
                return datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp(), line
    return None


async def until_logged(bot: BotProcess, needle: str, timeout: float = 60) -> None:
    began = time.monotonic()
    while needle not in bot.log_text():
        assert time.monotonic() - began < timeout, (
            f"no {needle!r} in {bot.log_path}:\n{bot.log_text()[-2000:]}"
        )
        await asyncio.sleep(0.1)


async def test_the_leaders_machine_vanishes_and_the_standby_takes_over(synapse, account, chat, tmp_path):
    with other_machine() as net:
        # a server of its own, listening on the pair's address too (the session's is on loopback only)
        server = Postgres(settings={"listen_addresses": f"127.0.0.1,{net.host}"})
        try:
            server.start()
            server.allow(net.inside)
            await vanishing(synapse, account, chat, tmp_path, net, server)
        finally:
            server.remove()


async def vanishing(synapse, account, chat, tmp_path, net: Network, server: Postgres) -> None:
    url = server.create_database()
    relay = Gate(int(synapse.url.rsplit(":", 1)[1]), host=net.host)  # the homeserver, from in there
    await relay.start()
    bot_account = await asyncio.to_thread(account, "bot")
    a = BotProcess(
        f"http://{net.host}:{relay.port}",
        bot_account,
        tmp_path / "a",
        plugins=("meetings",),
        database=url.replace("127.0.0.1", net.host),
        prefix=net.prefix,
    )
    b = BotProcess(
        synapse.url, bot_account, tmp_path / "b", plugins=("meetings",), database=url, http_port=free_port()
    )
    try:
        await a.start()
        await until_logged(a, "matrixbot started as")
        await b.start()
        await until_role(b, "standby")
        alice = await chat("alice", encrypted=True)
        room = await alice.create_room(invite=[a.user_id], encrypted=True)
        await alice.wait_for_membership(room, a.user_id, "join", timeout=60)
        await alice.wait_for_reply(await alice.say(room, "!help"), sender=a.user_id, timeout=60)
        commands = [await alice.say(room, f"!help remind {n}") for n in range(3)]
        await asyncio.sleep(1.5)
        vanished = time.time()
        net.vanish()
        took = await until_role(b, "leader", timeout=TAKEOVER_LIMIT * 2)
        commands += [await alice.say(room, f"!help remind {n}") for n in range(3, 6)]
        for command in commands:
            await alice.wait_for_reply(command, sender=a.user_id, timeout=60)
        await asyncio.sleep(2)
        await alice.until_synced()
        answers = [e.reply_to for e in alice.events(room) if e.sender == a.user_id and e.reply_to in commands]
        lost = logged(a.log_text(), "lost the session holding the leader's lock")
        leading = logged(b.log_text(), "leading (term 2")
    finally:
        a.kill()
        await asyncio.gather(a.reap(), b.stop(), return_exceptions=True)
        await relay.close()
    assert lost is not None and leading is not None
    ago = re.search(r"since ([\d.]+) s ago", lost[1])
    assert ago is not None, lost[1]
    fenced, led = lost[0] - float(ago.group(1)) - vanished, leading[0] - vanished
    led_at = leading[0]
    record(
        "machine gone",
        f"the leader's network dropped every packet: it stopped posting {fenced:.1f} s later "
        f"(lease {LEASE:.0f} s after its last answered heartbeat), the server gave its lock up and the "
        f"standby led {led:.1f} s later (keepalives: at least {KEEPALIVE_SECONDS:.0f} s), answering "
        f"{len(set(answers))} of {len(commands)} commands, {len(answers) - len(set(answers))} twice; "
        f"caught up {vanished + took - led_at:.1f} s after that ({took:.1f} s after the cut)",
    )
    assert fenced <= LEASE + 0.2, f"fenced {fenced:.2f} s after the network went"
    assert fenced < led, "the old leader stopped before the standby led"
    assert took <= TAKEOVER_LIMIT, f"took over {took:.1f} s after the network went"
    assert sorted(set(answers)) == sorted(commands) and len(answers) == len(commands), "each answered once"

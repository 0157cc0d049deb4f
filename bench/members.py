"""Bursts sent by many members: what a room's send window is for.

Every other burst of the bench is one member's (alice's), whose answers must come in the order of
her commands, so our bot sends them one after another. Here the commands of a burst come from many
members, as in a busy room: 10 members each send two commands into one room at once (20), then
200 commands spread over 10 rooms and the same 10 members (each sends two into every room). Each
member's two commands in a room must be answered in their order; answers to different members may
overtake one another. The members only send (`clients.Member`); alice, in every room, is the
person whose sync sees the answers, and the answers are counted and timed as in every burst
(`timing.burst`).

Our bot, the echo bot and maubot each get rooms of their own for this, with the same members, so
that the rooms where single replies are timed keep their two members.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bench import commands
from bench.clients import Member
from bench.env import BenchEnv
from bench.floors import Peers
from bench.internals import Account
from bench.launch import launch
from bench.sizes import Sizes
from bench.timing import Burst, Peer, burst, reply_ms

M = TypeVar("M")


@dataclass(frozen=True)
class CrowdBursts:
    """One bot's two bursts by many members."""

    one_room: Burst
    many_rooms: Burst
    rooms: int
    """The rooms the second burst is spread over."""


@dataclass(frozen=True)
class MemberBursts:
    members: int
    bot: CrowdBursts
    echo: CrowdBursts
    maubot: CrowdBursts | None = None


@dataclass(frozen=True)
class _Bot:
    """One bot in its rooms for these bursts, and what it is sent: the n-th command of a room."""

    rooms: list[str]
    text: Callable[[int], str]


def spread(
    rooms: Sequence[str], members: Sequence[M], count: int, text: Callable[[int], str]
) -> tuple[list[tuple[str, str]], list[M]]:
    """`count` commands over `rooms` in turn, and who sends each: the first member one into each
    room, then the next member, and so on, round the members again when all have sent one (the
    n-th command of a room is `text(n)`)."""
    plan = [(rooms[n % len(rooms)], text(n // len(rooms))) for n in range(count)]
    senders = [members[n // len(rooms) % len(members)] for n in range(count)]
    return plan, senders


async def measure_member_bursts(env: BenchEnv, sizes: Sizes, peers: Peers) -> MemberBursts:
    """The bursts by many members for our bot and each running peer, taken in turns: each bot's
    one-room burst, then each bot's burst over many rooms, so that all meet the same load."""
    members = env.members(sizes.burst_members)
    accounts = [m.account for m in members]
    echo = await _peer_rooms(env, peers.echo, env.echo, accounts, sizes)
    maubot = await _peer_rooms(env, peers.maubot, env.maubot, accounts, sizes) if peers.maubot else None
    rooms = await env.rooms_with(env.alice, [env.bot, *accounts], sizes.burst_rooms + 1)
    started = await launch(env, "bot-members", rooms[0])
    try:
        for room_id in rooms:  # one open poll in each room, so that `!vote` needs no id
            await reply_ms(env.alice, room_id, [commands.poll("Vote here")])
        mix = commands.BURST_MIX
        await reply_ms(env.alice, rooms[0], list(mix))  # warm: first use of each command
        bots = {"bot": _Bot(rooms, lambda n: mix[n % len(mix)]), "echo": echo}
        if maubot is not None:
            bots["maubot"] = maubot
        one_room = {
            name: await _burst(env, bot.rooms[:1], members, sizes.burst_one_room, bot.text)
            for name, bot in bots.items()
        }
        many_rooms = {
            name: await _burst(env, bot.rooms[1:], members, sizes.burst_many, bot.text)
            for name, bot in bots.items()
        }
    finally:
        await started.process.stop()
    found = {name: CrowdBursts(one_room[name], many_rooms[name], sizes.burst_rooms) for name in bots}
    return MemberBursts(len(members), found["bot"], found["echo"], found.get("maubot"))


async def _burst(
    env: BenchEnv, rooms: Sequence[str], members: Sequence[Member], count: int, text: Callable[[int], str]
) -> Burst:
    plan, senders = spread(rooms, members, count, text)
    return await burst(env.alice, plan, by=senders)


async def _peer_rooms(
    env: BenchEnv, peer: Peer, account: Account, members: Sequence[Account], sizes: Sizes
) -> _Bot:
    """Rooms with the running `peer` and the members in them; a first message in each, answered, so
    that the peer is known to serve them."""
    rooms = await env.rooms_with(env.alice, [account, *members], sizes.burst_rooms + 1)
    for room_id in rooms:
        await reply_ms(env.alice, room_id, [peer.text("warm up")])
    return _Bot(rooms, lambda n: peer.text(f"burst {n}"))

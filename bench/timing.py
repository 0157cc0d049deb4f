"""Timing a conversation from the person's side: send, and wait until their sync shows the answer."""

from __future__ import annotations

import asyncio
import bisect
import math
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from bench.clients import TimedClient
from bench.processes import BotProcess
from bench.stats import percentile

T = TypeVar("T")


async def relay_ms(
    sender: TimedClient, receiver: TimedClient, room_id: str, count: int, *, mention: bool = False
) -> list[float]:
    """The homeserver floor: `sender` sends, `receiver`'s sync sees it. One message at a time."""
    samples = []
    for n in range(count):
        sent_at = time.time()
        mentions = [receiver.user_id] if mention else None
        event_id = await sender.say(room_id, f"relay {n}", mentions=mentions)
        samples.append((await receiver.arrival(event_id) - sent_at) * 1000)
    return samples


async def reply_ms(
    client: TimedClient, room_id: str, texts: Iterable[str], timeout: float = 30.0
) -> list[float]:
    """Send each text after the previous one was answered; milliseconds from send to answer seen."""
    samples = []
    for text in texts:
        sent_at = time.time()
        event_id = await client.say(room_id, text)
        _, arrived = await client.first_reply(event_id, timeout)
        samples.append((arrived - sent_at) * 1000)
    return samples


@dataclass(frozen=True)
class Peer:
    """A running peer bot (`echo`, `maubot`) and its rooms: one for single messages, the rest for bursts."""

    name: str
    process: BotProcess
    room: str
    burst_rooms: list[str]
    command: str | None = None
    """What it answers (`!ping`); None: it answers any text (the echo bot)."""

    def text(self, text: str) -> str:
        """What to send it in place of `text`: the text itself, or its command."""
        return text if self.command is None else f"{self.command} {text}"


@dataclass
class Paired:
    """Bot samples, each followed at once by a sample of each peer (the same text to the echo bot, the
    peer's command to maubot): all see the same homeserver load and drift, so ratios are the bots' own cost."""

    bot: list[float] = field(default_factory=list)
    peers: dict[str, list[float]] = field(default_factory=dict)

    @property
    def echo(self) -> list[float]:
        return self.peers.get("echo", [])

    async def take(
        self, client: TimedClient, bot_room: str, peers: Sequence[Peer], texts: Iterable[str]
    ) -> list[float]:
        taken = []
        for text in texts:
            taken += await reply_ms(client, bot_room, [text])
            for peer in peers:
                self.peers.setdefault(peer.name, []).extend(
                    await reply_ms(client, peer.room, [peer.text(text)])
                )
        self.bot += taken
        return taken

    def extend(self, other: Paired) -> None:
        self.bot += other.bot
        for name, samples in other.peers.items():
            self.peers.setdefault(name, []).extend(samples)


@dataclass(frozen=True)
class Burst:
    sent: int
    answered_once: int
    lost: int
    doubled: int
    tail_ms: float
    """From the moment the last send was accepted to the moment the last answer was seen."""
    p50_ms: float
    """The median answer, measured as the tail is: from the moment the last send was accepted to
    each command's (first) answer seen, an answer seen before that counting as 0."""
    out_of_order: int
    """One member's answers out of the order of their commands in their room, summed over members
    and rooms (see `out_of_order`): what keeping each member's answers in order must hold at 0."""
    out_of_room_order: int
    """The same over all the commands of a room, whoever sent them: answers to different members
    that overtook one another (the same as `out_of_order` when one member sends everything)."""


@dataclass(frozen=True)
class Sent:
    """One command of a burst: who sent it where, and when the homeserver accepted it."""

    event_id: str
    sender: str
    room_id: str
    accepted: float


@dataclass(frozen=True)
class Answer:
    """An answer as the observer's sync saw it: its place in the observer's log, and when."""

    position: int
    arrived: float


class Sender(Protocol):
    user_id: str

    async def say(self, room_id: str, body: str) -> str: ...


async def burst(
    observer: TimedClient,
    plan: Sequence[tuple[str, str]],
    *,
    by: Sequence[Sender] = (),
    timeout: float = 60.0,
) -> Burst:
    """Send every (room, text) of `plan` at once, `by[n]` sending `plan[n]` (with no `by`, the
    observer sends them all); then count the answers to each, as the observer's sync saw them."""
    senders = list(by) or [observer] * len(plan)

    async def send(sender: Sender, room_id: str, text: str) -> Sent:
        event_id = await sender.say(room_id, text)
        return Sent(event_id, sender.user_id, room_id, time.time())

    sent = await asyncio.gather(
        *(send(sender, room_id, text) for sender, (room_id, text) in zip(senders, plan, strict=True))
    )
    await asyncio.gather(*(observer.first_reply(s.event_id, timeout) for s in sent), return_exceptions=True)
    # late doubles would show up within a couple of seconds; look at everything the server has
    await asyncio.sleep(2)
    await observer.until_synced()
    place = {seen.event_id: seen.position for seen in observer.events() if seen.event_id}
    answers = {
        s.event_id: [Answer(seen.position, at) for seen, at in observer.replies.get(s.event_id, [])]
        for s in sent
    }
    return tally(sent, answers, place)


def tally(sent: Sequence[Sent], answers: Mapping[str, Sequence[Answer]], place: Mapping[str, int]) -> Burst:
    """Count a burst: `answers` to each command as the observer saw them, in the order seen;
    `place`: where each command came in the observer's log, which is the room's order, the order
    the bot reads them (sent at once, they reach the homeserver in any order). Commands the
    observer did not see go last, in the order sent."""
    counts = [len(answers.get(s.event_id, ())) for s in sent]
    first = {s.event_id: answers[s.event_id][0] for s in sent if answers.get(s.event_id)}
    last_sent = max((s.accepted for s in sent), default=math.nan)
    waits = [max(0.0, answer.arrived - last_sent) * 1000 for answer in first.values()]
    in_room_order = sorted(sent, key=lambda s: place.get(s.event_id, len(place)))

    def disorder(key: Callable[[Sent], tuple[str, ...]]) -> int:
        groups: defaultdict[tuple[str, ...], list[int]] = defaultdict(list)
        for s in in_room_order:
            if s.event_id in first:
                groups[key(s)].append(first[s.event_id].position)
        return sum(out_of_order(places) for places in groups.values())

    return Burst(
        sent=len(sent),
        answered_once=sum(1 for c in counts if c == 1),
        lost=sum(1 for c in counts if c == 0),
        doubled=sum(1 for c in counts if c > 1),
        tail_ms=(max(a.arrived for a in first.values()) - last_sent) * 1000 if first else math.nan,
        p50_ms=percentile(waits, 50),
        out_of_order=disorder(lambda s: (s.sender, s.room_id)),
        out_of_room_order=disorder(lambda s: (s.room_id,)),
    )


def out_of_order(answers: Sequence[int]) -> int:
    """How many answers are out of order: the fewest that would have to move for the rest to be in
    the order of their commands (`answers`: where each came, in command order). An answer
    overtaken by the nine after it is one out of order, not nine."""
    # the longest run in order that may skip answers (patience sorting)
    tops: list[int] = []
    for place in answers:
        at = bisect.bisect_left(tops, place)
        if at == len(tops):
            tops.append(place)
        else:
            tops[at] = place
    return len(answers) - len(tops)


def answered_once(client: TimedClient, event_ids: Iterable[str]) -> int:
    """How many of `event_ids` (sent by `client`) it saw answered exactly once."""
    return sum(1 for event_id in event_ids if client.reply_count[event_id] == 1)


@dataclass(frozen=True)
class Asked:
    """Commands sent one at a time while something else went on."""

    waits: list[float]
    """Milliseconds from send to answer seen, of those answered within the timeout."""
    event_ids: list[str]


async def asking(
    client: TimedClient,
    room_id: str,
    text: str,
    pause_s: float,
    meanwhile: Awaitable[T],
    *,
    after: int = 2,
    timeout: float = 300.0,
) -> tuple[T, Asked]:
    """Send `text` in `room_id` from now until `meanwhile` is done and `after` times more, each
    `pause_s` seconds after the answer to the one before (or its timeout), as a person asks in a
    quiet room; return the result of `meanwhile` and the waits for the answers.

    One at a time, so that what is timed is what the others' traffic costs one command: asked on a
    clock instead, a room that gets its fair turn would queue its own commands as soon as they come
    faster than its turns."""
    running = asyncio.ensure_future(meanwhile)
    waits: list[float] = []
    event_ids: list[str] = []
    try:
        left = after
        while True:
            finishing = running.done()
            sent_at = time.time()
            event_ids.append(await client.say(room_id, text))
            try:
                _, arrived = await client.first_reply(event_ids[-1], timeout)
                waits.append((arrived - sent_at) * 1000)
            except TimeoutError:
                pass
            if finishing:
                left -= 1
            if finishing and left <= 0:
                break
            await asyncio.sleep(pause_s)
        return await running, Asked(waits, event_ids)
    finally:
        running.cancel()

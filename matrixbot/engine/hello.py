"""The bot's hello when it first joins a room: what it does there (the plugins that are on),
`!help`, and, where it may not remove messages that a plugin would remove (a leaked access code),
which power level would let it. A direct chat gets a short hello of its own.

Once per room: each of the bot's joins is seen as its own `m.room.member` event (the sync stores it
in the inbox like any other), and the first join to each room is remembered in `room_arrivals`.
Only that one is greeted, and only when the bot came on an invite: a rejoin is quiet, and so is a
room the bot made itself (the direct chats it opens to ask a check-in). The rooms the bot was in
before the table existed are remembered at the next start (`remember_rooms`). The hello is posted
through the outbox of the join event, so handling the join again after a crash posts it once.
A room admin can turn it off: the core's `hello` setting.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from matrixbot.api.catalog import ALWAYS_ON
from matrixbot.config import Config
from matrixbot.db import Database, Tx
from matrixbot.engine.registry import Registry
from matrixbot.errors import UserError
from matrixbot.i18n import N_, _, all_of, declared, speaking
from matrixbot.matrix.events import RoomEvent
from matrixbot.matrix.markup import Message, h
from matrixbot.matrix.permissions import redact_level
from matrixbot.matrix.sender import Sender

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Arrival:
    """The bot's own join to a room (not a change of its name or avatar)."""

    room_id: str
    event_id: str
    invited: bool
    """It came on an invite (not into a room it made itself)."""
    direct: bool
    """The invite said the room is a direct chat (`is_direct`, as Element sends it)."""


def arrival(event: RoomEvent, bot_user_id: str) -> Arrival | None:
    """`event` read as the bot's arrival in its room, or None when it is something else."""
    if event.type != "m.room.member" or event.state_key != bot_user_id:
        return None
    if event.content.get("membership") != "join":
        return None
    previous = event.unsigned.get("prev_content")
    previous = previous if isinstance(previous, dict) else {}
    if previous.get("membership") == "join":
        return None
    invited = previous.get("membership") == "invite"
    return Arrival(event.room_id, event.event_id, invited, invited and previous.get("is_direct") is True)


_ROLES = {50: N_("Moderator"), 100: N_("Admin")}
"""The names Element gives the usual power levels."""


def render_hello(prefix: str, plugins: Sequence[str], cannot_remove: Sequence[str], level: int) -> str:
    """The hello of a room: the plugins on (`plugins`), `!help`, and what the bot would remove
    with power level `level` (`cannot_remove`, when it may not remove messages there)."""
    p = h(prefix)
    plugins_command = f"<code>{p}plugins</code>"
    if plugins:
        names = ", ".join(f"<b>{h(name)}</b>" for name in plugins)
        first = _("👋 Hello! I'm a bot. On in this room: {names} ({command} says what each does).").format(
            names=names, command=plugins_command
        )
    else:
        first = _(
            "👋 Hello! I'm a bot. No plugins are on in this room yet: a room admin can turn one on "
            "with {enable} ({command} lists them)."
        ).format(enable=f"<code>{p}enable NAME</code>", command=plugins_command)
    lines = [
        first,
        _("Say {command} to see the commands you can use here.").format(command=f"<code>{p}help</code>"),
    ]
    if cannot_remove:
        what = all_of(h(w) for w in cannot_remove)
        role = f" ({_(_ROLES[level])})" if level in _ROLES else ""
        lines.append(
            _(
                "I may not remove messages here, so I can only warn about {what}. Give me power level "
                "{level} and I will remove them."
            ).format(what=what, level=f"{level}{role}")
        )
    return "<br>".join(lines)


def render_direct_hello(prefix: str) -> str:
    return _(
        "👋 Hello! This is a direct chat with me, a bot: what you say here only I see. Say {command} "
        "to see what I can do."
    ).format(command=f"<code>{h(prefix)}help</code>")


class Greeter:
    """Says the hello on the bot's first arrival in each room (the dispatcher hands it the bot's joins)."""

    def __init__(self, config: Config, registry: Registry, db: Database, sender: Sender) -> None:
        self._config = config
        self._registry = registry
        self._db = db
        self._sender = sender

    async def remember_rooms(self, room_ids: Iterable[str], now: float) -> None:
        """Once, at the first start with `room_arrivals`: the rooms the bot is in already count as
        greeted (by no event), so that leaving and coming back to one of them is quiet."""
        if await self._db.fetch_value("SELECT value FROM meta WHERE key = 'arrivals_known'") != "no":
            return
        rooms = list(room_ids)

        async def write(tx: Tx) -> None:
            for room_id in rooms:
                await tx.execute(
                    "INSERT INTO room_arrivals (room_id, event_id, arrived_at) VALUES (?, '', ?) "
                    "ON CONFLICT (room_id) DO NOTHING",
                    (room_id, now),
                )
            await tx.execute("UPDATE meta SET value = 'yes' WHERE key = 'arrivals_known'")

        await self._db.write(write)

    async def arrived(self, event: RoomEvent) -> None:
        """Greet the room if `event` is the bot's first arrival in it (see the module docstring)."""
        found = arrival(event, self._sender.rooms.bot_user_id)
        if found is None or not await self._first(found, event.sent.at().timestamp()):
            return
        if not found.invited or await self._registry.settings.get(found.room_id, "hello") == "off":
            return
        prefix = self._config.prefix
        with speaking(await self._registry.settings.language(found.room_id)):
            html = render_direct_hello(prefix) if found.direct else await self._room_hello(found.room_id)
        outbox = self._sender.outbox(f"event:{event.event_id}")
        await outbox.message(found.room_id, Message.from_html(html))
        log.info("said hello in %s", found.room_id)

    async def _first(self, found: Arrival, at: float) -> bool:
        """Remember the arrival if it is the bot's first in the room; whether it is (also when
        this same arrival is handled again)."""
        await self._db.execute(
            "INSERT INTO room_arrivals (room_id, event_id, arrived_at) VALUES (?, ?, ?) "
            "ON CONFLICT (room_id) DO NOTHING",
            (found.room_id, found.event_id, at),
        )
        first = await self._db.fetch_value(
            "SELECT event_id FROM room_arrivals WHERE room_id = ?", (found.room_id,)
        )
        return bool(first == found.event_id)

    async def _room_hello(self, room_id: str) -> str:
        enabled = sorted(await self._registry.enabled(room_id) - ALWAYS_ON)
        plugins = [self._registry.plugins[name] for name in enabled]
        removes = [declared(p.removes, p.translations) for p in plugins if p.removes]
        rooms, level = self._sender.rooms, 0
        if removes:
            try:
                if await rooms.can_redact(room_id):
                    removes = []
                else:
                    level = redact_level(await rooms.power_levels(room_id))
            except UserError:  # its power levels are not known: say nothing of them
                removes = []
        return render_hello(self._config.prefix, enabled, removes, level)

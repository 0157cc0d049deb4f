"""The reactions the bot has seen, so that a redaction (which names only the event it removes)
can be told to plugins as the removal of that reaction: who took back which key on what."""

from __future__ import annotations

from matrixbot.db import Database
from matrixbot.matrix.events import Reaction, RoomEvent


class ReactionLog:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, reaction: Reaction) -> None:
        """Remember a reaction (a delivery seen again changes nothing)."""
        await self._db.execute(
            "INSERT INTO reactions (event_id, room_id, sender, target, key) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (reaction.event_id, reaction.room_id, reaction.sender, reaction.target, reaction.key),
        )

    async def remove(self, redaction: RoomEvent) -> Reaction | None:
        """Forget the reaction `redaction` takes back; return it marked removed by that redaction
        (its id and time), or None if it was no reaction seen."""
        row = await self._db.fetch_one("SELECT * FROM reactions WHERE event_id = ?", (redaction.redacts,))
        if row is None:
            return None
        await self._db.execute("DELETE FROM reactions WHERE event_id = ?", (redaction.redacts,))
        return Reaction(
            row["room_id"],
            row["sender"],
            row["target"],
            row["key"],
            row["event_id"],
            redaction.sent,
            removed_by=redaction.event_id,
        )
